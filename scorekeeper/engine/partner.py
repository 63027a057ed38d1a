"""Partner sign-in for fleets: GDAP discovery, admin-consent links, waiting for consent, config tables.

One multi-tenant app registration (declared once in ``[templates.NAME]``, named by ``[partner]``)
signs in to the partner's own tenant to list its customers from GDAP, and to every customer
tenant whose admin has consented. Nothing here prints or prompts: ``scorekeeper tenants
discover`` and ``tenants add`` (cli/inventory.py) call these functions and word the results.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from scorekeeper.config.model import Config, TenantConfig, parse_config, parse_toml
from scorekeeper.config.templates import is_tenant_id, merge_template
from scorekeeper.errors import AuthError, ConfigError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
#: Token errors that mean "not consented (yet)" in the customer tenant: keep waiting.
#: AADSTS7000229 — the client application is missing a service principal in the tenant (client
#: credentials of a multi-tenant app never consented there); AADSTS700016 — application not found
#: in the directory (the older wording of the same); AADSTS65001 — consent not granted (user flows).
NOT_CONSENTED = ("AADSTS7000229", "AADSTS700016", "AADSTS65001")


@dataclass(frozen=True)
class Customer:
    """A customer tenant the partner has an active GDAP relationship with."""

    tenant_id: str
    display_name: str


def partner_config(config: Config) -> TenantConfig:
    """The partner's own tenant, signed in with the partner template's app (for GDAP discovery)."""
    if config.partner is None:
        raise ConfigError(["no [partner] table: add tenant_id and template (docs/configuration.md)"], config.source)
    template = dict(config.templates[config.partner.template])
    table = merge_template(template, {"tenant_id": config.partner.tenant_id})
    table = {k: v for k, v in table.items() if k not in ("controls", "remediation")}
    return TenantConfig(name="partner", **table)


async def discover_customers(partner: TenantConfig, *, transport: Any = None) -> list[Customer]:
    """Customers with an ``active`` GDAP relationship, from the partner tenant (v1.0 lists).

    ``delegatedAdminRelationships`` filtered on ``status`` active (``$filter`` and again here), joined with
    ``delegatedAdminCustomers`` for the display name Entra ID gives the customer; sorted by name.
    Needs DelegatedAdminRelationship.Read.All (application) consented in the partner tenant.
    """
    from scorekeeper.engine.auth import graph_credential
    from scorekeeper.graph.client import build_graph_client

    client = build_graph_client(
        graph_credential(partner), partner.graph_url, transport=transport, timeout=partner.request_timeout
    )
    try:
        found: dict[str, str] = {}
        for rel in await _pages(client, "tenantRelationships/delegatedAdminRelationships?$filter=status eq 'active'"):
            customer = rel.get("customer") or {}
            if rel.get("status") == "active" and customer.get("tenantId"):
                found.setdefault(str(customer["tenantId"]).lower(), str(customer.get("displayName") or ""))
        for customer in await _pages(client, "tenantRelationships/delegatedAdminCustomers"):
            tid = str(customer.get("tenantId") or "").lower()
            if tid in found and customer.get("displayName"):
                found[tid] = str(customer["displayName"])
    finally:
        adapter: Any = client.request_adapter
        await adapter._http_client.aclose()
    return sorted(
        (Customer(tid, name) for tid, name in found.items()), key=lambda c: (c.display_name.lower(), c.tenant_id)
    )


async def _pages(client: Any, path: str) -> list[dict[str, Any]]:
    """Every item of a Graph list, following ``@odata.nextLink`` (raw JSON: no SDK model import cost)."""
    from scorekeeper.graph.client import graph_request, graph_root

    items: list[dict[str, Any]] = []
    page = await graph_request(client, "GET", path)
    while isinstance(page, dict):
        items += [v for v in page.get("value") or [] if isinstance(v, dict)]
        link = page.get("@odata.nextLink")
        if not isinstance(link, str):
            break
        root = f"{graph_root(client)}/v1.0/"
        page = await graph_request(client, "GET", link.removeprefix(root)) if link.startswith(root) else None
    return items


def table_name(display_name: str, taken: Iterable[str]) -> str:
    """A ``[tenants.NAME]`` name from a display name: lowercase words joined by '-', unique among ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", display_name.lower()).strip("-")[:40].strip("-") or "customer"
    used = set(taken)
    name, n = base, 2
    while name in used:
        name, n = f"{base}-{n}", n + 1
    return name


def tenant_table(name: str, tenant_id: str, template: str, display_name: str = "") -> str:
    """The TOML text of one ``[tenants.NAME]`` table built from ``template``."""
    comment = f"# {display_name}\n" if display_name else ""
    return f'{comment}[tenants.{name}]\ntemplate = {json.dumps(template)}\ntenant_id = "{tenant_id}"\n'


def append_tables(path: Path, text: str, *, data_dir: Path | None = None) -> Config:
    """Append ``text`` (TOML tables) to the config file, keeping every byte already there.

    The whole file as it would be is validated first (a problem raises :class:`ConfigError` and
    writes nothing); the write goes through a temporary file and a rename, so an interrupted
    write leaves the old file whole. Comments and other tables are untouched: text is only added.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    joined = old + ("" if not old or old.endswith("\n") else "\n") + ("\n" if old else "") + text
    config = parse_config(parse_toml(joined.encode("utf-8"), path), path, data_dir=data_dir)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(joined, encoding="utf-8")
    if path.exists():
        temporary.chmod(path.stat().st_mode & 0o777)
    temporary.replace(path)
    return config


def consent_url(
    tenant_id: str, client_id: str, redirect_uri: str, *, authority: str | None = None, state: str = ""
) -> str:
    """Microsoft identity platform v2.0 admin consent link for ``tenant_id``.

    ``https://login.microsoftonline.com/{tenant}/v2.0/adminconsent?client_id=…&scope=…&redirect_uri=…``
    with ``scope=https://graph.microsoft.com/.default`` (every application permission of the app
    registration). ``redirect_uri`` must be one registered on the app.
    """
    if not is_tenant_id(tenant_id):
        raise ValueError(f"{tenant_id!r} is not a tenant id (a GUID)")
    base = (
        authority
        if authority and authority.startswith("http")
        else f"https://{authority or 'login.microsoftonline.com'}"
    )
    query = {"client_id": client_id, "scope": GRAPH_DEFAULT_SCOPE, "redirect_uri": redirect_uri}
    if state:
        query["state"] = state
    return f"{base}/{tenant_id}/v2.0/adminconsent?{urlencode(query)}"


def token_roles(token: str) -> list[str]:
    """The ``roles`` claim of an app-only access token: the application permissions granted.

    Read without checking the signature, only to compare with what the controls need: Graph
    itself checks the token on every call.
    """
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return []
    roles = claims.get("roles") if isinstance(claims, dict) else None
    return sorted(r for r in roles or [] if isinstance(r, str))


def wait_for_consent(
    credential: TokenCredential,
    *,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_wait: Callable[[float, str], None] | None = None,
    first_delay: float = 2.0,
    max_delay: float = 30.0,
) -> list[str]:
    """Ask for a token until the tenant's admin has consented; return the roles it carries.

    A "not consented" answer (:data:`NOT_CONSENTED`) waits and retries with a doubling delay
    (``first_delay`` up to ``max_delay``) until ``timeout`` seconds have passed; any other
    refusal (a wrong secret, an unknown tenant) raises :class:`AuthError` at once, since waiting
    cannot fix it. Ctrl-C propagates as KeyboardInterrupt: nothing has been written yet.
    """
    deadline = clock() + timeout
    delay = first_delay
    while True:
        try:
            return token_roles(credential.get_token(GRAPH_DEFAULT_SCOPE).token)
        except Exception as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            if not any(code in text for code in NOT_CONSENTED):
                raise AuthError(f"sign-in refused: {first}") from None
            left = deadline - clock()
            if left <= 0:
                raise AuthError(f"no consent within {timeout:g} s: {first}") from None
            if on_wait is not None:
                on_wait(min(delay, left), first)
            sleep(min(delay, left))
            delay = min(delay * 2, max_delay)


def missing_permissions(granted: Iterable[str], needed: Iterable[str]) -> list[str]:
    """The needed permissions that neither themselves nor a covering permission are in ``granted``."""
    from scorekeeper.engine.permissions import covering

    have = set(granted)
    return sorted(p for p in needed if p not in have and not (covering(p) & have))

"""Many simulated tenants behind one port, and the config that reaches them.

A request picks its tenant the way Graph does: by the ``tid`` claim of its bearer token. So a
fleet needs no routing of its own; each ``[tenants.NAME]`` table of the config carries the static
token of its own tenant, and every table shares the same loopback ``graph_url``. That is exactly
what a real client config expresses for a real fleet (one credential per tenant, one Graph).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from scorekeeper.simulator.appcert import AppCertificate
    from scorekeeper.simulator.core import Simulator

#: Tenant names in a fleet snippet: ``sim-0001`` … (zero-padded so they sort in order).
NAME_FORMAT = "sim-{:04d}"


def build_fleet(count: int, profile: str = "weak-cloud") -> Simulator:
    """One simulator holding ``count`` independent tenants of ``profile``, each with its own id and state."""
    from scorekeeper.simulator.core import Simulator

    if count < 1:
        raise ValueError("a fleet needs at least one tenant")
    return Simulator.from_profiles(*([profile] * count))


def tenant_names(sim: Simulator) -> dict[str, str]:
    """Config name → tenant id, in the simulator's order."""
    return {NAME_FORMAT.format(i + 1): tid for i, tid in enumerate(sim.tenant_ids)}


def config_snippet(sim: Simulator, base_url: str, names: Iterable[tuple[str, str]] | None = None) -> str:
    """``[tenants.*]`` tables (TOML) for every tenant of ``sim`` served at ``base_url``.

    Tokens are issued now and valid for one hour, like Entra ID's; run ``serve`` again (or
    ``scorekeeper simulator token --tenant ID --state FILE``) for fresh ones.
    """
    base = base_url.rstrip("/")
    lines: list[str] = []
    for name, tid in names if names is not None else tenant_names(sim).items():
        lines += [
            f"[tenants.{name}]",
            f"tenant_id = {json.dumps(tid)}",
            'auth = "static"',
            f"token = {json.dumps(sim.issue_token(tid))}",
            'portal_auth = "static"',
            f"portal_token = {json.dumps(sim.issue_delegated_token(tid))}",
            f"graph_url = {json.dumps(base)}",
            f"portal_url = {json.dumps(base + '/api')}",
            "",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Partner sign-in (issue 28): one multi-tenant app, consented in each customer tenant.
#
# The partner's own tenant (the simulator's first tenant) registers the app and holds one GDAP
# relationship per customer (routes/partner.py serves them). A customer tenant has consented when
# it holds a service principal of the app, as admin consent creates one. The token endpoint
# (``POST /{tenant}/oauth2/v2.0/token``, client credentials) issues a token for the customer
# tenant named in the path, under the app's one client id, only where it has consented.
# ---------------------------------------------------------------------------------------------

#: The simulated multi-tenant app's client id (a fixed UUID so configs and tests can name it).
PARTNER_APP_ID = "5c0b1a57-9a27-4e55-8b7e-000000000028"
PARTNER_NAME_FORMAT = "customer-{:04d}"
#: Roles the simulated GDAP relationships grant (directory role template ids): Global Reader and
#: Security Administrator, what docs/operations.md "Partner sign-in" asks a partner to request.
GDAP_ROLES = ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "194ae4cb-b126-40b2-bd5b-6091b380977d")
_CREATED = "2026-01-05T09:00:00Z"


def build_partner_fleet(
    customers: int,
    profile: str = "weak-cloud",
    *,
    unconsented: int = 0,
    pending: int = 0,
    app_id: str = PARTNER_APP_ID,
) -> Simulator:
    """A partner tenant plus ``customers`` customer tenants reached through one multi-tenant app.

    The last ``unconsented`` customers have an active relationship but have not consented to the
    app (their token requests fail as Entra ID's do); the last ``pending`` relationships are still
    ``approvalPending`` (no customer object yet, so discovery does not list them).
    """
    if customers < 1:
        raise ValueError("a partner fleet needs at least one customer tenant")
    if unconsented + pending > customers:
        raise ValueError("unconsented + pending cannot exceed the number of customers")
    sim = build_fleet(customers + 1, profile)
    partner, *clients = sim.tenant_ids
    register_app(sim, partner, app_id)
    consent(sim, partner, app_id)
    relationships, listed = [], []
    for index, tid in enumerate(clients):
        name = customer_display_name(index)
        active = index < customers - pending
        relationships.append(_relationship(index, tid, name, "active" if active else "approvalPending"))
        if active:
            listed.append({"id": tid, "tenantId": tid, "displayName": name})
        if index < customers - unconsented - pending:
            consent(sim, tid, app_id)
    state = sim.tenant(partner).state
    state["delegatedAdminRelationships"] = relationships
    state["delegatedAdminCustomers"] = listed
    return sim


def customer_display_name(index: int) -> str:
    """The display name the partner tenant's GDAP lists give customer ``index`` (0-based)."""
    return f"Customer {index + 1:04d} Ltd"


def _relationship(index: int, tenant_id: str, name: str, status: str) -> dict[str, Any]:
    active = status == "active"
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scorekeeper-gdap/{tenant_id}")),
        "displayName": f"scorekeeper-gdap-{index + 1:04d}",
        "status": status,
        "customer": {"tenantId": tenant_id, "displayName": name},
        "duration": "P730D",
        "autoExtendDuration": "PT0S",
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": role} for role in GDAP_ROLES]},
        "createdDateTime": _CREATED,
        "activatedDateTime": _CREATED if active else None,
        "lastModifiedDateTime": _CREATED,
        "endDateTime": "2028-01-05T09:00:00Z" if active else None,
    }


def register_app(sim: Simulator, home_tenant: str, app_id: str = PARTNER_APP_ID) -> None:
    """The multi-tenant application object in its home (partner) tenant."""
    apps = sim.tenant(home_tenant).state.setdefault("applications", [])
    if not any(a.get("appId") == app_id for a in apps):
        apps.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scorekeeper-app/{app_id}")),
                "appId": app_id,
                "displayName": "scorekeeper (multi-tenant)",
                "signInAudience": "AzureADMultipleOrgs",
                "createdDateTime": _CREATED,
            }
        )


def consent(sim: Simulator, tenant_id: str, app_id: str = PARTNER_APP_ID) -> None:
    """Admin consent in ``tenant_id``: the app's service principal appears there (idempotent)."""
    sps = sim.tenant(tenant_id).state.setdefault("servicePrincipals", [])
    if not any(sp.get("appId") == app_id for sp in sps):
        sps.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scorekeeper-sp/{tenant_id}/{app_id}")),
                "appId": app_id,
                "displayName": "scorekeeper (multi-tenant)",
                "appDisplayName": "scorekeeper (multi-tenant)",
                "servicePrincipalType": "Application",
                "accountEnabled": True,
                "appOwnerOrganizationId": home_tenant_of(sim, app_id),
            }
        )


def consented(sim: Simulator, tenant_id: str, app_id: str) -> bool:
    """Whether ``tenant_id`` holds a service principal of ``app_id`` (its admin has consented)."""
    return any(sp.get("appId") == app_id for sp in sim.tenant(tenant_id).state.get("servicePrincipals") or [])


def home_tenant_of(sim: Simulator, app_id: str) -> str | None:
    """The tenant whose ``applications`` registers ``app_id``, or ``None`` when no tenant does."""
    for tid in sim.tenant_ids:
        if any(a.get("appId") == app_id for a in sim.tenant(tid).state.get("applications") or []):
            return tid
    return None


def client_secret(sim: Simulator, app_id: str = PARTNER_APP_ID) -> str:
    """The simulated app's client secret: derived from the simulator's signing secret, never stored."""
    return hmac.new(sim.secret.encode(), f"client-secret/{app_id}".encode(), hashlib.sha256).hexdigest()


def token_endpoint(sim: Simulator, path: str, form: bytes, *, base_url: str) -> tuple[int, dict[str, Any]]:
    """``POST /{tenant}/oauth2/v2.0/token`` with the client-credentials grant: status and JSON body.

    The app proves itself with its secret (``client_secret``) or its certificate (``client_assertion``,
    checked by simulator/assertion.py against the app's ``keyCredentials``; the assertion's ``aud``
    must be this endpoint's URL at ``base_url``'s host). Errors carry the identity platform's shape
    (``error``, ``error_description`` starting with the AADSTS code, ``error_codes``) and the codes
    Microsoft documents for each case; see docs/simulator.md "Partner sign-in" and "Certificate
    sign-in" for the pages checked.
    """
    from scorekeeper.simulator.tokens import GRAPH_AUDIENCE, application_permissions, issue

    tenant = path.strip("/").split("/", 1)[0]
    fields = dict(parse_qsl(form.decode("utf-8", "replace"), keep_blank_values=True))
    client = fields.get("client_id", "")
    if tenant.lower() not in sim.tenants:
        return _token_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
    if fields.get("grant_type") != "client_credentials":
        return _token_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
    if not fields.get("scope", "").endswith("/.default"):
        return _token_error(
            400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid."
        )
    home = home_tenant_of(sim, client)
    if home is None:
        return _token_error(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client}' was not found in the directory '{tenant}'.",
        )
    refused = _client_authentication(sim, home, client, fields, token_urls(base_url, tenant))
    if refused is not None:
        return refused
    if not consented(sim, tenant.lower(), client):
        return _token_error(
            401,
            "invalid_client",
            7000229,
            f"The client application {client} is missing service principal in the tenant {tenant}.",
        )
    roles = application_permissions(sim.known_permissions())
    token = issue(sim.secret, tenant.lower(), audience=GRAPH_AUDIENCE, roles=roles, app_id=client)
    return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}


def _client_authentication(
    sim: Simulator, home: str, client: str, fields: dict[str, str], audiences: list[str]
) -> tuple[int, dict[str, Any]] | None:
    """``None`` when the app proved itself (secret or certificate), else the identity platform's refusal."""
    from scorekeeper.simulator.assertion import JWT_BEARER, AssertionRefused, check_client_assertion

    assertion = fields.get("client_assertion", "")
    if assertion and fields.get("client_assertion_type") == JWT_BEARER:
        try:
            check_client_assertion(
                assertion,
                client_id=client,
                audiences=audiences,
                credentials=key_credentials(sim, home, client),
                now=time.time(),
            )
        except AssertionRefused as exc:
            return _token_error(401, "invalid_client", exc.code, exc.description)
        return None
    if "client_secret" in fields:
        if hmac.compare_digest(fields["client_secret"], client_secret(sim, client)):
            return None
        return _token_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
    return _token_error(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def token_urls(base_url: str, tenant: str) -> list[str]:
    """The token endpoint's URL for ``tenant`` at ``base_url``'s host: what an assertion's ``aud`` names.

    Both schemes: azure-identity only speaks https, so a loopback client names the endpoint
    ``https://`` and carries it over plain HTTP (engine/auth.py); a hand-made client may say ``http://``.
    """
    host = base_url.split("://", 1)[-1].rstrip("/")
    return [f"{scheme}://{host}/{tenant}/oauth2/v2.0/token" for scheme in ("https", "http")]


def openid_configuration(sim: Simulator, path: str, base_url: str) -> tuple[int, dict[str, Any]]:
    """``GET /{tenant}/v2.0/.well-known/openid-configuration``: where MSAL learns the token endpoint.

    Only the members MSAL reads (``token_endpoint``, ``authorization_endpoint``,
    ``device_authorization_endpoint``, ``issuer``), named ``https://`` at the served host because
    MSAL accepts nothing else; see :func:`token_urls`.
    """
    tenant = path.strip("/").split("/", 1)[0]
    if tenant.lower() not in sim.tenants:
        return _token_error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
    base = token_urls(base_url, tenant)[0].removesuffix("/token")
    return 200, {
        "token_endpoint": f"{base}/token",
        "authorization_endpoint": f"{base}/authorize",
        "device_authorization_endpoint": f"{base}/devicecode",
        "issuer": f"{base.removesuffix('/oauth2/v2.0')}/v2.0",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    }


def key_credentials(sim: Simulator, home_tenant: str, app_id: str) -> list[dict[str, Any]]:
    """The ``keyCredentials`` of ``app_id``'s application object in its home tenant."""
    for app in sim.tenant(home_tenant).state.get("applications") or []:
        if app.get("appId") == app_id:
            return list(app.get("keyCredentials") or [])
    return []


def register_certificate(sim: Simulator, credential: dict[str, Any], app_id: str = PARTNER_APP_ID) -> None:
    """Add ``credential`` (appcert.key_credential) to the app, replacing one of the same ``displayName``."""
    home = home_tenant_of(sim, app_id)
    if home is None:
        raise ValueError(f"no tenant registers the app {app_id}")
    for app in sim.tenant(home).state.get("applications") or []:
        if app.get("appId") == app_id:
            kept = [k for k in app.get("keyCredentials") or [] if k.get("displayName") != credential["displayName"]]
            app["keyCredentials"] = [*kept, credential]


def _token_error(status: int, error: str, code: int, description: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {description}",
        "error_codes": [code],
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


def partner_certificate(sim: Simulator, path: Path, app_id: str = PARTNER_APP_ID) -> AppCertificate:
    """The app's certificate kept at ``path``, registered in its ``keyCredentials``; made anew when needed.

    The file is reused while it holds a key and certificate that the app still lists and that is
    within its dates (a saved fleet served again keeps its certificate); otherwise a new
    self-signed one is written there (mode 0600) and replaces the simulator's earlier credential.
    """
    from datetime import UTC, datetime

    from scorekeeper.simulator.appcert import key_credential, make_certificate, read_certificate, write_certificate

    home = home_tenant_of(sim, app_id)
    if home is None:
        raise ValueError(f"no tenant registers the app {app_id}")
    found = read_certificate(path)
    if found is not None:
        registered = key_credential(found.x509)["key"] in {k.get("key") for k in key_credentials(sim, home, app_id)}
        if registered and found.x509.not_valid_after_utc > datetime.now(UTC):
            return found
    made = make_certificate()
    write_certificate(path, made)
    register_certificate(sim, key_credential(made.x509), app_id)
    return made


#: The environment variable the partner snippet names for the app's client secret.
PARTNER_SECRET_ENV = "SCOREKEEPER_PARTNER_SECRET"


def partner_config_snippet(
    sim: Simulator,
    base_url: str,
    *,
    template: str = "msp",
    app_id: str = PARTNER_APP_ID,
    certificate_path: Path | None = None,
    auth: str = "client-secret",
) -> str:
    """``[partner]`` and ``[templates.TEMPLATE]`` (TOML) for a partner fleet served at ``base_url``.

    No tenant table: ``scorekeeper tenants discover --append`` adds them from the simulated GDAP
    relationships. ``auth`` picks the app's secret (kept out of the file: export
    :data:`PARTNER_SECRET_ENV` with :func:`client_secret`) or its certificate at
    ``certificate_path``; the other one, when available, follows as commented lines to swap in.
    """
    if auth not in ("client-secret", "certificate") or (auth == "certificate" and certificate_path is None):
        raise ValueError("auth is 'client-secret', or 'certificate' with a certificate_path")
    secret = ['auth = "client-secret"', f"client_secret_env = {json.dumps(PARTNER_SECRET_ENV)}"]
    cert = (
        ['auth = "certificate"', f"certificate_path = {json.dumps(str(certificate_path))}"] if certificate_path else []
    )
    chosen, other = (cert, secret) if auth == "certificate" else (secret, cert)
    alternative = ["# or sign in with the other credential the app holds:", *(f"# {line}" for line in other)]
    base = base_url.rstrip("/")
    return "\n".join(
        [
            "[partner]",
            f"tenant_id = {json.dumps(sim.tenant_id)}",
            f"template = {json.dumps(template)}",
            'consent_redirect_uri = "http://localhost/scorekeeper/consent"',
            "",
            f"[templates.{template}]",
            f"client_id = {json.dumps(app_id)}",
            *chosen,
            *(alternative if other else []),
            f"authority = {json.dumps(base)}",
            f"graph_url = {json.dumps(base)}",
            "",
        ]
    )

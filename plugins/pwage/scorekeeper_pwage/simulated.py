"""Graph's ``/domains`` for scorekeeper's tenant simulator, built with its public extension API.

Published in the entry point group ``scorekeeper.simulator`` (``pwage``), so the ``demo`` tenant,
``scorekeeper simulator serve`` and every test simulator serve the domains this control reads
and writes. The state lives under ``extensions.pwage-domains`` of each tenant, so it is saved,
diffed and reset with the rest. Routes follow Microsoft's pages:

* ``GET /domains`` — https://learn.microsoft.com/graph/api/domain-list
* ``GET /domains/{id}`` — https://learn.microsoft.com/graph/api/domain-get
* ``PATCH /domains/{id}`` — https://learn.microsoft.com/graph/api/domain-update

Domains are a directory resource, so errors use the directory's codes (``Request_BadRequest``,
``Request_ResourceNotFound``). What Microsoft does not document is listed in
docs/controls/PWAgePolicyNew.md under "Simulator".
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator import Area, GraphError, SimulatorExtension
from scorekeeper_pwage.simulated_state import initial_state

LEARN = "https://learn.microsoft.com/graph/api"
#: Least-privileged first, then the higher-privileged ones the permission tables also accept.
READ = ("Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All")
#: Update domain: Domain.ReadWrite.All; delegated also Directory.AccessAsUser.All.
WRITE = ("Domain.ReadWrite.All", "Directory.AccessAsUser.All")
#: Directory roles (template ids) the update page lists for a delegated caller, plus Global Administrator.
WRITE_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "be2f45a1-457d-42af-a067-6ec1fa63bc45": "External Identity Provider Administrator",
}
PROPERTIES = (
    "id",
    "authenticationType",
    "availabilityStatus",
    "isAdminManaged",
    "isDefault",
    "isInitial",
    "isRoot",
    "isVerified",
    "supportedServices",
    "passwordValidityPeriodInDays",
    "passwordNotificationWindowInDays",
    "state",
)
PASSWORD_POLICY = ("passwordValidityPeriodInDays", "passwordNotificationWindowInDays")
#: What a PATCH may set here; everything else on the type is refused as read-only (see the docs file).
WRITABLE = (*PASSWORD_POLICY, "isDefault", "supportedServices")
#: supportedServices values Graph lets a caller add or remove (domain resource page).
SETTABLE_SERVICES = ("Email", "OfficeCommunicationsOnline", "Yammer")
INT32_MAX = 2**31 - 1

extension = SimulatorExtension("pwage-domains", state=initial_state, area=Area.DIRECTORY)


def _find(ctx: Any) -> dict[str, Any]:
    """The domain named in the path (fully qualified name, case-insensitive), or Graph's 404."""
    from urllib.parse import unquote

    wanted = unquote(ctx.params["id"]).lower()
    for item in ctx.state["domains"]:
        if str(item["id"]).lower() == wanted:
            return item
    raise ctx.not_found(unquote(ctx.params["id"]))


@extension.get("/domains", permissions=READ, doc=f"{LEARN}/domain-list")
def list_domains(ctx: Any) -> dict[str, Any]:
    ctx.select_fields(PROPERTIES, "domain")
    return ctx.collection(ctx.state["domains"], "domains", type_name="domain", top=False)


@extension.get("/domains/{id}", permissions=READ, doc=f"{LEARN}/domain-get")
def get_domain(ctx: Any) -> dict[str, Any]:
    ctx.select_fields(PROPERTIES, "domain")
    return ctx.entity(_find(ctx), "domains/$entity")


def _check_caller(ctx: Any) -> None:
    """A delegated caller also needs one of the directory roles the update page lists."""
    principal = ctx.principal
    if principal.app_only:
        return
    if not set(principal.claims.get("wids") or []) & WRITE_ROLES.keys():
        raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def _check_values(ctx: Any, body: dict[str, Any], target: dict[str, Any]) -> None:
    for name in PASSWORD_POLICY:
        value = body.get(name)
        if value is not None and not -INT32_MAX - 1 <= value <= INT32_MAX:
            raise ctx.bad_request(f"Cannot convert the literal '{value}' to the expected type 'Edm.Int32'.")
    if body.get("isDefault") is False:
        raise ctx.bad_request("Set another domain as the default instead of unsetting the default domain.")
    for service in body.get("supportedServices") or []:
        if service not in SETTABLE_SERVICES and service not in target["supportedServices"]:
            raise ctx.bad_request(f"Invalid value '{service}' for property 'supportedServices'.")
    if not target["isVerified"]:
        raise ctx.bad_request("Domain operation is not allowed: only verified domains can be updated.")
    if any(name in body for name in PASSWORD_POLICY) and not target["isRoot"]:
        # What Graph answers for a subdomain, whose policy is inherited from its root domain.
        raise ctx.bad_request("Domain operation is not allowed.")


@extension.patch("/domains/{id}", permissions=WRITE, doc=f"{LEARN}/domain-update")
def update_domain(ctx: Any) -> Any:
    _check_caller(ctx)
    body = ctx.validate("domain", writable=WRITABLE)
    target = _find(ctx)
    _check_values(ctx, body, target)
    if body.get("isDefault"):
        for other in ctx.state["domains"]:
            other["isDefault"] = False
    for key, value in body.items():
        if not key.startswith("@"):
            target[key] = list(value) if isinstance(value, list) else value
    return ctx.no_content()

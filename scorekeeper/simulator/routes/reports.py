"""Authentication methods registration reports: ``/reports/authenticationMethods/userRegistrationDetails``.

authenticationmethodsroot-list-userregistrationdetails: permission AuditLog.Read.All (delegated and
application), ``$filter`` on the documented properties, paged with ``@odata.nextLink``; the usage and
insights reports need Microsoft Entra ID P1 or P2 (authenticationmethods-usage-insights-overview).
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routing import RequestContext, RouteTable, find

table = RouteTable(Area.GRAPH)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("AuditLog.Read.All",)
DETAILS = "/reports/authenticationMethods/userRegistrationDetails"
FRAGMENT = "reports/authenticationMethods/userRegistrationDetails"
FILTERABLE = (
    "isAdmin",
    "isMfaCapable",
    "isMfaRegistered",
    "isPasswordlessCapable",
    "isSsprCapable",
    "isSsprEnabled",
    "isSsprRegistered",
    "userDisplayName",
    "userPrincipalName",
    "userType",
)


@table.get(DETAILS, permissions=READ, doc=f"{LEARN}/authenticationmethodsroot-list-userregistrationdetails")
def list_registration_details(ctx: RequestContext) -> dict[str, Any]:
    require_premium(ctx.state)
    return ctx.collection(
        ctx.state.get("userRegistrationDetails") or [],
        FRAGMENT,
        type_name="userRegistrationDetails",
        filterable=FILTERABLE,
        page_size=100,
        top=False,
    )


@table.get(f"{DETAILS}/{{id}}", permissions=READ, doc=f"{LEARN}/userregistrationdetails-get")
def get_registration_details(ctx: RequestContext) -> dict[str, Any]:
    require_premium(ctx.state)
    found = find(ctx.state.get("userRegistrationDetails") or [], ctx.params["id"])
    if found is None:
        raise ctx.not_found(ctx.params["id"])
    return ctx.entity(found, f"{FRAGMENT}/$entity")

"""Authentication methods registration reports: ``/reports/authenticationMethods/userRegistrationDetails``.

authenticationmethodsroot-list-userregistrationdetails: permission AuditLog.Read.All (delegated and
application), ``$filter`` on the documented properties, paged with ``@odata.nextLink``; the usage and
insights reports need Microsoft Entra ID P1 or P2 (authenticationmethods-usage-insights-overview).
"""

from __future__ import annotations

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routes.entityset import entity_set
from scorekeeper.simulator.routing import RouteTable

table = RouteTable(Area.GRAPH)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("AuditLog.Read.All",)
DETAILS = "/reports/authenticationMethods/userRegistrationDetails"
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


entity_set(
    table,
    DETAILS,
    key="userRegistrationDetails",
    returns="userRegistrationDetails",
    permissions=READ,
    pages=(f"{LEARN}/authenticationmethodsroot-list-userregistrationdetails", f"{LEARN}/userregistrationdetails-get"),
    filterable=FILTERABLE,
    top=False,
    guard=require_premium,
)

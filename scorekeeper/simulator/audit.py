"""The directory audit entry Entra writes when the simulator serves a successful change.

Every PATCH/POST/PUT/DELETE on a Graph route appends one ``directoryAudit`` to the tenant's
``directoryAudits`` with who made it (the token's app, or its user for a delegated token), what
it touched (the path's resource and id) and when, so a test or a plugin author can ask "who changed
what" through ``/auditLogs/directoryAudits`` as on a real tenant. Activity names follow Entra's
pattern ("Update conditional access policy"); the exact wording per resource is assumed.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorekeeper.simulator.routing import RequestContext

#: path fragment → (category, service that logs it, resource noun). First match wins.
RESOURCES = (
    ("/identity/conditionalAccess/policies", ("Policy", "Conditional Access", "conditional access policy")),
    ("/identity/conditionalAccess/namedLocations", ("Policy", "Conditional Access", "named location")),
    ("/policies/authenticationMethodsPolicy", ("Policy", "Authentication Methods", "authentication methods policy")),
    ("/policies/identitySecurityDefaultsEnforcementPolicy", ("Policy", "Core Directory", "security defaults policy")),
    ("/policies/", ("Policy", "Core Directory", "policy")),
    ("/roleManagement/", ("RoleManagement", "Core Directory", "role assignment")),
    ("/directoryRoles", ("RoleManagement", "Core Directory", "member to role")),
    ("/groupSettings", ("GroupManagement", "Core Directory", "group settings")),
    ("/settings", ("DirectoryManagement", "Core Directory", "directory setting")),
    ("/users", ("UserManagement", "Core Directory", "user")),
    ("/groups", ("GroupManagement", "Core Directory", "group")),
    ("/deviceManagement/", ("Device", "Core Directory", "device configuration")),
    ("/security/", ("Other", "Core Directory", "security control state")),
)
VERBS = {
    "POST": ("Add", "Add"),
    "PATCH": ("Update", "Update"),
    "PUT": ("Update", "Update"),
    "DELETE": ("Delete", "Delete"),
}
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def entry(ctx: RequestContext, result: Any) -> dict[str, Any]:
    """The directoryAudit for the change ``ctx`` just made (``result``: the handler's created object, if any)."""
    category, service, noun = next(
        (v for k, v in RESOURCES if k.lower() in ctx.path.lower()), ("Other", "Core Directory", "object")
    )
    verb, operation = VERBS.get(ctx.method, ("Update", "Update"))
    created = result if isinstance(result, dict) else {}
    target_id = str(created.get("id") or ctx.params.get("id") or next(iter(_GUID.findall(ctx.path)), "") or "")
    claims = ctx.principal.claims
    if ctx.principal.app_only:
        initiated = {
            "app": {
                "appId": claims.get("appid"),
                "displayName": "Scorekeeper (simulated client)",
                "servicePrincipalId": claims.get("oid"),
                "servicePrincipalName": None,
            },
            "user": None,
        }
    else:
        initiated = {
            "app": None,
            "user": {
                "id": claims.get("oid"),
                "displayName": None,
                "userPrincipalName": claims.get("upn"),
                "ipAddress": None,
            },
        }
    return {
        "id": f"Directory_{uuid.uuid4()}",
        "category": category,
        "correlationId": str(uuid.uuid4()),
        "result": "success",
        "resultReason": "",
        "activityDisplayName": f"{verb} {noun}",
        "activityDateTime": ctx.now(),
        "loggedByService": service,
        "operationType": operation,
        "initiatedBy": initiated,
        "targetResources": [
            {
                "id": target_id,
                "displayName": created.get("displayName"),
                "type": category if category != "Other" else "Other",
                "userPrincipalName": None,
                "groupType": None,
                "modifiedProperties": [
                    {"displayName": key, "oldValue": None, "newValue": None}
                    for key in sorted(ctx.body if isinstance(ctx.body, dict) else {})
                    if not key.startswith("@")
                ],
            }
        ],
        "additionalDetails": [],
    }


def record(ctx: RequestContext, result: Any) -> None:
    """Keep the audit entry for a served change (Graph routes only; the portal API is not audited here).

    Entries go to ``Simulator.directory_audits`` (per tenant), not into the tenant's state: the
    state diff that tells a rollback from a leak must not count the log of the changes themselves.
    """
    if ctx.route.api != "graph":
        return
    ctx.sim.directory_audits.setdefault(ctx.tenant.id, []).append(entry(ctx, result))


def audits(ctx: RequestContext) -> list[dict[str, Any]]:
    """The profile's recorded history followed by what the simulator has served since."""
    return [*(ctx.tenant.state.get("directoryAudits") or []), *ctx.sim.directory_audits.get(ctx.tenant.id, [])]

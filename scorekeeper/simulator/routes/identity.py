"""Named locations, security defaults and the tenant-wide policy singletons (Microsoft Graph v1.0/beta).

Each singleton lives under its own state key; a state without the key (an older state file, a
profile that does not set it) reads Microsoft's default object from :func:`default`, never a crash.
Security defaults and Conditional Access exclude each other in Entra: a missing
``identitySecurityDefaultsEnforcementPolicy`` reads as enabled only when the tenant holds no
enabled or report-only CA policy, and a PATCH that enables it while such a policy exists is refused
(the refusal's wording is assumed; docs/simulator.md).
"""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routes.entityset import entity_set, lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, merge

table = RouteTable(Area.POLICY)
LEARN = "https://learn.microsoft.com/graph/api"
#: conditionalaccessroot-list-namedlocations / namedlocation-get: Policy.Read.All, no higher row.
NAMED_READ = ("Policy.Read.All",)
#: conditionalaccessroot-post-namedlocations, ipnamedlocation-update, countrynamedlocation-delete:
#: "Policy.Read.All and Policy.ReadWrite.ConditionalAccess".
NAMED_WRITE = (("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"),)
LOCATIONS = "/identity/conditionalAccess/namedLocations"
LOCATION_TYPES = ("#microsoft.graph.ipNamedLocation", "#microsoft.graph.countryNamedLocation")

SECURITY_DEFAULTS_READ = ("Policy.Read.All", "Policy.ReadWrite.SecurityDefaults")
#: identitysecuritydefaultsenforcementpolicy-update lists Policy.Read.All as "least privileged" for a
#: PATCH; a read permission that writes is taken as a documentation slip, so only the write rows grant it.
SECURITY_DEFAULTS_WRITE = ("Policy.ReadWrite.SecurityDefaults", "Policy.ReadWrite.ConditionalAccess")
APP_POLICY_READ = (
    "Policy.Read.All",
    "Policy.Read.ApplicationConfiguration",
    "Policy.ReadWrite.ApplicationConfiguration",
)
DEVICE_REGISTRATION_READ = (
    "Policy.Read.DeviceConfiguration",
    "Policy.Read.All",
    "Policy.ReadWrite.DeviceConfiguration",
)
CROSS_TENANT_READ = ("Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess")

SECURITY_DEFAULTS_ID = "00000000-0000-0000-0000-000000000005"


def _b2b(access: str) -> dict[str, Any]:
    return {
        "usersAndGroups": {"accessType": access, "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {"accessType": access, "targets": [{"target": "AllApplications", "targetType": "application"}]},
    }


def _everyone() -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"}


def ca_in_force(state: dict[str, Any]) -> bool:
    """Whether any Conditional Access policy is on (enforced or report-only)."""
    return any(p.get("state") != "disabled" for p in state.get("conditionalAccessPolicies") or [])


def default(key: str, state: dict[str, Any]) -> dict[str, Any]:
    """Microsoft's object for a singleton the state does not hold (the service defaults)."""
    if key == "identitySecurityDefaultsEnforcementPolicy":
        return {
            "id": SECURITY_DEFAULTS_ID,
            "displayName": "Security Defaults",
            "description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft.",
            "isEnabled": not ca_in_force(state),
        }
    if key == "defaultAppManagementPolicy":
        return {
            "id": "00000000-0000-0000-0000-000000000000",
            "displayName": "Default app management tenant policy",
            "description": "Default tenant policy that enforces app management restrictions on applications and "
            "service principals.",
            "isEnabled": False,
            "applicationRestrictions": {"passwordCredentials": [], "keyCredentials": []},
            "servicePrincipalRestrictions": {"passwordCredentials": [], "keyCredentials": []},
        }
    if key == "deviceRegistrationPolicy":
        return {
            "id": "deviceRegistrationPolicy",
            "displayName": "Device Registration Policy",
            "description": "Tenant-wide policy that manages initial provisioning controls using quota restrictions, "
            "additional authentication and authorization checks",
            "userDeviceQuota": 50,
            "multiFactorAuthConfiguration": "notRequired",
            "azureADRegistration": {"isAdminConfigurable": False, "allowedToRegister": _everyone()},
            "azureADJoin": {
                "isAdminConfigurable": True,
                "allowedToJoin": _everyone(),
                "localAdmins": {"enableGlobalAdmins": True, "registeringUsers": _everyone()},
            },
            "localAdminPassword": {"isEnabled": False},
        }
    if key == "crossTenantAccessPolicyDefault":
        return {
            "id": "crossTenantAccessPolicyDefault",
            "isServiceDefault": True,
            "inboundTrust": {
                "isMfaAccepted": False,
                "isCompliantDeviceAccepted": False,
                "isHybridAzureADJoinedDeviceAccepted": False,
            },
            "b2bCollaborationInbound": _b2b("allowed"),
            "b2bCollaborationOutbound": _b2b("allowed"),
            "b2bDirectConnectInbound": _b2b("blocked"),
            "b2bDirectConnectOutbound": _b2b("blocked"),
            "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False},
        }
    raise KeyError(key)


def singleton(ctx: RequestContext, key: str, *, store: bool = False) -> dict[str, Any]:
    """The stored object, or Microsoft's default; ``store=True`` (a PATCH) writes the default in first,
    so a read never changes the state (a contract test would see a write during assess)."""
    stored = ctx.state.get(key)
    if isinstance(stored, dict):
        return stored
    fresh = default(key, ctx.state)
    if store:
        ctx.state[key] = fresh
    return fresh


def read_singleton(
    path: str, key: str, *, returns: str, permissions: tuple[str, ...], page: str, delegated_only: tuple[str, ...] = ()
) -> None:
    """Declare ``GET path``: the singleton stored under ``key``, or Microsoft's default (never stored by a read)."""

    @table.get(path, permissions=permissions, delegated_only=delegated_only, doc=page, returns=returns)
    def get_singleton(ctx: RequestContext) -> dict[str, Any]:
        return ctx.entity(singleton(ctx, key), f"{path.lstrip('/')}/$entity")


# ----------------------------------------------------------------------------- named locations
def _location(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state.get("namedLocations") or [])


entity_set(
    table,
    LOCATIONS,
    key="namedLocations",
    returns="namedLocation",
    permissions=NAMED_READ,
    pages=(f"{LEARN}/conditionalaccessroot-list-namedlocations", f"{LEARN}/namedlocation-get"),
    filterable=("id", "displayName", "createdDateTime", "modifiedDateTime"),
)


def _location_type(ctx: RequestContext, body: dict[str, Any]) -> str:
    kind = str(body.get("@odata.type", ""))
    if kind not in LOCATION_TYPES:
        raise ctx.bad_request(
            "The @odata.type property must be #microsoft.graph.ipNamedLocation or "
            "#microsoft.graph.countryNamedLocation."
        )
    return kind


@table.post(
    LOCATIONS,
    permissions=(),
    all_of=NAMED_WRITE,
    doc=f"{LEARN}/conditionalaccessroot-post-namedlocations",
    returns="namedLocation",
)
def create_named_location(ctx: RequestContext) -> Reply:
    require_premium(ctx.state)  # named locations are a Conditional Access feature (Entra ID P1)
    body = ctx.json_body()
    kind = _location_type(ctx, body)
    ctx.validate(
        kind.rsplit(".", 1)[-1], {k: v for k, v in body.items() if k != "@odata.type"}, required=("displayName",)
    )
    if kind.endswith("ipNamedLocation") and not body.get("ipRanges"):
        raise ctx.bad_request("The property 'ipRanges' is required and must be specified.")
    if kind.endswith("countryNamedLocation") and not body.get("countriesAndRegions"):
        raise ctx.bad_request("The property 'countriesAndRegions' is required and must be specified.")
    now = ctx.now()
    item: dict[str, Any] = {"@odata.type": kind, "id": ctx.new_id(), "createdDateTime": now, "modifiedDateTime": now}
    item.update(
        {
            k: copy.deepcopy(v)
            for k, v in body.items()
            if k not in ("@odata.type", "id", "createdDateTime", "modifiedDateTime")
        }
    )
    if kind.endswith("ipNamedLocation"):
        item.setdefault("isTrusted", False)
    ctx.state.setdefault("namedLocations", []).append(item)
    return ctx.created(item, "identity/conditionalAccess/namedLocations/$entity")


@table.patch(
    f"{LOCATIONS}/{{id}}",
    permissions=(),
    all_of=NAMED_WRITE,
    doc=f"{LEARN}/ipnamedlocation-update",
    returns="namedLocation",
)
def update_named_location(ctx: RequestContext) -> Reply:
    require_premium(ctx.state)
    item = _location(ctx)
    body = ctx.json_body()
    kind = _location_type(ctx, body)  # the update pages require @odata.type in the body
    if kind != item.get("@odata.type"):
        raise ctx.bad_request(f"The named location is a {item.get('@odata.type')}; its type cannot change.")
    patch = {k: v for k, v in body.items() if k != "@odata.type"}
    ctx.validate(
        kind.rsplit(".", 1)[-1], patch, writable=[k for k in patch if k not in ("createdDateTime", "modifiedDateTime")]
    )
    merge(item, patch)
    item["modifiedDateTime"] = ctx.now()
    return ctx.no_content()


@table.delete(f"{LOCATIONS}/{{id}}", permissions=(), all_of=NAMED_WRITE, doc=f"{LEARN}/namedlocation-delete")
def delete_named_location(ctx: RequestContext) -> Reply:
    item = _location(ctx)
    used = [
        p.get("displayName")
        for p in ctx.state.get("conditionalAccessPolicies") or []
        if str(item["id"]) in str((p.get("conditions") or {}).get("locations"))
    ]
    if used:  # Entra refuses to delete a location a policy names (wording assumed)
        raise ctx.bad_request(f"The named location is referenced by Conditional Access policy '{used[0]}'.")
    ctx.state["namedLocations"].remove(item)
    return ctx.no_content()


# ----------------------------------------------------------------------------- security defaults
SECURITY_DEFAULTS = "/policies/identitySecurityDefaultsEnforcementPolicy"


read_singleton(
    SECURITY_DEFAULTS,
    "identitySecurityDefaultsEnforcementPolicy",
    returns="identitySecurityDefaultsEnforcementPolicy",
    permissions=SECURITY_DEFAULTS_READ,
    page=f"{LEARN}/identitysecuritydefaultsenforcementpolicy-get",
)


@table.patch(
    SECURITY_DEFAULTS,
    permissions=SECURITY_DEFAULTS_WRITE,
    doc=f"{LEARN}/identitysecuritydefaultsenforcementpolicy-update",
    returns="identitySecurityDefaultsEnforcementPolicy",
)
def update_security_defaults(ctx: RequestContext) -> Reply:
    body = ctx.validate("identitySecurityDefaultsEnforcementPolicy", writable=("isEnabled",))
    if body.get("isEnabled") is True and ca_in_force(ctx.state):
        raise ctx.bad_request(
            "Security defaults can't be enabled while Conditional Access policies are enabled or in report-only mode."
        )
    merge(singleton(ctx, "identitySecurityDefaultsEnforcementPolicy", store=True), body)
    return ctx.no_content()


# ----------------------------------------------------------------------------- read-only policy singletons
read_singleton(
    "/policies/defaultAppManagementPolicy",
    "defaultAppManagementPolicy",
    returns="tenantAppManagementPolicy",
    permissions=APP_POLICY_READ,
    page=f"{LEARN}/tenantappmanagementpolicy-get",
)
read_singleton(
    "/policies/deviceRegistrationPolicy",
    "deviceRegistrationPolicy",
    returns="deviceRegistrationPolicy",
    permissions=DEVICE_REGISTRATION_READ,
    delegated_only=("Policy.Read.All",),  # its Application row omits Policy.Read.All
    page=f"{LEARN}/deviceregistrationpolicy-get",
)
read_singleton(
    "/policies/crossTenantAccessPolicy/default",
    "crossTenantAccessPolicyDefault",
    returns="crossTenantAccessPolicyConfigurationDefault",
    permissions=CROSS_TENANT_READ,
    page=f"{LEARN}/crosstenantaccesspolicyconfigurationdefault-get",
)

"""Service principals, application registrations and users' licence details (Microsoft Graph v1.0/beta).

``/users/{id}/licenseDetails`` is derived, never stored: one entry per SKU in the user's
``assignedLicenses`` that the tenant subscribes to (``subscribedSkus``), with that SKU's service
plans minus the ones the assignment disables, so licences and subscriptions cannot disagree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.routes.entityset import entity_set, lookup
from scorekeeper.simulator.routing import RequestContext, RouteTable

table = RouteTable(Area.DIRECTORY)
LEARN = "https://learn.microsoft.com/graph/api"
#: serviceprincipal-list / -get; the application pages carry the same table. Directory.ReadWrite.All is
#: only in the delegated row, Application.ReadWrite.OwnedBy only in the application row.
APP_READ = (
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
APP_DELEGATED_ONLY = ("Directory.ReadWrite.All",)
#: user-list-licensedetails: the Application row says "Not supported", so every permission is delegated only.
LICENSE_READ = (
    "LicenseAssignment.Read.All",
    "User.Read",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
SP_FILTERS = ("id", "appId", "displayName", "servicePrincipalType", "accountEnabled", "appOwnerOrganizationId", "tags")
APP_FILTERS = ("id", "appId", "displayName", "createdDateTime", "signInAudience", "publisherDomain")


def _one(ctx: RequestContext, key: str, item_id: str, *alternates: str) -> dict[str, Any]:
    return lookup(ctx, ctx.state.get(key) or [], item_id, *alternates)


def key_hidden(ctx: RequestContext, item: dict[str, Any], single: bool) -> dict[str, Any]:
    """``item`` as Graph shows it: each ``keyCredentials[].key`` is ``null`` unless asked for.

    keyCredential resource (v1.0): ``key`` is "Returned only on ``$select`` for a single object,
    that is, ``GET applications/{applicationId}?$select=keyCredentials`` or ``GET
    servicePrincipals/{servicePrincipalId}?$select=keyCredentials``; otherwise, it is always
    ``null``" (https://learn.microsoft.com/graph/api/resources/keycredential). The stored
    certificate stays in the state (the simulator's sign-in checks it there).
    """
    credentials = item.get("keyCredentials")
    if not credentials or (single and "keyCredentials" in (ctx.select_fields() or [])):
        return item
    return {**item, "keyCredentials": [{**k, "key": None} if isinstance(k, dict) else k for k in credentials]}


entity_set(
    table,
    "/servicePrincipals",
    key="servicePrincipals",
    returns="servicePrincipal",
    permissions=APP_READ,
    delegated_only=APP_DELEGATED_ONLY,
    pages=(f"{LEARN}/serviceprincipal-list", f"{LEARN}/serviceprincipal-get"),
    filterable=SP_FILTERS,
    reveal=key_hidden,
)


@table.get(
    "/servicePrincipals(appId='{app_id}')",
    permissions=APP_READ,
    delegated_only=APP_DELEGATED_ONLY,
    doc=f"{LEARN}/serviceprincipal-get",
    returns="servicePrincipal",
)
def get_service_principal_by_app_id(ctx: RequestContext) -> dict[str, Any]:
    found = _one(ctx, "servicePrincipals", ctx.params["app_id"], "appId")
    return ctx.entity(key_hidden(ctx, found, True), "servicePrincipals/$entity")


entity_set(
    table,
    "/applications",
    key="applications",
    returns="application",
    permissions=APP_READ,
    delegated_only=APP_DELEGATED_ONLY,
    pages=(f"{LEARN}/application-list", f"{LEARN}/application-get"),
    filterable=APP_FILTERS,
    reveal=key_hidden,
)


def license_details(state: dict[str, Any], user: dict[str, Any]) -> list[dict[str, Any]]:
    """The user's licences as Graph reports them, from assignedLicenses and the tenant's subscriptions."""
    skus = {str(s.get("skuId", "")).lower(): s for s in state.get("subscribedSkus") or []}
    details = []
    for assigned in user.get("assignedLicenses") or []:
        sku = skus.get(str(assigned.get("skuId", "")).lower())
        if sku is None:
            continue
        disabled = {str(p).lower() for p in assigned.get("disabledPlans") or []}
        plans = [
            {k: plan.get(k) for k in ("servicePlanId", "servicePlanName", "provisioningStatus", "appliesTo")}
            for plan in sku.get("servicePlans") or []
            if str(plan.get("servicePlanId", "")).lower() not in disabled
        ]
        details.append(
            {
                "id": f"{user['id']}_{sku['skuId']}",
                "skuId": sku["skuId"],
                "skuPartNumber": sku.get("skuPartNumber"),
                "servicePlans": plans,
            }
        )
    return details


@table.get(
    "/users/{id}/licenseDetails",
    permissions=LICENSE_READ,
    delegated_only=LICENSE_READ,
    doc=f"{LEARN}/user-list-licensedetails",
    returns="licenseDetails",
)
def list_license_details(ctx: RequestContext) -> dict[str, Any]:
    user = _one(ctx, "users", unquote(ctx.params["id"]), "userPrincipalName")
    return ctx.collection(
        license_details(ctx.state, user), f"users('{user['id']}')/licenseDetails", type_name="licenseDetails", top=False
    )

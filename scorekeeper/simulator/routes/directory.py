"""Directory reads: subscribedSkus, organization, users and groups (Microsoft Graph v1.0/beta)."""

from __future__ import annotations

import re
from typing import Any

from scorekeeper.simulator.errors import Area, GraphError
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routing import RequestContext, RouteTable, find

table = RouteTable(Area.DIRECTORY)
LEARN = "https://learn.microsoft.com/graph/api"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)

SKUS_READ = (
    "LicenseAssignment.Read.All",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
ORG_FULL = ("Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
#: organization-list / -get: delegated User.Read is enough to call them, but then "only the id,
#: displayName, and verifiedDomains properties" are read and "all other properties return with null values".
ORG_READ = ("User.Read", *ORG_FULL)
ORG_DELEGATED_ONLY = ("User.Read",)
ORG_BASIC = ("id", "displayName", "verifiedDomains")
GROUP_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
USER_READ = (
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
#: user-list / user-get list User.ReadBasic.All for delegated access only; their Application rows
#: start at User.Read.All (an app-only token with just User.ReadBasic.All gets 403).
USER_DELEGATED_ONLY = ("User.ReadBasic.All",)


@table.get("/subscribedSkus", permissions=SKUS_READ, doc=f"{LEARN}/subscribedsku-list")
def list_skus(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(ctx.state["subscribedSkus"], "subscribedSkus", type_name="subscribedSku", top=False)


def _organization(ctx: RequestContext) -> dict[str, Any]:
    """The organization as the caller may see it: a User.Read-only token gets the basic properties, the rest null."""
    org = ctx.state["organization"]
    if ctx.principal.app_only or ctx.principal.permissions & set(ORG_FULL):
        return org
    return {key: (value if key in ORG_BASIC else None) for key, value in org.items()}


@table.get("/organization", permissions=ORG_READ, delegated_only=ORG_DELEGATED_ONLY, doc=f"{LEARN}/organization-list")
def list_organization(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection([_organization(ctx)], "organization", type_name="organization", top=False)


@table.get(
    "/organization/{id}", permissions=ORG_READ, delegated_only=ORG_DELEGATED_ONLY, doc=f"{LEARN}/organization-get"
)
def get_organization(ctx: RequestContext) -> dict[str, Any]:
    org = ctx.state["organization"]
    if org["id"].lower() != ctx.params["id"].lower():
        raise ctx.not_found(ctx.params["id"])
    return ctx.entity(_organization(ctx), "organization/$entity")


def _object(ctx: RequestContext, items: list[dict[str, Any]], key: str, *alternate: str) -> dict[str, Any]:
    found = find(items, key) or next((i for a in alternate if (i := find(items, key, a))), None)
    if found is None:
        if not alternate and not GUID.match(key):
            raise ctx.bad_request(f"Invalid object identifier '{key}'.")
        raise ctx.not_found(key)
    return found


GROUP_FILTERS = ("id", "displayName", "mailNickname", "securityEnabled", "mailEnabled", "groupTypes")


@table.get("/groups", permissions=GROUP_READ, doc=f"{LEARN}/group-list")
def list_groups(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(ctx.state["groups"], "groups", type_name="group", filterable=GROUP_FILTERS)


@table.get("/groups/{id}", permissions=GROUP_READ, doc=f"{LEARN}/group-get")
def get_group(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_object(ctx, ctx.state["groups"], ctx.params["id"]), "groups/$entity")


USER_FILTERS = ("id", "displayName", "userPrincipalName", "mail", "accountEnabled", "userType", "givenName", "surname")


#: The user resource page: signInActivity is "Returned only on $select" and needs a Microsoft Entra
#: ID P1 or P2 licence and the AuditLog.Read.All permission besides the users' own.
SIGN_IN_ACTIVITY = "signInActivity"
AUDIT_LOG_READ = "AuditLog.Read.All"


def _check_sign_in_activity(ctx: RequestContext) -> None:
    """Selecting or filtering on ``signInActivity``: refused without AuditLog.Read.All or without P1/P2.

    Without the permission Graph answers 403 ``Authentication_MSGraphPermissionMissing`` (the answer
    in microsoftgraph/microsoft-graph-explorer-v4#2731); without the licence 403
    ``Authentication_RequestFromNonPremiumTenantOrB2CTenant`` (microsoftgraph/microsoft-graph-docs#12772).
    Which comes first when both are missing is not documented: the permission is checked first.
    """
    selected = {f.strip().lower() for f in ctx.query.get("$select", "").split(",")}
    filtered = SIGN_IN_ACTIVITY.lower() in ctx.query.get("$filter", "").lower()
    if SIGN_IN_ACTIVITY.lower() not in selected and not filtered:
        return
    if AUDIT_LOG_READ not in ctx.principal.permissions:
        raise GraphError(
            403,
            "Authentication_MSGraphPermissionMissing",
            f"Calling principal does not have required MSGraph permissions {AUDIT_LOG_READ}",
        )
    require_premium(ctx.tenant.state)


@table.get("/users", permissions=USER_READ, delegated_only=USER_DELEGATED_ONLY, doc=f"{LEARN}/user-list")
def list_users(ctx: RequestContext) -> dict[str, Any]:
    _check_sign_in_activity(ctx)
    return ctx.collection(ctx.state["users"], "users", type_name="user", filterable=USER_FILTERS)


@table.get("/users/{id}", permissions=USER_READ, delegated_only=USER_DELEGATED_ONLY, doc=f"{LEARN}/user-get")
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """By object id or userPrincipalName, as Graph allows."""
    from urllib.parse import unquote

    key = unquote(ctx.params["id"])
    _check_sign_in_activity(ctx)
    return ctx.entity(_object(ctx, ctx.state["users"], key, "userPrincipalName"), "users/$entity")

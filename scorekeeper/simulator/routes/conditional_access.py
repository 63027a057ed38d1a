"""Conditional Access policies: list, get, create, update, delete."""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper.simulator.errors import Area
from scorekeeper.simulator.licensing import require_premium
from scorekeeper.simulator.routes.entityset import lookup
from scorekeeper.simulator.routing import Reply, RequestContext, RouteTable, merge

table = RouteTable(Area.POLICY)
LEARN = "https://learn.microsoft.com/graph/api"
READ = ("Policy.Read.ConditionalAccess", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess")
#: conditionalaccesspolicy-update: "Policy.Read.All and Policy.ReadWrite.ConditionalAccess" (least),
#: "Application.Read.All and Policy.ReadWrite.ConditionalAccess" (higher); the create page's generated
#: table lists the same pairs. conditionalaccesspolicy-delete: the first pair only.
WRITE_ALL_OF = (
    ("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"),
    ("Application.Read.All", "Policy.ReadWrite.ConditionalAccess"),
)
DELETE_ALL_OF = (("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"),)
POLICIES = "/identity/conditionalAccess/policies"
FRAGMENT = "identity/conditionalAccess/policies"
USER_KEYWORDS = {"All", "None", "GuestsOrExternalUsers"}
USER_ACTIONS = {"urn:user:registersecurityinfo", "urn:user:registerdevice"}
SERVER_SET = ("id", "createdDateTime", "modifiedDateTime", "templateId", "deletedDateTime")


def _policy(ctx: RequestContext) -> dict[str, Any]:
    return lookup(ctx, ctx.state["conditionalAccessPolicies"])


def _check_references(ctx: RequestContext, policy: dict[str, Any]) -> None:
    """Conditional Access refuses policies that name users that do not exist, or unknown user actions."""
    conditions = policy.get("conditions") or {}
    users = conditions.get("users") or {}
    known = {u["id"].lower() for u in ctx.tenant.state.get("users", [])}
    for key in ("includeUsers", "excludeUsers"):
        for user in users.get(key) or []:
            if user not in USER_KEYWORDS and str(user).lower() not in known:
                raise ctx.bad_request(f"1054: The user '{user}' in {key} does not exist in the directory.")
    actions = (conditions.get("applications") or {}).get("includeUserActions") or []
    for action in actions:
        if action not in USER_ACTIONS:
            raise ctx.bad_request(f"Invalid user action '{action}'.")
    if not (conditions.get("applications") and conditions.get("users")):
        raise ctx.bad_request("conditions.applications and conditions.users are required.")


@table.get(POLICIES, permissions=READ, doc=f"{LEARN}/conditionalaccessroot-list-policies")
def list_policies(ctx: RequestContext) -> dict[str, Any]:
    return ctx.collection(
        ctx.state["conditionalAccessPolicies"],
        FRAGMENT,
        type_name="conditionalAccessPolicy",
        filterable=("id", "displayName", "state"),
        page_size=100,
    )


@table.get(f"{POLICIES}/{{id}}", permissions=READ, doc=f"{LEARN}/conditionalaccesspolicy-get")
def get_policy(ctx: RequestContext) -> dict[str, Any]:
    return ctx.entity(_policy(ctx), f"{FRAGMENT}/$entity")


@table.post(POLICIES, permissions=(), all_of=WRITE_ALL_OF, doc=f"{LEARN}/conditionalaccessroot-post-policies")
def create_policy(ctx: RequestContext) -> Reply:
    require_premium(ctx.state)  # Conditional Access needs Entra ID P1
    body = ctx.validate("conditionalAccessPolicy", required=("displayName", "state", "conditions"))
    _check_references(ctx, body)
    policy = {
        "id": ctx.new_id(),
        "templateId": None,
        "displayName": body["displayName"],
        "createdDateTime": ctx.now(),
        "modifiedDateTime": None,
        "state": body["state"],
        "sessionControls": None,
        **{k: v for k, v in body.items() if k not in SERVER_SET and "@" not in k},
    }
    policy.setdefault("grantControls", None)
    ctx.state["conditionalAccessPolicies"].append(policy)
    return ctx.created(policy, f"{FRAGMENT}/$entity")


@table.patch(f"{POLICIES}/{{id}}", permissions=(), all_of=WRITE_ALL_OF, doc=f"{LEARN}/conditionalaccesspolicy-update")
def patch_policy(ctx: RequestContext) -> Reply:
    require_premium(ctx.state)
    policy = _policy(ctx)
    body = ctx.validate("conditionalAccessPolicy")
    candidate = copy.deepcopy(policy)
    merge(candidate, {k: v for k, v in body.items() if "@" not in k})
    _check_references(ctx, candidate)
    merge(policy, {k: v for k, v in body.items() if "@" not in k})
    policy["modifiedDateTime"] = ctx.now()
    return ctx.no_content()


@table.delete(f"{POLICIES}/{{id}}", permissions=(), all_of=DELETE_ALL_OF, doc=f"{LEARN}/conditionalaccesspolicy-delete")
def delete_policy(ctx: RequestContext) -> Reply:
    ctx.state["conditionalAccessPolicies"].remove(_policy(ctx))
    return ctx.no_content()

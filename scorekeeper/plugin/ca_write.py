"""Writing a Conditional Access policy through the write helper: the implementation behind
:mod:`scorekeeper.conditional_access`.

A create is ``tenant.create`` (marked, so rollback finds it even if the answer was lost); an
edit is one ``PATCH`` of ``state`` and ``conditions.users.excludeUsers`` with both before-values
read just now, so the engine's default rollback PATCHes exactly those back. The exclusions are
recomputed from the fresh read (others' exclusions kept, the break-glass accounts added), never
copied from the plan. Enforcing (``enabled``) is refused without break-glass accounts configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper.errors import RemediationBlocked
from scorekeeper.plugin.ca_policy import ENABLED, REPORT_ONLY, Template, best_match, excluded_users
from scorekeeper.plugin.ca_reads import POLICIES, read_policies, resolve_accounts

if TYPE_CHECKING:
    from scorekeeper.domain.model import Change, PlanItem
    from scorekeeper.plugin.context import TenantContext


def no_break_glass(control_id: str) -> str:
    return (
        f"{control_id}: refusing to enforce a Conditional Access policy with no break-glass account configured; "
        f'set [controls.{control_id}] break_glass = ["<emergency-access UPN or id>"] first'
    )


async def write_policy(
    tenant: TenantContext,
    item: PlanItem,
    template: Template,
    break_glass: tuple[str, ...],
    *,
    control_id: str,
    display_name: str | None = None,
    held_roles: tuple[str, ...] = (),
) -> Change | None:
    """Move the tenant's policy for ``template`` to the plan item's state; ``None`` when a fresh read
    shows it already there (nothing to write)."""
    desired = dict(item.desired) if isinstance(item.desired, dict) else {}
    state = str(desired.get("state") or REPORT_ONLY)
    if state == ENABLED and not break_glass:
        raise RemediationBlocked(no_break_glass(control_id))
    ids = await resolve_accounts(tenant, break_glass)
    policies = await read_policies(tenant)
    wanted_id = desired.get("id")
    policy = next((p for p in policies if wanted_id and p.get("id") == wanted_id), None) or best_match(
        policies, template, held_roles, keep=ids
    )
    if policy is None:
        body = template.body(state, ids, display_name)
        return await tenant.create(item.setting, POLICIES, body, after={"state": state})
    return await _edit(tenant, item.setting, policy, state, ids)


async def _edit(
    tenant: TenantContext, setting: str, policy: dict[str, Any], state: str, break_glass_ids: list[str]
) -> Change | None:
    before_excluded = excluded_users(policy)
    exclude = sorted({*before_excluded, *break_glass_ids})
    if policy.get("state") == state and exclude == before_excluded:
        return None
    # A policy already enforced is never turned back to report-only by a plan made earlier.
    if policy.get("state") == ENABLED:
        state = ENABLED
    body = {"state": state, "conditions": {"users": {"excludeUsers": exclude}}}
    before = {"state": policy.get("state"), "conditions": {"users": {"excludeUsers": before_excluded}}}
    return await tenant.write(
        setting,
        "PATCH",
        f"{POLICIES}/{policy['id']}",
        body,
        before=before,
        resource={"type": "conditionalAccessPolicy", "id": str(policy["id"])},
    )

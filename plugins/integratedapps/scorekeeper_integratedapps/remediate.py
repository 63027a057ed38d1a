"""Remediation: one PATCH of the authorization policy, computed from a fresh read.

``permissionGrantPoliciesAssigned`` is a list other settings share (team and chat owners'
resource-specific consent), so the planned ``desired`` is not written as shown: the list is
re-read right before the write and only its user-consent entries are replaced, keeping whatever
was added since the plan. The before-value is that fresh list, in the body's own shape, which is
all the engine's default rollback needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper_integratedapps.control import POLICY_PATH
from scorekeeper_integratedapps.evaluate import target
from scorekeeper_integratedapps.reads import assigned, read_policy

if TYPE_CHECKING:
    from scorekeeper import Change, Plan, TenantContext


def body(entries: list[str]) -> dict[str, dict[str, list[str]]]:
    return {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": entries}}


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    changes: list[Change] = []
    for item in plan.automated:
        if item.setting != "user_consent":
            continue
        policy = await read_policy(tenant)
        if not policy.ok:
            tenant.logger.warning("user_consent: the authorization policy could not be re-read (%s)", policy.error)
            continue
        before = assigned(policy)
        wanted = target(before, tenant.desired)
        if wanted == before:
            tenant.logger.info("user_consent: already as planned, nothing to write")
            continue
        changes.append(
            await tenant.write(
                "user_consent",
                "PATCH",
                POLICY_PATH,
                body(wanted),
                before=body(before),
                resource={"type": "authorizationPolicy", "id": "authorizationPolicy"},
            )
        )
    return changes

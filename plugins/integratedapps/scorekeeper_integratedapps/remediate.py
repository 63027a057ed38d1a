"""Remediation: a PATCH of the authorization policy and a PUT of the admin consent workflow,
each computed against a fresh read.

``permissionGrantPoliciesAssigned`` is a list other settings share (team and chat owners'
resource-specific consent), so the planned ``desired`` is not written as shown: the list is
re-read right before the write and only its user-consent entries are replaced, keeping whatever
was added since the plan. The before-value is that fresh list, in the body's own shape, which is
all the engine's default rollback needs.

The two settings are written concurrently (different resources); the policy's ``PATCH`` asks to be
merged, so the engine sends it in one request with SSPR's ``allowedToUseSSPR`` when both are planned.

The admin consent workflow is updated with ``PUT`` (Microsoft's update page): the whole object,
every settable property. Its before-value is the object's settable properties as read just before,
and the undo is that same whole object ``PUT`` back, so a rollback never sends the read-only
``version`` or the response's annotations.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scorekeeper.writes import Request
from scorekeeper_integratedapps.control import POLICY_PATH, WORKFLOW_PATH
from scorekeeper_integratedapps.evaluate import target, workflow_on
from scorekeeper_integratedapps.reads import assigned, read_policy, read_workflow, workflow_settings

if TYPE_CHECKING:
    from scorekeeper import Change, Plan, PlanItem, TenantContext


def body(entries: list[str]) -> dict[str, dict[str, list[str]]]:
    return {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": entries}}


async def _user_consent(tenant: TenantContext) -> Change | None:
    policy = await read_policy(tenant)
    if not policy.ok:
        tenant.logger.warning("user_consent: the authorization policy could not be re-read (%s)", policy.error)
        return None
    before = assigned(policy)
    wanted = target(before, tenant.desired)
    if wanted == before:
        tenant.logger.info("user_consent: already as planned, nothing to write")
        return None
    return await tenant.write(
        "user_consent",
        "PATCH",
        POLICY_PATH,
        body(wanted),
        before=body(before),
        resource={"type": "authorizationPolicy", "id": "authorizationPolicy"},
        merge=True,  # one PATCH of the policy with another control's fields (SSPR's allowedToUseSSPR)
    )


async def _workflow(tenant: TenantContext, item: PlanItem) -> Change | None:
    wanted = item.desired if isinstance(item.desired, dict) else None
    if not wanted or not wanted.get("isEnabled") or not wanted.get("reviewers"):
        tenant.logger.warning("admin_consent_workflow: the plan names no reviewer; not turning the workflow on")
        return None
    fresh = await read_workflow(tenant)
    if not fresh.ok:
        tenant.logger.warning("admin_consent_workflow: could not be re-read (%s)", fresh.error)
        return None
    before = workflow_settings(fresh)
    if workflow_on(before):
        tenant.logger.info("admin_consent_workflow: already on with reviewers, nothing to write")
        return None
    return await tenant.write(
        "admin_consent_workflow",
        "PUT",
        WORKFLOW_PATH,
        wanted,
        before=before,
        undo=Request("PUT", WORKFLOW_PATH, before),
        resource={"type": "adminConsentRequestPolicy", "id": "adminConsentRequestPolicy"},
    )


async def _one(tenant: TenantContext, item: PlanItem) -> Change | None:
    if item.setting == "user_consent":
        return await _user_consent(tenant)
    if item.setting == "admin_consent_workflow":
        return await _workflow(tenant, item)
    return None


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    """Both settings at once: their re-reads go out together, then their writes (two resources).

    Every write runs to its end before an error of another is raised, so none is left in flight.
    """
    results = await asyncio.gather(*(_one(tenant, item) for item in plan.automated), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [change for change in results if change is not None and not isinstance(change, BaseException)]

"""What scorekeeper loads through the ``scorekeeper`` entry point ``integratedapps``: one controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Assessment, Controller, hookimpl
from scorekeeper_integratedapps.control import CONTROL

if TYPE_CHECKING:
    from scorekeeper import Change, Plan, RegisterControl, TenantContext


class UserConsent(Controller):
    """``IntegratedApps``: users cannot consent to unreliable applications.

    No ``verify`` or ``rollback``: the engine's defaults (re-assess, re-read the PATCHed fields;
    PATCH the recorded before-fields back) are exactly right for one read-modify-write setting.
    """

    control = CONTROL

    async def assess(self, tenant: TenantContext) -> Assessment:
        from scorekeeper_integratedapps.evaluate import evaluate
        from scorekeeper_integratedapps.reads import read_tenant

        findings, score = evaluate(await read_tenant(tenant), tenant.desired)
        for done, finding in enumerate(findings, start=1):
            tenant.progress(finding.setting, finding.status.value, finding.reason, completed=done, total=len(findings))
        return Assessment(findings=findings, score=score)

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        from scorekeeper_integratedapps.remediate import remediate

        return await remediate(tenant, plan)


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    register(UserConsent())

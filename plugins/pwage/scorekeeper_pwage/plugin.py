"""What scorekeeper loads through the ``scorekeeper`` entry point ``pwage``: one controller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scorekeeper import Assessment, Controller, hookimpl
from scorekeeper_pwage.control import CONTROL

if TYPE_CHECKING:
    from scorekeeper import Change, Finding, Plan, RegisterControl, TenantContext


class PasswordAge(Controller):
    """``PWAgePolicyNew``: every verified, managed root domain's passwords never expire."""

    control = CONTROL

    async def assess(self, tenant: TenantContext) -> Assessment:
        from scorekeeper_pwage.evaluate import evaluate
        from scorekeeper_pwage.reads import read_tenant

        findings, score = evaluate(await read_tenant(tenant), tenant.desired)
        tenant.report_findings(findings)
        return Assessment(findings=findings, score=score)

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        from scorekeeper_pwage.remediate import remediate

        return await remediate(tenant, plan)

    async def verify(self, tenant: TenantContext, changes: Sequence[Change]) -> list[Finding]:
        from scorekeeper_pwage.verify import verify

        return await verify(tenant, changes)


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    register(PasswordAge())

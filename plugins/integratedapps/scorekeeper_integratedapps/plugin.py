"""What scorekeeper loads through the ``scorekeeper`` entry point ``integratedapps``: one controller.

The modules are small and import only ``scorekeeper``'s public API (no msgraph at import time), so
they are imported here directly rather than inside the methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Assessment, Controller, hookimpl
from scorekeeper_integratedapps import evaluate, reads, remediate
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
        findings, score = evaluate.evaluate(await reads.read_tenant(tenant), tenant.desired)
        tenant.report_findings(findings)
        return Assessment(findings=findings, score=score)

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        return await remediate.remediate(tenant, plan)


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    register(UserConsent())

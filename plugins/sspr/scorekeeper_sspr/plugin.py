"""What scorekeeper loads through the entry point ``scorekeeper_sspr.plugin``: one controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Controller, hookimpl
from scorekeeper_sspr.control import CONTROL

if TYPE_CHECKING:
    from scorekeeper import Assessment, Change, Plan, RegisterControl, TenantContext

__all__ = ["CONTROL", "SelfServicePasswordReset", "scorekeeper_register_controls"]


class SelfServicePasswordReset(Controller):
    """``SelfServicePasswordReset``: the SSPR policy, methods, registration and their Graph settings.

    Verification and rollback are the engine's defaults: a fresh assessment says whether each
    setting now passes, a re-read of each recorded write says whether it stuck, and rollback
    restores what the write helper recorded (created objects by id or marker).
    """

    control = CONTROL

    async def assess(self, tenant: TenantContext) -> Assessment:
        from scorekeeper_sspr.assess import assess

        return await assess(tenant)

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        from scorekeeper_sspr.remediate import remediate

        return await remediate(tenant, plan)


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    register(SelfServicePasswordReset())

"""The hook implementations: the entry point ``scorekeeper_sspr.plugin`` that scorekeeper loads.

Each hook answers only for ``SelfServicePasswordReset`` and returns ``None`` for any other
control, so this plugin can never speak for another one.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from scorekeeper import hookimpl
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.settings import CONTROL_ID, build_control

if TYPE_CHECKING:
    from scorekeeper import Assessment, Change, Control, Finding, Plan, TenantContext

CONTROL = build_control(SsprConfig)


@hookimpl
def scorekeeper_controls() -> list[Control]:
    return [CONTROL]


@hookimpl
def assess(control: Control, tenant: TenantContext) -> Awaitable[Assessment] | None:
    if control.id != CONTROL_ID:
        return None
    from scorekeeper_sspr.assess import assess as run

    return run(tenant)


@hookimpl
def remediate(control: Control, tenant: TenantContext, plan: Plan) -> Awaitable[list[Change]] | None:
    if control.id != CONTROL_ID:
        return None
    from scorekeeper_sspr.remediate import remediate as run

    return run(tenant, plan)


@hookimpl
def verify(control: Control, tenant: TenantContext, changes: list[Change]) -> Awaitable[list[Finding]] | None:
    if control.id != CONTROL_ID:
        return None
    from scorekeeper_sspr.verify import verify as run

    return run(tenant, changes)

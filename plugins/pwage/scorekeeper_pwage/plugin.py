"""The hook implementations scorekeeper loads through the ``scorekeeper`` entry point ``pwage``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Assessment, hookimpl
from scorekeeper_pwage.control import CONTROL, CONTROL_ID

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from scorekeeper import Change, Control, Finding, Plan, TenantContext


@hookimpl
def scorekeeper_controls() -> list[Control]:
    return [CONTROL]


async def _assess(tenant: TenantContext) -> Assessment:
    from scorekeeper_pwage.evaluate import evaluate
    from scorekeeper_pwage.reads import read_tenant

    findings, score = evaluate(await read_tenant(tenant), tenant.desired)
    for done, finding in enumerate(findings, start=1):
        tenant.progress(finding.setting, finding.status.value, finding.reason, completed=done, total=len(findings))
    return Assessment(findings=findings, score=score)


@hookimpl
def assess(control: Control, tenant: TenantContext) -> Awaitable[Assessment] | None:
    return _assess(tenant) if control.id == CONTROL_ID else None


@hookimpl
def remediate(control: Control, tenant: TenantContext, plan: Plan) -> Awaitable[list[Change]] | None:
    if control.id != CONTROL_ID:
        return None
    from scorekeeper_pwage.remediate import remediate as run

    return run(tenant, plan)


@hookimpl
def verify(control: Control, tenant: TenantContext, changes: list[Change]) -> Awaitable[list[Finding]] | None:
    if control.id != CONTROL_ID:
        return None
    from scorekeeper_pwage.verify import verify as run

    return run(tenant, changes)

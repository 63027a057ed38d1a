"""The ``assess`` hook's work: read everything once, evaluate, report progress. Never writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Assessment
from scorekeeper_sspr.evaluate import evaluate
from scorekeeper_sspr.reads import read_tenant

if TYPE_CHECKING:
    from scorekeeper import TenantContext
    from scorekeeper_sspr.config import SsprConfig


async def assess(tenant: TenantContext) -> Assessment:
    desired: SsprConfig = tenant.desired
    snapshot = await read_tenant(tenant, desired)
    findings, score = evaluate(snapshot, desired)
    tenant.report_findings(findings)
    return Assessment(findings=findings, score=score)

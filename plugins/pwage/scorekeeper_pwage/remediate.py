"""Writes: one ``PATCH /domains/{id}`` per domain through the write helper, each its own recorded change,
every domain at once.

A remediation item's ``desired`` maps domain → days. The before-value of each write is the
domain's ``passwordValidityPeriodInDays`` as read just before writing (``None`` when unset), so
rollback — the engine's default, no code here — puts exactly that back.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import quote

from scorekeeper import GraphCallError, RemediationKind
from scorekeeper_pwage.evaluate import governed_domains, validity
from scorekeeper_pwage.reads import read_domains

if TYPE_CHECKING:
    from scorekeeper import Change, Plan, PlanItem, TenantContext
    from scorekeeper_pwage.control import PasswordAgeConfig

FIELD = "passwordValidityPeriodInDays"


def targets(item: PlanItem) -> dict[str, int | None]:
    """Domain → the value it should hold afterwards."""
    return {str(name): days for name, days in (item.desired or {}).items()}


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    config: PasswordAgeConfig = tenant.desired
    domains = await read_domains(tenant)  # fresh before-values, not the plan's possibly stale ones
    if not domains.ok:
        raise GraphCallError(domains.status, "ReadFailed", f"cannot read the domains before writing: {domains.error}")
    known = {str(d["id"]): d for d in domains.items}
    in_scope = {str(d["id"]) for d in governed_domains(domains.items, config)}
    writes = []
    for item in plan.items:
        if item.kind is not RemediationKind.AUTOMATED or item.setting != "password_expiry":
            continue
        for domain, value in targets(item).items():
            if domain not in in_scope:
                tenant.progress(
                    "password_expiry", "skipped", f"{domain} is not a verified, managed root domain in scope"
                )
                continue
            before = validity(known[domain])
            if before == value:
                continue
            writes.append(
                tenant.write(
                    "password_expiry",
                    "PATCH",
                    f"domains/{quote(domain)}",
                    {FIELD: value},
                    before={FIELD: before},
                    resource={"type": "domain", "id": domain},
                    merge=True,
                )
            )
    # Every domain at once (independent resources); each PATCH is its own recorded change, and every
    # one runs to its end before an error of another is raised.
    results = await asyncio.gather(*writes, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [change for change in results if not isinstance(change, BaseException)]

"""Writes: one ``PATCH /domains/{id}`` per domain, each recorded with the value it replaces.

A remediation item's ``desired`` maps domain → days; a rollback item restores one recorded
change (``undo.before`` is ``{"id": domain, "passwordValidityPeriodInDays": days}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
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
    if item.undo is not None:
        before: dict[str, Any] = item.undo.before or {}
        return {str(before["id"]): before.get(FIELD)}
    return {str(name): days for name, days in (item.desired or {}).items()}


async def write_domain(tenant: TenantContext, domain: str, before: int | None, value: int | None) -> Change | None:
    recorder = tenant.record_change(
        "password_expiry",
        before={"id": domain, FIELD: before},
        resource={"type": "domain", "id": domain},
    )
    try:
        async with recorder:
            # Set before the write so that a failed change still shows what was attempted.
            recorder.after = {"id": domain, FIELD: value}
            await tenant.graph_request("PATCH", f"domains/{quote(domain)}", {FIELD: value})
    except GraphCallError as exc:
        tenant.progress("password_expiry", "failed", f"{domain}: {exc}")
    else:
        tenant.progress("password_expiry", "applied", f"{domain}: {before} → {value}")
    return recorder.change


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    config: PasswordAgeConfig = tenant.desired
    domains = await read_domains(tenant)  # fresh before-values, not the plan's possibly stale ones
    if not domains.ok:
        raise GraphCallError(domains.status, "ReadFailed", f"cannot read the domains before writing: {domains.error}")
    all_domains = list(domains.value.get("value") or [])
    known = {str(d["id"]): d for d in all_domains}
    in_scope = {str(d["id"]) for d in governed_domains(all_domains, config)}
    changes: list[Change] = []
    for item in plan.items:
        if item.kind is not RemediationKind.AUTOMATED or item.setting != "password_expiry":
            continue
        for domain, value in targets(item).items():
            if domain not in known or (item.undo is None and domain not in in_scope):
                tenant.progress(
                    "password_expiry", "skipped", f"{domain} is not a verified, managed root domain in scope"
                )
                continue
            before = validity(known[domain])
            if before == value:
                continue
            change = await write_domain(tenant, domain, before, value)
            if change is not None:
                changes.append(change)
    return changes

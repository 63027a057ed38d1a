"""Read every written domain back; a value that did not stick is a failure showing all three values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scorekeeper import Finding, Outcome, Status
from scorekeeper_pwage.control import CONTROL_ID
from scorekeeper_pwage.evaluate import TITLES, validity
from scorekeeper_pwage.reads import read_domains
from scorekeeper_pwage.remediate import FIELD

if TYPE_CHECKING:
    from scorekeeper import Change, TenantContext


async def verify(tenant: TenantContext, changes: list[Change]) -> list[Finding]:
    domains = await read_domains(tenant)
    base = {"control": CONTROL_ID, "setting": "password_expiry", "title": TITLES["password_expiry"]}
    if not domains.ok:
        return [Finding(**base, status=Status.UNKNOWN, reason=f"could not read the domains back: {domains.error}")]
    observed = {str(d["id"]): validity(d) for d in domains.value.get("value") or []}
    latest: dict[str, Change] = {}
    for change in changes:
        latest[str(change.resource.get("id"))] = change
    current = {domain: observed.get(domain) for domain in latest}
    wanted = {domain: (change.after or {}).get(FIELD) for domain, change in latest.items()}
    problems = []
    for domain, change in latest.items():
        before = (change.before or {}).get(FIELD)
        if change.outcome is not Outcome.APPLIED:
            problems.append(f"{domain}: the write failed ({change.error}); it reads {observed.get(domain)!r}")
        elif observed.get(domain) != wanted[domain]:
            problems.append(
                f"{domain}: the write did not stick (before {before!r}, wrote {wanted[domain]!r}, "
                f"read back {observed.get(domain)!r})"
            )
    if problems:
        finding = Finding(**base, status=Status.FAIL, current=current, desired=wanted, reason="; ".join(problems))
    else:
        finding = Finding(
            **base, status=Status.PASS, current=current, desired=wanted, reason="every domain reads back as written."
        )
    tenant.progress("password_expiry", finding.status.value, finding.reason)
    return [finding]

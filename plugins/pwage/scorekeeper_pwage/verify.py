"""Read every written domain back in one list read; each write either stuck or says what it reads.

Compliance (does the setting pass now?) comes from evaluating the same read; whether each write
stuck comes from :func:`scorekeeper.verification.check_write`, so a rollback to an expiring value
reads "stuck" and "does not pass" — never "pass".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from scorekeeper import Finding, Status
from scorekeeper.verification import check_write, verified
from scorekeeper_pwage.control import CONTROL_ID
from scorekeeper_pwage.evaluate import TITLES, password_expiry, validity
from scorekeeper_pwage.reads import read_domains_and_organization
from scorekeeper_pwage.remediate import FIELD

if TYPE_CHECKING:
    from scorekeeper import Change, TenantContext


async def verify(tenant: TenantContext, changes: Sequence[Change]) -> list[Finding]:
    domains, organization = await read_domains_and_organization(tenant)
    if not domains.ok:
        reason = f"could not read the domains back: {domains.error}"
        unread = Finding(CONTROL_ID, "password_expiry", Status.UNKNOWN, reason=reason, title=TITLES["password_expiry"])
        return [unread]
    observed = {str(d["id"]): validity(d) for d in domains.items}
    latest: dict[str, Change] = {}
    for change in changes:  # the last write of a domain is the one that must hold
        latest[str(change.resource.get("id"))] = change
    checks = []
    for domain, change in latest.items():
        verdict, text = check_write(change, {FIELD: observed.get(domain)})
        checks.append((verdict, f"{domain}: {text}"))
    finding = verified(password_expiry(domains, tenant.desired, organization), checks)
    tenant.progress("password_expiry", finding.status.value, finding.reason)
    return [finding]

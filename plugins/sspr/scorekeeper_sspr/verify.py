"""The ``verify`` hook's work: read back every changed setting (one round trip) and compare.

A change's ``after`` has the same shape as the setting's ``current`` value, so verifying is a
comparison; objects remediation created or touched are looked up by the id in ``resource``, so
another matching object in the tenant cannot make a failed write look applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper import Change, Finding, Outcome, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.evaluate import Evaluator
from scorekeeper_sspr.reads import Read, Snapshot, read_tenant

if TYPE_CHECKING:
    from scorekeeper import TenantContext
    from scorekeeper_sspr.config import SsprConfig

#: setting → (Graph read, lookup of one object by id) for settings that write a specific object.
BY_ID = {
    "registration_ca_policy": ("ca_policies", rules.policy_by_id),
    "windows_sign_in_reset": ("device_configurations", rules.device_configuration),
    "password_protection": ("group_settings", rules.password_rules_by_id),
}


def observe(snapshot: Snapshot, change: Change, assessed: Finding) -> tuple[bool, Any, str]:
    """(readable, observed value, why unreadable) for the setting ``change`` wrote."""
    object_id = change.resource.get("id")
    if change.setting in BY_ID and object_id:
        key, lookup = BY_ID[change.setting]
        read = snapshot.graph.get(key, Read(None, 0, "not read"))
        if not read.ok:
            return False, None, read.error
        return True, lookup(read.value, object_id), ""
    if assessed.status is Status.UNKNOWN:
        return False, None, assessed.reason
    return True, assessed.current, ""


def check(change: Change, assessed: Finding, snapshot: Snapshot) -> Finding:
    readable, observed, why = observe(snapshot, change, assessed)
    base = {"control": assessed.control, "setting": change.setting, "title": assessed.title}
    if not readable:
        return Finding(
            **base,
            status=Status.UNKNOWN,
            desired=change.after,
            reason=f"could not read it back: {why}",
            missing_permissions=assessed.missing_permissions,
            remediation=assessed.remediation,
        )
    if change.outcome is not Outcome.APPLIED:
        return Finding(
            **base,
            status=Status.FAIL,
            current=observed,
            desired=change.after,
            reason=f"the write failed ({change.error}); it reads {observed!r} (before: {change.before!r}).",
            remediation=assessed.remediation,
        )
    if rules.sticks(change.after, observed):
        return Finding(
            **base,
            status=Status.PASS,
            current=observed,
            desired=change.after,
            reason="read back as written.",
            remediation=assessed.remediation,
        )
    return Finding(
        **base,
        status=Status.FAIL,
        current=observed,
        desired=change.after,
        reason=f"the write did not stick: before {change.before!r}, wrote {change.after!r}, read back {observed!r}.",
        remediation=assessed.remediation,
    )


async def verify(tenant: TenantContext, changes: list[Change]) -> list[Finding]:
    desired: SsprConfig = tenant.desired
    snapshot = await read_tenant(tenant, desired)
    assessed = {f.setting: f for f in Evaluator(snapshot, desired).findings()}
    latest: dict[str, Change] = {}
    for change in changes:  # the last write of a setting is the one that must hold
        latest[change.setting] = change
    findings = [check(change, assessed[setting], snapshot) for setting, change in latest.items()]
    for finding in findings:
        tenant.progress(finding.setting, finding.status.value, finding.reason)
    return findings

"""The Windows sign-in row: password reset from the lock screen, read from Intune's device configurations.

It is the only row that reads Intune (``deviceConfigurations`` with their assignments) and the only
one that needs the Windows sign-in group the config may name, resolved in the same batch.
"""

from __future__ import annotations

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.steps import WINDOWS_FALLBACK


def row_windows_sign_in_reset(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("windows_sign_in_reset")) is not None:
        return ctx.unreadable("windows_sign_in_reset", failed, steps=WINDOWS_FALLBACK)
    if ctx.facts.windows_group_problem:
        return ctx.finding(
            "windows_sign_in_reset",
            Status.UNKNOWN,
            ctx.facts.windows_group_problem,
            remediation=RemediationKind.GUIDED,
            steps=WINDOWS_FALLBACK,
        )
    target = rules.desired_target(ctx.facts.windows_group_id)
    desired = {"omaUri": rules.OMA_URI, "value": 1, "targets": [target]}
    found = rules.sspr_device_configurations(ctx.value("device_configurations"))
    assigned = next((c for c in found if target in c["targets"]), None)
    where = "all devices" if ctx.facts.windows_group_id is None else f"group {ctx.cfg.windows_sign_in_group}"
    if assigned is not None:
        return ctx.finding(
            "windows_sign_in_reset",
            Status.PASS,
            f"Intune configuration {assigned['id']} allows password reset at Windows sign-in for {where}.",
            current=assigned,
            desired=desired,
        )
    current = found[0] if found else None
    reason = (
        f"Intune configuration {current['id']} sets AllowAadPasswordReset but is not assigned to {where}."
        if current
        else "no Intune configuration sets AllowAadPasswordReset = 1: users cannot reset from the Windows "
        "sign-in screen."
    )
    return ctx.finding(
        "windows_sign_in_reset", Status.FAIL, reason, current=current, desired=desired, steps=WINDOWS_FALLBACK
    )

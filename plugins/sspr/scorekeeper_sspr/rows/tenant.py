"""Rows about the tenant as a whole: its licences, its directory sync, its Secure Score for the control.

They read ``subscribedSkus``, ``organization`` and the Secure Score lists. Nothing here is
remediated by writing a policy: they state facts other rows (and the licence gate) rely on.
"""

from __future__ import annotations

from dataclasses import replace

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper.reads import secure_score, secure_score_finding
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.settings import CONTROL_ID
from scorekeeper_sspr.steps import LICENCE


def row_license(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("license")) is not None:
        return ctx.unreadable("license", failed)
    facts = ctx.facts
    if facts.licensed:
        return ctx.finding(
            "license",
            Status.PASS,
            f"Entra ID P1/P2 is included in {', '.join(facts.skus)}."
            + ("" if facts.intune else " No Intune plan: the Windows sign-in profile is not applicable."),
            current=facts.skus,
            desired="licensed",
        )
    if facts.business:
        return ctx.finding(
            "license",
            Status.PASS,
            f"{', '.join(facts.business)} licenses cloud-only password reset (concept-sspr-licensing); without "
            "Entra ID P1 the settings that need it (Conditional Access, writeback, custom banned passwords, the "
            "registration report) are not applicable and never written.",
            current=facts.business,
            desired="licensed",
        )
    return ctx.finding(
        "license",
        Status.FAIL,
        "no enabled subscription licenses self-service password reset: Microsoft 365 Business Standard or "
        "Premium, or Entra ID P1/P2 (service plans AAD_PREMIUM / AAD_PREMIUM_P2), is needed for cloud-only reset; "
        "writeback and Conditional Access need P1.",
        current=[],
        desired="licensed",
        steps=LICENCE,
    )


def row_hybrid(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("hybrid")) is not None:
        return ctx.unreadable("hybrid", failed)
    state = rules.sync_state(ctx.value("organization"))
    if ctx.facts.hybrid:
        reason = f"synchronised from on-premises AD (last sync {state['onPremisesLastSyncDateTime'] or 'unknown'})"
        reason += ": password writeback and account unlock apply."
    else:
        reason = "cloud-only: the on-premises rows do not apply."
    return ctx.finding("hybrid", Status.PASS, reason, current=state, remediation=RemediationKind.NONE)


def row_secure_score(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("secure_score")) is not None:
        return ctx.unreadable("secure_score", failed)
    finding = secure_score_finding(secure_score(ctx.snap.graph, CONTROL_ID), CONTROL_ID)
    return replace(finding, title=ctx.setting("secure_score").title)

"""Rows about users' registered methods: phone-only users, administrators in scope, combined registration.

The first two read the per-user registration report (``userRegistrationDetails``, one batch entry
Graph pages); combined registration reads nothing, as Microsoft turned it on for every tenant.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.phones import RETIRES, phones_offered
from scorekeeper_sspr.settings import PHONE_RETIREMENT
from scorekeeper_sspr.steps import ADMIN_EXCLUSION, PHONE_READINESS


def row_phone_retirement(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("phone_retirement")) is not None:
        return ctx.unreadable("phone_retirement", failed, steps=PHONE_READINESS)
    counts = ctx.facts.readiness or {}
    offered = phones_offered(ctx)
    evidence: dict[str, Any] = {"platform_changes": [PHONE_RETIREMENT]} if counts.get("phone_only") else {}
    words = (
        f"{counts.get('phone_only', 0)} of {counts.get('members', 0)} member users have only a phone method "
        f"registered, {counts.get('none', 0)} have none; {counts.get('sspr_capable', 0)} can reset today."
    )
    if counts.get("phone_only"):
        return ctx.finding(
            "phone_retirement",
            Status.FAIL,
            f"{words} {RETIRES}: those users would be left with no SSPR method and get a blocking passkey "
            "registration at sign-in.",
            current=counts,
            desired={"phone_only": 0},
            steps=PHONE_READINESS,
            evidence=evidence,
        )
    return ctx.finding(
        "phone_retirement",
        Status.PASS,
        f"{words} No user depends on a phone alone" + (f" (still offered: {', '.join(offered)})." if offered else "."),
        current=counts,
        desired={"phone_only": 0},
        remediation=RemediationKind.NONE,
    )


def row_admins_excluded(ctx: RowContext) -> Finding:
    if ctx.cfg.admin_sspr:
        return ctx.finding(
            "admins_excluded",
            Status.NOT_APPLICABLE,
            "SSPR for administrators is allowed by the configuration (admin_sspr = true).",
            remediation=RemediationKind.NONE,
        )
    if (failed := ctx.graph_reads("admins_excluded")) is not None:
        return ctx.unreadable("admins_excluded", failed, steps=ADMIN_EXCLUSION)
    admins = (ctx.facts.readiness or {}).get("admins_sspr_enabled", 0)
    if not admins:
        return ctx.finding(
            "admins_excluded",
            Status.PASS,
            "no administrator is in scope of the user SSPR policy.",
            current={"admins_sspr_enabled": 0},
            desired={"admins_sspr_enabled": 0},
        )
    return ctx.finding(
        "admins_excluded",
        Status.FAIL,
        f"{admins} administrator(s) are enabled for SSPR by the user policy while SSPR for administrators is off: "
        "Microsoft's SSPR policy page advises excluding them, or they are prompted to register and cannot.",
        current={"admins_sspr_enabled": admins},
        desired={"admins_sspr_enabled": 0},
        steps=ADMIN_EXCLUSION,
    )


def row_combined_registration(ctx: RowContext) -> Finding:
    return ctx.finding(
        "combined_registration",
        Status.PASS,
        "Microsoft turned on combined security information registration for every tenant in October 2022; "
        "there is nothing to configure.",
        current="on",
        desired="on",
        remediation=RemediationKind.NONE,
    )

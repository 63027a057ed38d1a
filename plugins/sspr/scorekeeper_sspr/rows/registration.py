"""Rows about users' registered methods: phone-only users, administrators in scope, combined registration.

The first two read the per-user registration report (``userRegistrationDetails``, one batch entry
Graph pages); combined registration reads nothing, as Microsoft turned it on for every tenant.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.effective import in_sspr_scope
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.phones import RETIRES, phones_offered
from scorekeeper_sspr.rows.portal import read_policy
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
    """Administrators the user policy's scope covers, judged from the scope itself.

    ``isSsprEnabled`` cannot tell: for an administrator it follows the administrator policy
    (``allowedToUseSSPR``), not the user policy. So the row takes the administrators from the
    registration report (``isAdmin``: "has an admin role in the tenant") and asks the user policy's
    enablement (None / Selected group / All, with the group's transitive members) whether it covers them.
    """
    if ctx.cfg.admin_sspr:
        return ctx.finding(
            "admins_excluded",
            Status.NOT_APPLICABLE,
            "SSPR for administrators is allowed by the configuration (admin_sspr = true).",
            remediation=RemediationKind.NONE,
        )
    if (failed := ctx.graph_reads("admins_excluded")) is not None:
        return ctx.unreadable("admins_excluded", failed, steps=ADMIN_EXCLUSION)
    policy = read_policy(ctx, "admins_excluded")
    if isinstance(policy, Finding):
        return replace(policy, steps=ADMIN_EXCLUSION)
    covered, undecided = admins_in_user_policy(ctx, policy)
    current = {"admins_in_user_policy": len(covered), "undecided": len(undecided)}
    desired = {"admins_in_user_policy": 0, "undecided": 0}
    if covered:
        return ctx.finding(
            "admins_excluded",
            Status.FAIL,
            f"the user SSPR policy ({_scope_words(policy)}) covers {len(covered)} administrator(s) "
            f"({', '.join(covered[:10])}{', …' if len(covered) > 10 else ''}) while SSPR for administrators is "
            "off: Microsoft's SSPR policy page is reported to advise excluding them, or they are prompted to "
            "register and cannot.",
            current=current,
            desired=desired,
            steps=ADMIN_EXCLUSION,
        )
    if undecided:
        unread = "; ".join(f"{g}: {why}" for g, why in ctx.facts.members_unread.items()) or "members not read"
        return ctx.finding(
            "admins_excluded",
            Status.UNKNOWN,
            f"cannot tell whether the SSPR group holds {len(undecided)} administrator(s) "
            f"({', '.join(undecided[:10])}): its members could not be read ({unread}).",
            current=current,
            desired=desired,
            steps=ADMIN_EXCLUSION,
        )
    return ctx.finding(
        "admins_excluded",
        Status.PASS,
        f"no administrator is in scope of the user SSPR policy ({_scope_words(policy)}).",
        current=current,
        desired=desired,
    )


def admins_in_user_policy(ctx: RowContext, policy: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Administrators (``isAdmin``) the user policy covers, and those it may cover (a group unread)."""
    members = dict(ctx.snap.extra.get("members") or {})
    covered: list[str] = []
    undecided: list[str] = []
    for user in rules.values(ctx.value("registration_details")):
        if not user.get("isAdmin"):
            continue
        name = str(user.get("userPrincipalName") or user.get("id"))
        inside = in_sspr_scope(policy, str(user.get("id")), members)
        if inside:
            covered.append(name)
        elif inside is None:
            undecided.append(name)
    return covered, undecided


def _scope_words(policy: dict[str, Any]) -> str:
    kind = policy.get("enablementType")
    if kind == 2:
        return "enabled for all users"
    if kind == 1:
        return f"enabled for group {policy.get('passwordResetEnabledGroupName') or 'selected'}"
    return "enabled for nobody"


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

"""Rows read from directory policy objects: the authorization policy, Conditional Access, group settings.

Each reads one Graph object of its own (``authorizationPolicy``, the Conditional Access policies,
the Password Rule Settings ``groupSetting``) and compares it with the configured value.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.rows.context import RowContext


def row_admin_sspr(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("admin_sspr")) is not None:
        return ctx.unreadable("admin_sspr", failed)
    current = (rules.first(ctx.value("authorization_policy")) or {}).get("allowedToUseSSPR")
    desired = ctx.cfg.admin_sspr
    if current == desired:
        return ctx.finding(
            "admin_sspr",
            Status.PASS,
            f"administrators {'may' if desired else 'may not'} use SSPR, as configured.",
            current=current,
            desired=desired,
        )
    why = " Admin SSPR is a phishing target and the EIDSCA baseline (AP01) expects it off." if desired is False else ""
    return ctx.finding(
        "admin_sspr",
        Status.FAIL,
        f"allowedToUseSSPR is {current}, configured {desired}.{why}",
        current=current,
        desired=desired,
    )


def row_registration_ca_policy(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("registration_ca_policy")) is not None:
        return ctx.unreadable("registration_ca_policy", failed)
    state = ctx.cfg.registration_ca_policy_state
    current = rules.registration_policy(ctx.value("ca_policies"))
    desired = {"state": state}
    if current and rules.state_satisfies(current.get("state"), state):
        return ctx.finding(
            "registration_ca_policy",
            Status.PASS,
            f"policy {current['id']} protects security-info registration "
            + (
                "by blocking it outside trusted locations"
                if current.get("protection") == "block"
                else "by requiring an authentication strength"
            )
            + f" ({current['state']}).",
            current=current,
            desired=desired,
        )
    reason = (
        f"policy {current['id']} protects registration but is {current['state']}, configured {state}."
        if current
        else "no Conditional Access policy restricts 'Register security information' to trusted locations: "
        "an attacker with a password could register their own methods."
    )
    return ctx.finding("registration_ca_policy", Status.FAIL, reason, current=current, desired=desired)


def row_password_protection(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("password_protection")) is not None:
        return ctx.unreadable("password_protection", failed)
    current = rules.password_rules(ctx.value("group_settings"))
    values = current["values"] if current else None
    hybrid = ctx.facts.hybrid is True
    wanted = rules.desired_password_rules(
        values, ctx.cfg.banned_passwords, hybrid, ctx.cfg.password_protection_on_premises_mode
    )
    desired = {"values": wanted}
    if rules.rules_match(values, wanted):
        return ctx.finding(
            "password_protection",
            Status.PASS,
            "the custom banned-password check is on"
            + (" and enforced on-premises." if hybrid else ".")
            + (" (Hybrid state unknown: the on-premises mode was not checked.)" if ctx.facts.hybrid is None else ""),
            current=current,
            desired=desired,
        )
    if current is None:
        reason = "no Password Rule Settings object exists: the custom banned-password list is not configured."
    else:
        reason = _rules_differ(current["values"], wanted)
    return ctx.finding("password_protection", Status.FAIL, reason, current=current, desired=desired)


def _rules_differ(values: dict[str, Any], wanted: dict[str, str]) -> str:
    """Which of the wanted Password Rule Settings values the existing object holds otherwise."""
    wrong = [k for k in wanted if not rules.rules_match({k: values.get(k)} if values else None, {k: wanted[k]})]
    return "Password Rule Settings differ: " + ", ".join(f"{k} is {values.get(k)!r}" for k in wrong) + "."

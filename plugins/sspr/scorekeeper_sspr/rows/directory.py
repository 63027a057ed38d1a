"""Rows read from directory policy objects: the authorization policy, Conditional Access, group settings.

Each reads one Graph object of its own (``authorizationPolicy``, the Conditional Access policies,
the Password Rule Settings ``groupSetting``) and compares it with the configured value.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Affected, Finding, Harm, Impact, Stage, Status
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
    extra: dict[str, Any] = {}
    if desired is False:
        why += " " + _one_admin(ctx)
        extra["evidence"] = {"consequence": _one_admin(ctx)}
    return ctx.finding(
        "admin_sspr",
        Status.FAIL,
        f"allowedToUseSSPR is {current}, configured {desired}.{why}",
        current=current,
        desired=desired,
        **extra,
    )


def _one_admin(ctx: RowContext) -> str:
    """What turning admin SSPR off means for this tenant's administrators (registration report's isAdmin)."""
    admins = [d for d in ctx.facts.details or [] if d.get("isAdmin")]
    if ctx.facts.details is None:
        return "Administrators then cannot reset their own password (the number of admins could not be read)."
    if len(admins) == 1:
        who = admins[0].get("userPrincipalName") or admins[0].get("id")
        return (
            f"This tenant has one administrator ({who}): with admin SSPR off nobody can reset their password "
            "for them; keep a second, break-glass Global Administrator first."
        )
    return f"The {len(admins)} administrators then reset each other's passwords, not their own."


REPORT_ONLY = "enabledForReportingButNotEnforced"
#: The rollout a create (or a re-enable) starts: report-only first, enabled by promotion.
FIRST_STAGE = Stage(("report-only", "enabled"), 0, needs="report-only results and break-glass accounts")


def _locations_note(ctx: RowContext) -> str:
    named = ctx.snap.graph.get("named_locations")
    if named is None or not named.ok:
        return " Trusted named locations could not be read."
    trusted = rules.trusted_locations(named.value)
    if trusted:
        return f" Trusted named locations excluded: {', '.join(trusted)}."
    return (
        " The tenant has no trusted named location, so 'All trusted locations' excludes nothing: the policy "
        "asks for the authentication strength wherever users register; new users need a Temporary Access Pass."
    )


def row_registration_ca_policy(ctx: RowContext) -> Finding:
    """Microsoft's template, staged: created report-only (enforces nothing: staged, not pass), enabled only
    with break-glass accounts configured and report-only results showing it would block nobody."""
    if (failed := ctx.graph_reads("registration_ca_policy")) is not None:
        return ctx.unreadable("registration_ca_policy", failed)
    current = rules.registration_policy(ctx.value("ca_policies"))
    note = _locations_note(ctx)
    if current is None:
        return ctx.finding(
            "registration_ca_policy",
            Status.FAIL,
            "no Conditional Access policy protects 'Register security information': an attacker with a password "
            "could register their own methods. scorekeeper creates Microsoft's template report-only (all users "
            "except guests and break-glass accounts, any location except trusted, authentication strength)." + note,
            current=None,
            desired={"state": REPORT_ONLY},
            stage=FIRST_STAGE,
            impact=Impact(
                summary="report-only: the new policy blocks nobody; its results show whom enforcing it would block",
                sources=("conditionalAccessPolicies", "namedLocations"),
            ),
        )
    how = (
        "blocking it outside trusted locations"
        if current.get("protection") == "block"
        else "an authentication strength"
    )
    if current.get("state") == "enabled":
        return ctx.finding(
            "registration_ca_policy",
            Status.PASS,
            f"policy {current['id']} protects security-info registration with {how} (enabled).{note}",
            current=current,
            desired={"state": "enabled"},
        )
    if current.get("state") != REPORT_ONLY:
        return ctx.finding(
            "registration_ca_policy",
            Status.FAIL,
            f"policy {current['id']} protects registration but is {current.get('state')}; scorekeeper turns it "
            f"back on report-only first.{note}",
            current=current,
            desired={"id": current["id"], "state": REPORT_ONLY},
            stage=FIRST_STAGE,
        )
    stage, impact = _promotion(ctx, str(current["id"]))
    return ctx.finding(
        "registration_ca_policy",
        Status.STAGED,
        f"policy {current['id']} ({how}) is report-only: it enforces nothing yet. {stage.line()}.{note}",
        current=current,
        desired={"id": current["id"], "state": "enabled"},
        stage=stage,
        impact=impact,
    )


def _promotion(ctx: RowContext, policy_id: str) -> tuple[Stage, Impact]:
    """Whether enabling the report-only policy is safe: break-glass accounts configured, and sign-in logs
    with report-only results for it and no ``reportOnlyFailure`` (a sign-in it would have blocked)."""
    sign_ins = ctx.snap.extra.get("sign_ins")
    needs = []
    if not ctx.cfg.break_glass:
        needs.append("break_glass accounts in the configuration (excluded before enabling)")
    if sign_ins is None or not sign_ins.ok:
        why = sign_ins.error if sign_ins is not None else "not read"
        needs.append(f"report-only results from the sign-in logs (auditLogs/signIns: {why})")
        impact = Impact(
            summary="whom enabling the policy would block could not be read from the sign-in logs",
            harm=Harm.LOCKS_OUT,
            remedy="grant AuditLog.Read.All and let the policy collect report-only results",
            sources=("signIns",),
        )
        return Stage(
            ("report-only", "enabled"), 0, {"id": policy_id, "state": "enabled"}, False, "; ".join(needs)
        ), impact
    results = rules.report_only_results(sign_ins.value, policy_id)
    blocked = results.get("reportOnlyFailure", [])
    seen = sum(len(v) for k, v in results.items() if k != "reportOnlyNotApplied")
    evidence = f"report-only results for {seen} user(s), {len(blocked)} would have been blocked"
    if not seen:
        needs.append("at least one registration with a report-only result in the sign-in logs")
    if blocked:
        needs.append(f"no sign-in it would have blocked ({len(blocked)} now)")
        impact = Impact(
            summary=f"enabling it would block {len(blocked)} user(s) from registering security information",
            harm=Harm.LOCKS_OUT,
            affected=tuple(Affected(u, u, detail="report-only result: would have been blocked") for u in blocked),
            remedy="give them a Temporary Access Pass or let them register from a trusted location first",
            sources=("signIns",),
        )
    else:
        impact = Impact(
            summary=f"enabling it blocks nobody seen in the sign-in logs ({evidence})", sources=("signIns",)
        )
    stage = Stage(
        ("report-only", "enabled"),
        0,
        next_desired={"id": policy_id, "state": "enabled"},
        ready=not needs,
        needs="; ".join(needs),
        evidence=evidence,
    )
    return stage, impact


#: howto-password-ban-bad-on-premises-deploy: on-premises password protection starts in Audit.
ON_PREM_STAGES = ("Audit", "Enforce")
MODE = "BannedPasswordCheckOnPremisesMode"


def row_password_protection(ctx: RowContext) -> Finding:
    """The banned-password check; on-premises it is staged Audit → Enforce and never weakened.

    A tenant already enforcing on-premises keeps Enforce although the default asks for Audit (Enforce
    holds everything Audit does); a tenant in Audit reads as staged: moving to Enforce is the admin's
    call once the DC agents' audit events (which no API reads) show nothing users need is rejected.
    """
    if (failed := ctx.graph_reads("password_protection")) is not None:
        return ctx.unreadable("password_protection", failed)
    current = rules.password_rules(ctx.value("group_settings"))
    values = current["values"] if current else None
    hybrid = ctx.facts.hybrid is True
    mode = ctx.cfg.password_protection_on_premises_mode
    if mode == "Audit" and str((values or {}).get(MODE)).lower() == "enforce":
        mode = "Enforce"  # never step an enforcing tenant back to Audit
    wanted = rules.desired_password_rules(values, ctx.cfg.banned_passwords, hybrid, mode)
    desired = {"values": wanted}
    staged = hybrid and mode == "Audit"
    if rules.rules_match(values, wanted):
        if staged:
            return ctx.finding(
                "password_protection",
                Status.STAGED,
                "the custom banned-password check is on, on-premises in Audit mode (Microsoft: start in Audit).",
                current=current,
                desired=desired,
                stage=Stage(
                    ON_PREM_STAGES,
                    0,
                    next_desired={"values": {**wanted, MODE: "Enforce"}},
                    needs="the DC agents' audit events (no API reads them) show no password users need is "
                    "rejected; then set password_protection_on_premises_mode = 'Enforce'",
                ),
            )
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
    return ctx.finding(
        "password_protection",
        Status.FAIL,
        reason,
        current=current,
        desired=desired,
        stage=Stage(ON_PREM_STAGES, 0, needs="the audit first") if staged else None,
    )


def _rules_differ(values: dict[str, Any], wanted: dict[str, str]) -> str:
    """Which of the wanted Password Rule Settings values the existing object holds otherwise."""
    wrong = [k for k in wanted if not rules.rules_match({k: values.get(k)} if values else None, {k: wanted[k]})]
    return "Password Rule Settings differ: " + ", ".join(f"{k} is {values.get(k)!r}" for k in wrong) + "."

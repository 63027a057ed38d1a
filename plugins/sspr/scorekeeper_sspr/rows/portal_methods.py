"""The portal's two method rows: which methods SSPR offers, and how many a reset requires.

They share more than the other portal rows: both look at what SSPR will offer once written, to
warn about the phone retirement, say what the write changes for users, and hold back a second gate
that Microsoft's rule for the Authenticator app would not allow yet.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, Impact, RemediationKind, Status
from scorekeeper_sspr.config import PHONE_METHODS
from scorekeeper_sspr.effective import COMPLETE
from scorekeeper_sspr.people import reset_impact, unknown_impact
from scorekeeper_sspr.portal import METHOD_FIELDS, policy_slice
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.phones import RETIRES, readiness_words, retirement_note
from scorekeeper_sspr.rows.portal import compare, read_policy
from scorekeeper_sspr.rows.portal_desired import desired_methods, desired_simple
from scorekeeper_sspr.settings import PHONE_RETIREMENT
from scorekeeper_sspr.steps import portal_steps


def row_methods_available(ctx: RowContext) -> Finding:
    """The offered/allowed flags, with the retirement warning and the write's consequence for users."""
    policy = read_policy(ctx, "methods_available")
    if isinstance(policy, Finding):
        return policy
    current = policy_slice(policy, "methods_available")
    desired = desired_methods(ctx.cfg, policy)
    note, extra = methods_notes(ctx, policy, desired)
    extra["impact"] = portal_impact(ctx, policy, desired, "this change of the methods SSPR offers")
    return compare(ctx, "methods_available", current, desired, note=note, extra=extra)


def portal_impact(ctx: RowContext, policy: dict[str, Any], desired: dict[str, Any], what: str) -> Impact:
    """Whom writing ``desired`` into the legacy SSPR policy affects (gates and methods), per user."""
    tenant = ctx.facts.methods
    if tenant is None:
        return unknown_impact("the Authentication methods policy could not be read")
    before = tenant.but(portal=policy)
    after_policy = {**policy, **desired_methods(ctx.cfg, policy), **desired}
    after = tenant.but(portal=after_policy)
    return reset_impact(
        before,
        after,
        ctx.facts.details,
        gates_before=int(policy.get("numberOfAuthenticationMethodsRequired") or 1),
        gates_after=int(after_policy.get("numberOfAuthenticationMethodsRequired") or 1),
        what=what,
        remedy="let these users register a second method SSPR offers them (Microsoft Authenticator, or a method "
        "enabled for them in the Authentication methods policy) before raising the requirement",
    )


def row_methods_required(ctx: RowContext) -> Finding:
    """One gate or two; a second gate Microsoft would not accept yet is guided instead of written."""
    setting_id = "methods_required"
    policy = read_policy(ctx, setting_id)
    if isinstance(policy, Finding):
        return policy
    current = policy_slice(policy, setting_id)
    desired = desired_simple(ctx.cfg, setting_id)
    legacy = ctx.facts.methods is None or ctx.facts.methods.migration not in (COMPLETE, None)
    if legacy and (blocked := gates_blocked(ctx, policy, current, desired)):
        return ctx.finding(
            setting_id,
            Status.FAIL,
            blocked,
            current=current,
            desired=desired,
            remediation=RemediationKind.GUIDED,
            steps=portal_steps(setting_id),
        )
    extra = gates_consequence(ctx, current, desired)
    extra["impact"] = portal_impact(ctx, policy, desired, "requiring two methods to reset")
    return compare(ctx, setting_id, current, desired, extra=extra)


def methods_notes(ctx: RowContext, policy: dict[str, Any], desired: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The retirement warning where SSPR offers a phone, and what the plan's write would change for users."""
    evidence: dict[str, Any] = {}
    note = ""
    offered = [m for m in sorted(PHONE_METHODS) if policy.get(METHOD_FIELDS[m][0]) and policy.get(METHOD_FIELDS[m][1])]
    remain = [m for m in offered if desired.get(METHOD_FIELDS[m][0]) is not False]
    if remain:
        note = retirement_note(ctx, [m.replace("_", " ") for m in remain])
        evidence["platform_changes"] = [PHONE_RETIREMENT]
    consequence = []
    dropped = [m for m in offered if desired.get(METHOD_FIELDS[m][0]) is False]
    if dropped:
        consequence.append(f"stops offering {', '.join(m.replace('_', ' ') for m in dropped)}: {readiness_words(ctx)}.")
    added_phones = [m for m in PHONE_METHODS if desired.get(METHOD_FIELDS[m][0]) and m not in offered]
    if added_phones:
        consequence.append(f"offers {', '.join(sorted(added_phones))} as the config asks: {RETIRES}.")
        evidence["platform_changes"] = [PHONE_RETIREMENT]
    if desired.get("securityQuestionsOptionEnabled") and not policy.get("securityQuestionsOptionEnabled"):
        consequence.append(
            f"offers security questions: users are asked to register {ctx.cfg.security_questions_to_register} "
            "the next time they register (administrators cannot use them)."
        )
    if consequence:
        evidence["consequence"] = "This change " + " It ".join(consequence)
    return note, ({"evidence": evidence} if evidence else {})


def gates_blocked(ctx: RowContext, policy: dict[str, Any], current: dict[str, Any], desired: dict[str, Any]) -> str:
    """Why raising the gates would break Microsoft's rule for the Authenticator app, or ``""``.

    concept-sspr-howitworks: with the app offered, one gate needs one other method and two gates
    two other methods. Counted on what SSPR will offer once methods_available is written.
    """
    want = desired.get("numberOfAuthenticationMethodsRequired")
    if want != 2 or current.get("numberOfAuthenticationMethodsRequired") == 2:
        return ""
    after = {**policy, **desired_methods(ctx.cfg, policy)}
    offered = {m for m, (e, a) in METHOD_FIELDS.items() if after.get(e) and after.get(a)}
    app = {"mobile_app_notification", "mobile_app_code"} & offered
    others = sorted(offered - {"mobile_app_notification", "mobile_app_code"})
    if not app or len(others) >= 2:
        return ""
    return (
        f"two methods are configured, but SSPR would offer the Authenticator app and only "
        f"{', '.join(o.replace('_', ' ') for o in others) or 'no other method'}: Microsoft does not allow the app "
        "plus fewer than two other methods when two are required, so scorekeeper does not raise it yet. Define the "
        "security questions (security_questions row), then assess again."
    )


def gates_consequence(ctx: RowContext, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """What moving between one and two gates does to users who can reset today, as the finding's evidence."""
    want = desired.get("numberOfAuthenticationMethodsRequired")
    have = current.get("numberOfAuthenticationMethodsRequired")
    if want == 2 and have == 1:
        text = (
            "This change requires two methods to reset: a user with fewer than two distinct usable methods (as "
            "the Authentication methods policy and the SSPR policy allow them) can no longer reset until they "
            "register another."
        )
        return {"evidence": {"consequence": text}}
    if want == 1 and have == 2:
        return {"evidence": {"consequence": "This change lowers SSPR from two gates to one."}}
    return {}

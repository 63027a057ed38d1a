"""Rows held in the portal's PasswordResetPolicies object, and the comparison they share.

Every such row reads the same portal object (or says why it could not), takes the slice of fields
its setting owns and compares it with the slice the config asks for. The two method rows, which
add notes and a gate check, are in :mod:`~scorekeeper_sspr.rows.portal_methods`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from scorekeeper import Affected, Finding, Harm, Impact, RemediationKind, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.effective import in_sspr_scope, members_only, user_methods
from scorekeeper_sspr.people import unknown_impact
from scorekeeper_sspr.portal import ENABLEMENT_ALL, ENABLEMENT_SELECTED, policy_slice
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.portal_desired import (
    desired_enablement,
    desired_helpdesk,
    desired_questions,
    desired_simple,
    questions_missing,
)
from scorekeeper_sspr.rows.wording import ENABLEMENT_WORDS, differences
from scorekeeper_sspr.steps import HELPDESK_CONFIG, portal_steps

#: Why a slice fails, from (current, desired); called only when it does fail.
Explain = Callable[[dict[str, Any], dict[str, Any]], str]


def read_policy(ctx: RowContext, setting_id: str) -> Finding | dict[str, Any]:
    """The policy object, or the ``unknown`` finding explaining why it is not there."""
    if ctx.snap.policy is None:
        return ctx.finding(
            setting_id,
            Status.UNKNOWN,
            f"held only by the Azure portal's API, which was not read: {ctx.snap.portal_unavailable}.",
            steps=portal_steps(setting_id),
        )
    if not ctx.snap.policy.ok:
        return ctx.unreadable(setting_id, ctx.snap.policy, "portal", portal_steps(setting_id))
    return dict(ctx.snap.policy.value or {})


def compare(
    ctx: RowContext,
    setting_id: str,
    current: dict[str, Any],
    desired: dict[str, Any],
    *,
    note: str = "",
    extra: dict[str, Any] | None = None,
    explain: Explain = differences,
) -> Finding:
    """``pass`` when the policy holds every desired field; else ``fail`` with what differs and the click path."""
    extra = extra or {}
    if rules.sticks(desired, current):
        return ctx.finding(setting_id, Status.PASS, "as configured." + note, current=current, desired=desired, **extra)
    reason = explain(current, desired)
    return ctx.finding(
        setting_id,
        Status.FAIL,
        reason + "." + note,
        current=current,
        desired=desired,
        steps=portal_steps(setting_id),
        **extra,
    )


def simple_row(ctx: RowContext, setting_id: str) -> Finding:
    """A setting held by one portal field (see :data:`~scorekeeper_sspr.rows.portal_desired.SIMPLE`)."""
    policy = read_policy(ctx, setting_id)
    if isinstance(policy, Finding):
        return policy
    return compare(ctx, setting_id, policy_slice(policy, setting_id), desired_simple(ctx.cfg, setting_id))


def row_registration_required(ctx: RowContext) -> Finding:
    return simple_row(ctx, "registration_required")


def row_reconfirm_days(ctx: RowContext) -> Finding:
    return simple_row(ctx, "reconfirm_days")


def row_notify_users(ctx: RowContext) -> Finding:
    return simple_row(ctx, "notify_users")


def row_notify_admins(ctx: RowContext) -> Finding:
    return simple_row(ctx, "notify_admins")


def row_enablement(ctx: RowContext) -> Finding:
    """Who may reset: the reason names the selected group the way the portal's Properties blade does."""
    policy = read_policy(ctx, "enablement")
    if isinstance(policy, Finding):
        return policy
    current = policy_slice(policy, "enablement")
    desired = desired_enablement(ctx.cfg)
    extra = {"impact": enablement_impact(ctx, policy, desired)}
    return compare(ctx, "enablement", current, desired, explain=partial(_enablement, ctx.cfg), extra=extra)


def enablement_impact(ctx: RowContext, policy: dict[str, Any], desired: dict[str, Any]) -> Impact:
    """Whom a change of SSPR's scope affects: users who could reset and would no longer be enabled.

    Widening (to All) takes nothing from anyone. Narrowing to a group by name cannot be judged before the
    group is resolved, and a group whose members were not read leaves the answer open: both block.
    """
    if desired.get("enablementType") == ENABLEMENT_ALL:
        return Impact(summary="SSPR is offered to more users; nobody loses it", sources=("PasswordResetPolicies",))
    tenant = ctx.facts.methods
    group = (desired.get("passwordResetEnabledGroupIds") or [None])[0]
    if tenant is None or ctx.facts.details is None or group is None or group not in tenant.members:
        return unknown_impact("the selected group's members or the registration report could not be read")
    after_policy = {**policy, "enablementType": ENABLEMENT_SELECTED, "passwordResetEnabledGroupIds": [group]}
    losing = []
    today = tenant.but(portal=policy)
    for detail in members_only(ctx.facts.details):
        user_id = str(detail.get("id"))
        before = in_sspr_scope(policy, user_id, tenant.members)
        after = in_sspr_scope(after_policy, user_id, tenant.members)
        if before is not False and after is False and user_methods(today, detail).usable:
            losing.append(
                Affected(user_id, str(detail.get("userPrincipalName") or user_id), detail="leaves SSPR scope")
            )
    if not losing:
        return Impact(summary="nobody who can reset today leaves SSPR's scope", sources=("PasswordResetPolicies",))
    return Impact(
        summary=f"{len(losing)} user(s) who can reset today leave SSPR's scope",
        harm=Harm.LOCKS_OUT,
        affected=tuple(losing),
        remedy="add them to the selected group first, or keep SSPR enabled for all users",
        sources=("PasswordResetPolicies", "groups/transitiveMembers", "userRegistrationDetails"),
    )


def _enablement(cfg: SsprConfig, current: dict[str, Any], desired: dict[str, Any]) -> str:
    group = current.get("passwordResetEnabledGroupName") or current.get("passwordResetEnabledGroupIds")
    now = ENABLEMENT_WORDS.get(current.get("enablementType"), "not set")
    want = "All" if cfg.enablement == "all" else f"Selected ({cfg.enablement_group})"
    return f"SSPR is enabled for {now}{f' ({group})' if group and now == 'Selected' else ''}; should be {want}"


def row_security_questions(ctx: RowContext) -> Finding:
    """The question counts; questions the tenant has not defined yet make it guided, not written."""
    setting_id = "security_questions"
    policy = read_policy(ctx, setting_id)
    if isinstance(policy, Finding):
        return policy
    current = policy_slice(policy, setting_id)
    desired = desired_questions(ctx.cfg)
    if desired is None:
        offered = bool(policy.get("securityQuestionsOptionEnabled"))
        return ctx.finding(
            setting_id,
            Status.PASS,
            "security questions are offered; scorekeeper leaves them as the admin set them (Microsoft calls them "
            "less secure than other methods, for use with another method, and not for administrators)."
            if offered
            else "security questions are not offered (Microsoft calls them less secure; scorekeeper never turns "
            "them on unless the configuration lists them); the question counts do not apply.",
            current=current,
            remediation=RemediationKind.NONE,
        )
    if missing := questions_missing(ctx.cfg, policy):
        defined = len(policy.get("securityQuestions") or [])
        return ctx.finding(
            setting_id,
            Status.FAIL,
            f"users must register {ctx.cfg.security_questions_to_register} security questions but the tenant "
            f"defines {defined}: choose {missing} more in the portal first (scorekeeper does not invent "
            "questions); methods_available turns security questions on once they exist.",
            current={**current, "securityQuestions": defined},
            desired={**desired, "securityQuestions": ctx.cfg.security_questions_to_register},
            remediation=RemediationKind.GUIDED,
            steps=portal_steps(setting_id),
        )
    return compare(ctx, setting_id, current, desired)


def row_helpdesk_link(ctx: RowContext) -> Finding:
    """The helpdesk link; without a configured helpdesk, any link already set passes."""
    setting_id = "helpdesk_link"
    policy = read_policy(ctx, setting_id)
    if isinstance(policy, Finding):
        return policy
    current = policy_slice(policy, setting_id)
    desired = desired_helpdesk(ctx.cfg)
    if desired is not None:
        return compare(ctx, setting_id, current, desired)
    if current.get("customizeHelpdeskLink") and current.get("customHelpdeskEmailOrUrl"):
        return ctx.finding(
            setting_id,
            Status.PASS,
            f"the helpdesk link points to {current['customHelpdeskEmailOrUrl']}.",
            current=current,
        )
    return ctx.finding(
        setting_id,
        Status.FAIL,
        'users who cannot reset are not told whom to ask: set helpdesk = "<email or https URL>" in '
        "[controls.SelfServicePasswordReset] so that scorekeeper can configure it, or set it in the portal.",
        current=current,
        remediation=RemediationKind.GUIDED,
        steps=(*HELPDESK_CONFIG, *portal_steps(setting_id)),
    )

"""The verdict on one Conditional Access template in one tenant: the implementation behind
:mod:`scorekeeper.conditional_access` (see there for the rules; this module is pure).

Order of the rules: subscriptions unreadable → unknown; no Entra ID P1 (or P2 for a risk
template) → not applicable, with the reason; policies unreadable → unknown; security defaults on →
Conditional Access cannot be used beside them (pass where security defaults already do what the
template does, guided otherwise); a break-glass account that does not resolve → unknown (a policy
is never written with a wrong exclusion); then the satisfying policy, if any: none or disabled →
fail, remediated to report-only; report-only → staged, promoted to enabled only with break-glass
accounts configured and sign-in evidence that nobody legitimate would be blocked; enabled → pass,
unless a configured break-glass account is not excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scorekeeper.domain.impact import Affected, Harm, Impact
from scorekeeper.domain.model import RemediationKind, Status
from scorekeeper.domain.staging import Stage
from scorekeeper.plugin.ca_policy import (
    ENABLED,
    REPORT_ONLY,
    STAGES,
    Template,
    best_match,
    excluded_users,
    shortfall,
    summary,
)
from scorekeeper.plugin.ca_reads import SIGN_IN_DAYS, CaReads
from scorekeeper.plugin.reads import Read

P1 = "Microsoft Entra ID P1"
P2 = "Microsoft Entra ID P2"
#: Service plans (subscribedSku.servicePlans) that carry Entra ID P1 / P2.
P1_PLANS = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
P2_PLANS = frozenset({"AAD_PREMIUM_P2"})
READ_POLICIES = "Policy.Read.All"
READ_LICENCES = "LicenseAssignment.Read.All"
READ_AUDIT = "AuditLog.Read.All"
READ_DIRECTORY = "Directory.Read.All"
READ_ROLES = "RoleManagement.Read.Directory"
READ_USERS = "User.Read.All"
WRITE_POLICIES = "Policy.ReadWrite.ConditionalAccess"
#: signIn.clientAppUsed values of modern clients; every other value is legacy authentication.
MODERN_CLIENT_NAMES = frozenset({"Browser", "Mobile Apps and Desktop clients"})


@dataclass(frozen=True)
class Verdict:
    """What a control turns into its finding for the policy setting."""

    status: Status
    reason: str
    current: Any = None
    desired: Any = None
    remediation: RemediationKind = RemediationKind.AUTOMATED
    stage: Stage | None = None
    impact: Impact | None = None
    missing_permissions: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)


def licences(skus: Read) -> dict[str, bool | None]:
    """Whether an enabled subscription carries Entra ID P1 / P2 (``None`` when unreadable)."""
    if not skus.ok:
        return {P1: None, P2: None}
    plans = {
        str(plan.get("servicePlanName"))
        for sku in skus.items
        if sku.get("capabilityStatus") == "Enabled"
        for plan in sku.get("servicePlans") or []
    }
    return {P1: bool(plans & P1_PLANS), P2: bool(plans & P2_PLANS)}


def _denied(read: Read, permission: str) -> tuple[str, ...]:
    return (permission,) if read.denied and "NonPremium" not in read.error else ()


def unreadable(what: str, read: Read, permission: str) -> Verdict:
    return Verdict(
        Status.UNKNOWN,
        f"could not read {what} ({read.error}).",
        remediation=RemediationKind.NONE,
        missing_permissions=_denied(read, permission),
    )


def security_defaults_on(read: Read) -> bool | None:
    if not read.ok or not isinstance(read.value, dict):
        return None
    return read.value.get("isEnabled") is True


SECURITY_DEFAULTS_STEPS = (
    "1. Entra admin center → Identity → Overview → Properties → Manage security defaults: note what they enforce "
    "today (MFA registration for all users, MFA for administrators, legacy authentication blocked).",
    "2. Plan the Conditional Access policies that replace them (this control's template among them); Microsoft "
    "allows one or the other, not both.",
    "3. In one change window: turn security defaults off, then run `scorekeeper remediate` so the policies are "
    "created report-only, and promote them once their report-only results are clean.",
)


def held_roles(reads: CaReads) -> dict[str, set[str]]:
    """Role template id (lower-case) → the principal ids holding it (active assignments)."""
    out: dict[str, set[str]] = {}
    for assignment in reads.role_assignments.items if reads.role_assignments is not None else []:
        role = str(assignment.get("roleDefinitionId", "")).lower()
        out.setdefault(role, set()).add(str(assignment.get("principalId", "")).lower())
    return out


def _in_scope(template: Template, roles: dict[str, set[str]]) -> set[str] | None:
    """The user ids the template's policy applies to; ``None`` for all users."""
    if not template.for_roles:
        return None
    return {p for role in template.include_roles for p in roles.get(role.lower(), set())}


def _report_only(sign_ins: Read, policy_id: str) -> dict[str, dict[str, str]]:
    """result → {user id: UPN} of the sign-ins the report-only policy judged."""
    out: dict[str, dict[str, str]] = {}
    for sign_in in sign_ins.items:
        for applied in sign_in.get("appliedConditionalAccessPolicies") or []:
            if str(applied.get("id")) == policy_id and str(applied.get("result", "")).startswith("reportOnly"):
                who = out.setdefault(str(applied["result"]), {})
                who[str(sign_in.get("userId"))] = str(sign_in.get("userPrincipalName") or sign_in.get("userId"))
    return out


def _would_match(template: Template, sign_in: dict[str, Any]) -> bool:
    """Whether a sign-in meets the template's conditions (before any policy exists): a preview."""
    if template.client_app_types != ("all",) and str(sign_in.get("clientAppUsed")) in MODERN_CLIENT_NAMES:
        return False
    risk = str(sign_in.get("riskLevelDuringSignIn") or "none")
    if template.sign_in_risk_levels and risk not in template.sign_in_risk_levels:
        return False
    return not template.user_risk_levels  # user risk lives in riskyUsers, not read here


def _preview(template: Template, reads: CaReads, scope: set[str] | None, skip: set[str]) -> list[Affected]:
    """Who the enforced template would affect, from the tenant's sign-ins and registration report."""
    found: dict[str, Affected] = {}
    if template.blocks:
        for sign_in in reads.sign_ins.items:
            uid = str(sign_in.get("userId", "")).lower()
            if uid in skip or (scope is not None and uid not in scope) or not _would_match(template, sign_in):
                continue
            name = str(sign_in.get("userPrincipalName") or uid)
            found[uid] = Affected(uid, name, detail=f"signed in with {sign_in.get('clientAppUsed')}: would be blocked")
    elif reads.not_mfa_capable is not None:
        for user in reads.not_mfa_capable.items:
            uid = str(user.get("id", "")).lower()
            if uid in skip or (scope is not None and uid not in scope):
                continue
            name = str(user.get("userPrincipalName") or uid)
            found[uid] = Affected(uid, name, detail="not MFA-capable: must register a method at the next sign-in")
    return sorted(found.values(), key=lambda a: a.name)


def _create_impact(template: Template, reads: CaReads, scope: set[str] | None, skip: set[str]) -> Impact:
    who = _preview(template, reads, scope, skip)
    what = "block" if template.blocks else "ask for MFA from"
    tail = f"; once enforced it would {what} {len(who)} user(s) seen in the tenant's data" if who else ""
    return Impact(
        summary=f"report-only: the policy enforces nothing and blocks nobody{tail}",
        harm=Harm.NONE,
        affected=tuple(who),
        remedy="" if not who else "read the report-only results before promoting it",
        sources=("conditionalAccessPolicies", "signIns", "userRegistrationDetails"),
    )


@dataclass(frozen=True)
class Evidence:
    ready: bool
    needs: str
    evidence: str
    impact: Impact


def promotion(
    template: Template, reads: CaReads, policy_id: str, break_glass: list[str], scope: set[str] | None
) -> Evidence:
    """Whether enforcing the report-only policy is safe, from the sign-in logs' report-only results.

    ``reportOnlyFailure`` = the enforced policy would have blocked the sign-in (a block template, or
    a user who could not satisfy the grant): locks out. ``reportOnlyInterrupted`` = it would have
    asked for MFA: the user is challenged, not locked out — unless they are not MFA-capable, in
    which case Microsoft asks them to register at that sign-in (degrades).
    """
    needs: list[str] = []
    if not break_glass:
        needs.append("break_glass accounts in the configuration (excluded before the policy is enforced)")
    if not reads.sign_ins.ok:
        needs.append(f"report-only results from the sign-in logs ({reads.sign_ins.error})")
        impact = Impact(
            summary="whom enforcing the policy would block could not be read from the sign-in logs",
            harm=Harm.LOCKS_OUT,
            remedy=f"grant {READ_AUDIT} and {READ_DIRECTORY} and let the policy collect report-only results",
            sources=("signIns",),
        )
        return Evidence(False, "; ".join(needs), "", impact)
    results = _report_only(reads.sign_ins, policy_id)
    skip = {b.lower() for b in break_glass}
    blocked = {u: n for u, n in results.get("reportOnlyFailure", {}).items() if u.lower() not in skip}
    challenged = {u: n for u, n in results.get("reportOnlyInterrupted", {}).items() if u.lower() not in skip}
    seen = {u for v in results.values() for u in v}  # every sign-in the policy evaluated, applied or not
    evidence = (
        f"report-only results in the last {SIGN_IN_DAYS} days for {len(seen)} user(s): {len(blocked)} would have "
        f"been blocked, {len(challenged)} asked for MFA"
    )
    if not seen:
        needs.append("at least one sign-in with a report-only result for the policy")
    affected = [Affected(u, n, detail="report-only result: would have been blocked") for u, n in blocked.items()]
    if blocked:
        needs.append(f"no legitimate sign-in it would block ({len(blocked)} now)")
        impact = Impact(
            summary=f"enforcing it would block {len(blocked)} user(s) seen in the sign-in logs",
            harm=Harm.LOCKS_OUT,
            affected=tuple(sorted(affected, key=lambda a: a.name)),
            remedy="move them off what the policy blocks (a legacy client, an unregistered method) or exclude "
            "them deliberately, then wait for clean report-only results",
            sources=("signIns",),
        )
        return Evidence(False, "; ".join(needs), evidence, impact)
    register = [] if template.blocks else _preview(template, reads, scope, skip)
    if register:
        impact = Impact(
            summary=f"enforcing it asks {len(register)} user(s) who are not MFA-capable to register a method at "
            "their next sign-in",
            harm=Harm.DEGRADES,
            affected=tuple(register),
            remedy="run a registration campaign or hand out Temporary Access Passes first",
            sources=("userRegistrationDetails", "signIns"),
        )
    else:
        impact = Impact(
            summary=f"enforcing it blocks nobody seen in the sign-in logs ({evidence})", sources=("signIns",)
        )
    return Evidence(not needs, "; ".join(needs), evidence, impact)


def _resolve_break_glass(reads: CaReads) -> tuple[list[str], Verdict | None]:
    ids = []
    for account, read in reads.break_glass.items():
        if not read.ok:
            if read.status == 404:
                return [], Verdict(
                    Status.UNKNOWN,
                    f"break-glass account {account!r} from the configuration does not exist in this tenant; fix "
                    "break_glass before any policy is written (a policy must exclude the real accounts).",
                    remediation=RemediationKind.NONE,
                )
            return [], unreadable(f"break-glass account {account!r}", read, READ_USERS)
        ids.append(str((read.value or {}).get("id")))
    return ids, None


def judge(template: Template, reads: CaReads, break_glass: tuple[str, ...], licensed_note: str = "") -> Verdict:
    """The verdict on ``template`` in the tenant ``reads`` describes (see the module docstring)."""
    if not reads.skus.ok:
        return unreadable("the tenant's subscriptions", reads.skus, READ_DIRECTORY)
    held = licences(reads.skus)
    defaults = security_defaults_on(reads.security_defaults)
    defaults_note = " Security defaults are on." if defaults else ""
    if held[P1] is False or (template.licence == P2 and held[P2] is False):
        need = template.licence if held[P1] else P1
        what = "Conditional Access with Identity Protection risk conditions" if need == P2 else "Conditional Access"
        return Verdict(
            Status.NOT_APPLICABLE,
            f"needs {need} ({what}); no enabled subscription of this tenant includes it.{defaults_note}{licensed_note}",
            remediation=RemediationKind.NONE,
        )
    if not reads.policies.ok:
        return unreadable("the Conditional Access policies", reads.policies, READ_POLICIES)
    if defaults is None:
        return unreadable("security defaults", reads.security_defaults, READ_POLICIES)
    if defaults:
        return _under_security_defaults(template)
    bg_ids, problem = _resolve_break_glass(reads)
    if problem is not None:
        return problem
    missing: tuple[str, ...] = ()
    if not reads.sign_ins.ok:
        missing += _denied(reads.sign_ins, READ_AUDIT) + _denied(reads.sign_ins, READ_DIRECTORY)
    if reads.not_mfa_capable is not None and not reads.not_mfa_capable.ok:
        missing += _denied(reads.not_mfa_capable, READ_AUDIT)
    roles = held_roles(reads)
    if reads.role_assignments is not None and not reads.role_assignments.ok:
        return unreadable("the directory role assignments", reads.role_assignments, READ_DIRECTORY)
    held_required = [r for r in template.required_roles if roles.get(r.lower())]
    policies = reads.policies.items
    policy = best_match(policies, template, held_required, keep=bg_ids)
    scope = _in_scope(template, roles)
    verdict = _judge_policy(template, reads, policy, policies, bg_ids, held_required, scope)
    note = locations_note(reads.named_locations) if verdict.status is Status.FAIL and policy is None else ""
    return Verdict(
        **{**verdict.__dict__, "reason": verdict.reason + note, "missing_permissions": tuple(dict.fromkeys(missing))}
    )


def locations_note(named: Read) -> str:
    """What the tenant's trusted named locations mean for a new policy: Microsoft's templates apply
    everywhere, so a trusted location is never a reason to skip MFA or a block (said, not changed)."""
    if not named.ok:
        return f" Named locations could not be read ({named.error})."
    trusted = [str(n.get("displayName") or n.get("id")) for n in named.items if n.get("isTrusted") is True]
    if not trusted:
        return ""
    return (
        f" Trusted named locations ({', '.join(trusted)}) are not excluded: Microsoft's template applies in every "
        "location."
    )


def _under_security_defaults(template: Template) -> Verdict:
    covered = template.key in ("admin-mfa", "block-legacy", "mfa-registration", "all-users-mfa")
    if covered:
        return Verdict(
            Status.PASS,
            "security defaults are on and already do what this template does (MFA registration for everyone, MFA "
            "for administrators, legacy authentication blocked); Conditional Access cannot be used beside them.",
            remediation=RemediationKind.NONE,
        )
    return Verdict(
        Status.FAIL,
        "security defaults are on: Conditional Access policies cannot be used beside them, and security defaults "
        "have no risk-based policy. Replace security defaults with Conditional Access to get this control.",
        remediation=RemediationKind.GUIDED,
        steps=SECURITY_DEFAULTS_STEPS,
    )


def _judge_policy(
    template: Template,
    reads: CaReads,
    policy: dict[str, Any] | None,
    policies: Iterable[dict[str, Any]],
    bg_ids: list[str],
    held_required: list[str],
    scope: set[str] | None,
) -> Verdict:
    skip = {b.lower() for b in bg_ids}
    first = Stage(STAGES, 0, needs="report-only results in the sign-in logs and break-glass accounts")
    if policy is None:
        near = [p for p in policies if p.get("state") != "disabled"]
        why = "; ".join(f"{p.get('displayName')!r}: {shortfall(p, template, held_required)}" for p in near[:3])
        return Verdict(
            Status.FAIL,
            f"no Conditional Access policy does what Microsoft's template '{template.display_name}' does"
            + (f" (closest: {why})" if why else "")
            + "; scorekeeper creates the template report-only"
            + (
                ", excluding the break-glass accounts."
                if bg_ids
                else "; configure break_glass before it can be enforced."
            ),
            current=None,
            desired={"state": REPORT_ONLY, "excludeUsers": sorted(bg_ids)},
            stage=first,
            impact=_create_impact(template, reads, scope, skip),
        )
    current = summary(policy)
    name, state = policy.get("displayName"), policy.get("state")
    keep = sorted({*excluded_users(policy), *bg_ids})
    missing_bg = sorted(set(bg_ids) - set(excluded_users(policy)))
    bg_words = f"; it does not exclude break-glass account(s) {', '.join(missing_bg)}" if missing_bg else ""
    if state == ENABLED:
        if missing_bg:
            return Verdict(
                Status.FAIL,
                f"policy {name!r} does what the template does and is enabled{bg_words}: scorekeeper adds them.",
                current=current,
                desired={"id": policy.get("id"), "state": ENABLED, "excludeUsers": keep},
                impact=Impact(
                    summary="excluding break-glass accounts affects nobody else", sources=("conditionalAccessPolicies",)
                ),
            )
        return Verdict(
            Status.PASS,
            f"policy {name!r} does what Microsoft's template '{template.display_name}' does, and is enabled.",
            current=current,
            desired=current,
            remediation=RemediationKind.NONE,
            stage=Stage(STAGES, 1),
        )
    if state != REPORT_ONLY or missing_bg:
        return Verdict(
            Status.FAIL,
            f"policy {name!r} does what the template does but is {state}{bg_words}; scorekeeper turns it "
            "report-only first.",
            current=current,
            desired={"id": policy.get("id"), "state": REPORT_ONLY, "excludeUsers": keep},
            stage=first,
            impact=_create_impact(template, reads, scope, skip),
        )
    found = promotion(template, reads, str(policy.get("id")), bg_ids, scope)
    stage = Stage(
        STAGES,
        0,
        next_desired={"id": policy.get("id"), "state": ENABLED, "excludeUsers": keep},
        ready=found.ready,
        needs=found.needs,
        evidence=found.evidence,
    )
    return Verdict(
        Status.STAGED,
        f"policy {name!r} does what the template does but is report-only: it enforces nothing yet. {stage.line()}.",
        current=current,
        desired={"id": policy.get("id"), "state": ENABLED, "excludeUsers": keep},
        stage=stage,
        impact=found.impact,
    )

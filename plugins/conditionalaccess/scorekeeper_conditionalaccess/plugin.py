"""What scorekeeper loads through the ``scorekeeper`` entry point ``conditionalaccess``: five controllers.

Each is :class:`scorekeeper.conditional_access.PolicyController` with its control and Microsoft's
template; MFARegistrationV2 adds its criterion (who is not MFA-capable) from the same reads.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scorekeeper import Affected, Finding, Harm, Impact, RemediationKind, Status, hookimpl
from scorekeeper.conditional_access import P1, READ_AUDIT, PolicyConfig, PolicyController, licences
from scorekeeper_conditionalaccess.controls import (
    ADMIN_MFA_CONTROL,
    BLOCK_LEGACY_CONTROL,
    MFA_REGISTRATION_CONTROL,
    SIGN_IN_RISK_CONTROL,
    USER_RISK_CONTROL,
)
from scorekeeper_conditionalaccess.templates import ADMIN_MFA, ALL_USERS_MFA, BLOCK_LEGACY, SIGN_IN_RISK, USER_RISK

if TYPE_CHECKING:
    from scorekeeper import RegisterControl, TenantContext
    from scorekeeper.conditional_access import CaReads


class AdminMfa(PolicyController):
    """``AdminMFAV2``: MFA required for the administrative roles."""

    control = ADMIN_MFA_CONTROL
    template = ADMIN_MFA


class BlockLegacy(PolicyController):
    """``BlockLegacyAuthentication``: legacy authentication blocked for all users."""

    control = BLOCK_LEGACY_CONTROL
    template = BLOCK_LEGACY


class SignInRisk(PolicyController):
    """``SigninRiskPolicy``: MFA for medium and high sign-in risk (Entra ID P2)."""

    control = SIGN_IN_RISK_CONTROL
    template = SIGN_IN_RISK


class UserRisk(PolicyController):
    """``UserRiskPolicy``: a secure password change for high user risk (Entra ID P2)."""

    control = USER_RISK_CONTROL
    template = USER_RISK


REGISTER_STEPS = (
    "1. Let the ca_policy setting's policy (MFA for all users) reach enabled: Microsoft asks a user who has no "
    "method to register one at their next sign-in.",
    "2. Meanwhile nudge them: Entra admin center → Protection → Authentication methods → Registration campaign.",
    "3. For users who cannot register alone (no phone, new starters), issue a Temporary Access Pass.",
)
BREAK_GLASS_STEP = (
    "Register a phishing-resistant method (a FIDO2 security key or passkey) for each break-glass account by hand: "
    "the policy excludes them by design, so it never asks them to register (Microsoft's emergency-access guidance)."
)


def registration_finding(reads: CaReads, policy: Finding | None = None) -> Finding:
    """MFARegistrationV2's criterion: the users the registration report says are not MFA-capable.

    ``policy`` is the ``ca_policy`` finding from the same reads: the policy requiring MFA for all
    users is how scorekeeper brings them to register, so while it is missing the criterion's
    remediation *is* that policy's write (report-only first; promotion enforces it and Microsoft
    then asks each user without a method to register at their next sign-in). Once it is enforced,
    what is left is people: users who have not signed in since, and the break-glass accounts the
    policy excludes on purpose.
    """
    base: dict[str, Any] = {
        "control": MFA_REGISTRATION_CONTROL.id,
        "setting": "mfa_registered",
        "title": MFA_REGISTRATION_CONTROL.setting("mfa_registered").title,
    }
    held = licences(reads.skus)
    if held[P1] is False:
        return Finding(
            **base,
            status=Status.NOT_APPLICABLE,
            reason="the registration report (userRegistrationDetails) needs Microsoft Entra ID P1; no enabled "
            "subscription of this tenant includes it.",
            remediation=RemediationKind.NONE,
        )
    read = reads.not_mfa_capable
    if read is None or not read.ok:
        error = read.error if read is not None else "not read"
        denied = read is not None and read.denied
        return Finding(
            **base,
            status=Status.UNKNOWN,
            reason=f"could not read the registration report ({error}).",
            remediation=RemediationKind.NONE,
            missing_permissions=(READ_AUDIT,) if denied else (),
        )
    # Members only: the report lists guests too (userType "guest"), and the project reads Microsoft's
    # score as the registered share of members (tests/simulator/test_registration_consistency.py): no formula
    # is published. A guest registers, and is counted, in their home tenant.
    members = [u for u in read.items if str(u.get("userType") or "member").lower() != "guest"]
    users = sorted(members, key=lambda u: str(u.get("userPrincipalName")))
    names = [str(u.get("userPrincipalName") or u.get("id")) for u in users]
    if not users:
        return Finding(**base, status=Status.PASS, reason="every user is MFA-capable.", current=0, desired=0)
    listed = f"{len(users)} user(s) are not MFA-capable: {', '.join(names[:5])}" + (
        f" and {len(names) - 5} more" if len(names) > 5 else ""
    )
    affected = tuple(Affected(str(u.get("id")), n, detail="not MFA-capable") for u, n in zip(users, names, strict=True))
    if policy is not None and policy.remediation is RemediationKind.AUTOMATED and policy.status is Status.FAIL:
        return Finding(
            **base,
            status=Status.FAIL,
            reason=f"{listed}. No enabled policy requires MFA for all users: scorekeeper creates Microsoft's template "
            "report-only (break-glass accounts excluded); once promoted to enabled, Microsoft asks each of them to "
            "register at their next sign-in.",
            current=len(users),
            desired=policy.desired,
            remediation=RemediationKind.AUTOMATED,
            stage=policy.stage,
            impact=Impact(
                summary=f"{len(users)} user(s) have no method MFA can use; report-only asks nobody yet",
                harm=Harm.NONE,
                affected=affected,
                sources=("userRegistrationDetails",),
            ),
        )
    if policy is not None and policy.status is Status.STAGED:
        return Finding(
            **base,
            status=Status.STAGED,
            reason=f"{listed}. The policy requiring MFA for all users is report-only: {policy.reason}",
            current=len(users),
            desired=policy.desired,
            remediation=policy.remediation,
            stage=policy.stage,
            impact=policy.impact,
            steps=policy.steps,
        )
    enforced = policy is not None and policy.status is Status.PASS
    return Finding(
        **base,
        status=Status.FAIL,
        reason=f"{listed}."
        + (
            " A policy already requires MFA for all users: each is asked to register at their next sign-in, except "
            "accounts the policy excludes (break-glass), which need a person."
            if enforced
            else " Requiring MFA for all users (ca_policy) makes them register at their next sign-in."
        ),
        current=len(users),
        desired=0,
        remediation=RemediationKind.GUIDED,
        steps=(*REGISTER_STEPS, f"4. {BREAK_GLASS_STEP}"),
        impact=Impact(
            summary=f"{len(users)} user(s) have no method MFA can use",
            harm=Harm.NONE,
            affected=affected,
            sources=("userRegistrationDetails",),
        ),
    )


class MfaRegistration(PolicyController):
    """``MFARegistrationV2``: everyone can complete MFA; the CA policy requiring MFA makes them register.

    The criterion ``mfa_registered`` is remediated by writing that policy (one write, under the
    criterion's own setting id, so it is recorded and rolled back as any other); the advice-level
    ``ca_policy`` then says its write is planned there instead of planning the same policy twice.
    """

    control = MFA_REGISTRATION_CONTROL
    template = ALL_USERS_MFA
    also_written_by = ("mfa_registered",)

    def _finding(self, reads: Any, desired: PolicyConfig) -> Finding:
        policy = super()._finding(reads, desired)
        registered = registration_finding(reads, policy)
        if registered.remediation is RemediationKind.AUTOMATED and registered.status is Status.FAIL:
            return replace(
                policy,
                remediation=RemediationKind.NONE,
                reason=f"{policy.reason} Its write is planned under mfa_registered (the criterion).",
            )
        return policy

    def extra_findings(self, tenant: TenantContext, reads: Any) -> list[Finding]:
        desired: PolicyConfig = tenant.desired
        return [registration_finding(reads, super()._finding(reads, desired))]


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    for controller in (AdminMfa(), BlockLegacy(), MfaRegistration(), SignInRisk(), UserRisk()):
        register(controller)

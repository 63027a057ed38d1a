"""What scorekeeper loads through the ``scorekeeper`` entry point ``conditionalaccess``: five controllers.

Each is :class:`scorekeeper.conditional_access.PolicyController` with its control and Microsoft's
template; MFARegistrationV2 adds its criterion (who is not MFA-capable) from the same reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper import Affected, Finding, Harm, Impact, RemediationKind, Status, hookimpl
from scorekeeper.conditional_access import P1, READ_AUDIT, PolicyController, licences
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


def registration_finding(reads: CaReads) -> Finding:
    """MFARegistrationV2's criterion: the users the registration report says are not MFA-capable."""
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
    users = sorted(read.items, key=lambda u: str(u.get("userPrincipalName")))
    names = [str(u.get("userPrincipalName") or u.get("id")) for u in users]
    if not users:
        return Finding(**base, status=Status.PASS, reason="every user is MFA-capable.", current=0, desired=0)
    return Finding(
        **base,
        status=Status.FAIL,
        reason=f"{len(users)} user(s) are not MFA-capable: {', '.join(names[:5])}"
        + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        + ". Requiring MFA for all users (ca_policy) makes them register at their next sign-in.",
        current=len(users),
        desired=0,
        remediation=RemediationKind.GUIDED,
        steps=REGISTER_STEPS,
        impact=Impact(
            summary=f"{len(users)} user(s) have no method MFA can use",
            harm=Harm.NONE,
            affected=tuple(
                Affected(str(u.get("id")), n, detail="not MFA-capable") for u, n in zip(users, names, strict=True)
            ),
            sources=("userRegistrationDetails",),
        ),
    )


class MfaRegistration(PolicyController):
    """``MFARegistrationV2``: everyone can complete MFA; the CA policy requiring MFA makes them register."""

    control = MFA_REGISTRATION_CONTROL
    template = ALL_USERS_MFA

    def extra_findings(self, tenant: TenantContext, reads: Any) -> list[Finding]:
        return [registration_finding(reads)]


@hookimpl
def scorekeeper_register_controls(register: RegisterControl) -> None:
    for controller in (AdminMfa(), BlockLegacy(), MfaRegistration(), SignInRisk(), UserRisk()):
        register(controller)

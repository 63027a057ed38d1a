"""The five controls as data: settings, levels with their baselines, and the config model.

Baseline references as their documents write them: CISA SCuBA's Entra ID baseline (MS.AAD.x, in
cisagov/ScubaGear baselines/aad.md) and the CIS Microsoft 365 Foundations Benchmark (section 5.2.2,
Conditional Access). Where CISA asks for more than Microsoft's template (block high-risk users and
sign-ins rather than challenge them; phishing-resistant MFA for privileged roles), the docs page of
the control says so; scorekeeper follows Microsoft's template.

MFARegistrationV2's ``ca_policy`` (MFA for all users) is advice, not a baseline requirement, although
CISA and CIS require it: Microsoft's control measures registration, and issue 25's rule is that a
tenant Microsoft scores full does not fail on what lies beyond the criterion. Select ``advice`` in
``[remediation] requirements`` to have it fail and be planned.
"""

from __future__ import annotations

from dataclasses import replace

from scorekeeper import HOOKSPEC_VERSION, Control, Level, Setting
from scorekeeper.conditional_access import P1, PolicyConfig, policy_setting
from scorekeeper.reads import secure_score_setting
from scorekeeper_conditionalaccess.templates import (
    ADMIN_MFA,
    ALL_USERS_MFA,
    BLOCK_LEGACY,
    SIGN_IN_RISK,
    USER_RISK,
)

SCORE_DOCS = "https://learn.microsoft.com/entra/fundamentals/identity-secure-score"
SCUBA = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"


def _control(control_id: str, title: str, *settings: Setting, licence: str = P1) -> Control:
    return Control(
        id=control_id,
        title=title,
        settings=(*settings, secure_score_setting(control_id)),
        min_licence=licence,
        config_model=PolicyConfig,
        hookspec_version=HOOKSPEC_VERSION,
    )


ADMIN_MFA_CONTROL = _control(
    "AdminMFAV2",
    "Require multifactor authentication for administrative roles",
    policy_setting(
        "ca_policy",
        "An enabled Conditional Access policy requires MFA for the administrative roles",
        ADMIN_MFA,
        baselines=("CIS M365 5.2.2.1",),
    ),
)
BLOCK_LEGACY_CONTROL = _control(
    "BlockLegacyAuthentication",
    "Enable Conditional Access policies to block legacy authentication",
    policy_setting(
        "ca_policy",
        "An enabled Conditional Access policy blocks legacy authentication for all users",
        BLOCK_LEGACY,
        baselines=("CISA MS.AAD.1.1v1", "CIS M365 5.2.2.3"),
    ),
)
MFA_REGISTRATION_CONTROL = _control(
    "MFARegistrationV2",
    "Ensure all users can complete multifactor authentication",
    replace(
        policy_setting(
            "mfa_registered",
            "Every user is MFA-capable (registered a method that MFA can use)",
            ALL_USERS_MFA,
            level_source=SCORE_DOCS,
        ),
        # remediated by enforcing registration: the all-users MFA policy, report-only first
        docs_url="https://learn.microsoft.com/graph/api/authenticationmethodsroot-list-userregistrationdetails",
    ),
    policy_setting(
        "ca_policy",
        "An enabled Conditional Access policy requires MFA for all users (so everyone registers)",
        ALL_USERS_MFA,
        level=Level.ADVICE,
        baselines=("CISA MS.AAD.3.2v1", "CIS M365 5.2.2.2"),
        level_source=SCUBA,
    ),
)
SIGN_IN_RISK_CONTROL = _control(
    "SigninRiskPolicy",
    "Turn on sign-in risk policy",
    policy_setting(
        "ca_policy",
        "An enabled Conditional Access policy requires MFA for medium and high sign-in risk",
        SIGN_IN_RISK,
        baselines=("CISA MS.AAD.2.3v1",),
    ),
    licence=SIGN_IN_RISK.licence,
)
USER_RISK_CONTROL = _control(
    "UserRiskPolicy",
    "Turn on user risk policy",
    policy_setting(
        "ca_policy",
        "An enabled Conditional Access policy requires a secure password change for high user risk",
        USER_RISK,
        baselines=("CISA MS.AAD.2.1v1",),
    ),
    licence=USER_RISK.licence,
)

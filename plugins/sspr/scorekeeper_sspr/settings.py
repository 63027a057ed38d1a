"""The catalogue: every setting of the ``SelfServicePasswordReset`` control, as data.

One :class:`~scorekeeper.Setting` per row of the SSPR settings table, with where it is read and
written and the least-privileged permission for each. ``scorekeeper permissions`` prints these,
the simulator enforces them and the docs describe them, so they must stay exact.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scorekeeper import Control, Level, PlatformChange, RemediationKind, Setting, WhenConfigured
from scorekeeper.reads import secure_score_setting

CONTROL_ID = "SelfServicePasswordReset"
P1 = "Microsoft Entra ID P1"
#: concept-sspr-licensing: cloud-only password reset comes with Entra ID P1/P2 and with Microsoft 365
#: Business Standard or Business Premium (Entra ID Free has password change, not reset).
SSPR_LICENCE = "Microsoft 365 Business Standard or Premium, or Microsoft Entra ID P1"
INTUNE = "Microsoft Intune"
PORTAL = "https://main.iam.ad.ext.azure.com/api/"
PORTAL_POLICY = "PasswordReset/PasswordResetPolicies"
ONPREM_POLICY = "PasswordReset/OnPremisesPasswordResetPolicies"
#: The role Microsoft's SSPR tutorial names for the admin who configures password reset.
PORTAL_ROLES = ("Authentication Policy Administrator",)
PORTAL_NOTE = (
    "The portal API (main.iam.ad.ext.azure.com) is undocumented; its field names come from public scripts, "
    "and the least role that it accepts is assumed to be the one the portal blade needs."
)
LEARN = "https://learn.microsoft.com"

_AUTOMATED = RemediationKind.AUTOMATED
_GUIDED = RemediationKind.GUIDED
_NONE = RemediationKind.NONE


def _portal(setting_id: str, title: str, fields: str, docs: str, **extra: object) -> Setting:
    """A setting that only the portal's password-reset policy holds."""
    return Setting(
        id=setting_id,
        title=title,
        remediation=_AUTOMATED,
        read_api=f"portal GET {PORTAL_POLICY} ({fields})",
        write_api=f"portal PUT {PORTAL_POLICY} (whole object, read-modify-write)",
        directory_roles=PORTAL_ROLES,
        apis=("portal",),
        docs_url=docs,
        licence=str(extra.pop("licence", SSPR_LICENCE)),
        unverified=str(extra.pop("unverified", PORTAL_NOTE)),
        **extra,  # type: ignore[arg-type]
    )


HOWITWORKS = f"{LEARN}/entra/identity/authentication/concept-sspr-howitworks"
TUTORIAL = f"{LEARN}/entra/identity/authentication/tutorial-enable-sspr"
WRITEBACK = f"{LEARN}/entra/identity/authentication/tutorial-enable-sspr-writeback"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        id="license",
        title="Licence that includes self-service password reset",
        remediation=_GUIDED,
        read_api="Graph GET /subscribedSkus (servicePlans AAD_PREMIUM / AAD_PREMIUM_P2, capabilityStatus Enabled)",
        read_permissions=("Organization.Read.All",),
        docs_url=f"{LEARN}/entra/identity/authentication/concept-sspr-licensing",
    ),
    Setting(
        id="hybrid",
        title="Directory synchronisation (decides whether on-premises rows apply)",
        remediation=_NONE,
        read_api="Graph GET /organization?$select=onPremisesSyncEnabled,onPremisesLastSyncDateTime",
        read_permissions=("Organization.Read.All",),
        docs_url=f"{LEARN}/graph/api/resources/organization",
    ),
    _portal(
        "enablement",
        "Self-service password reset enabled (None / Selected / All)",
        "enablementType, passwordResetEnabledGroupIds, passwordResetEnabledGroupName",
        TUTORIAL,
        write_permissions=("GroupMember.Read.All",),  # only to resolve a configured group name to its id
    ),
    _portal(
        "methods_available",
        "Methods available to users",
        "*OptionEnabled and *OptionAllowed",
        f"{LEARN}/entra/identity/authentication/concept-sspr-howitworks#authentication-methods",
        unverified=PORTAL_NOTE + " That the *OptionAllowed flags may be written is assumed.",
    ),
    _portal(
        "methods_required",
        "Number of methods required to reset",
        "numberOfAuthenticationMethodsRequired",
        f"{LEARN}/entra/identity/authentication/concept-sspr-howitworks#authentication-methods",
        depends_on=("methods_available",),
    ),
    _portal(
        "security_questions",
        "Security questions to register and to reset",
        "numberOfQuestionsToRegister, numberOfQuestionsToReset",
        f"{LEARN}/entra/identity/authentication/concept-authentication-security-questions",
        depends_on=("methods_available",),
    ),
    Setting(
        id="method_configurations",
        title="Authentication methods policy: the methods SSPR offers are enabled",
        remediation=_AUTOMATED,
        read_api="Graph GET /policies/authenticationMethodsPolicy (authenticationMethodConfigurations)",
        write_api="Graph PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
        read_permissions=("Policy.Read.AuthenticationMethod",),
        write_permissions=("Policy.ReadWrite.AuthenticationMethod",),
        depends_on=("methods_available",),
        docs_url=f"{LEARN}/graph/api/resources/authenticationmethodspolicies-overview",
    ),
    Setting(
        id="passkeys",
        title="Passkeys (FIDO2) enabled for users, with self-service registration",
        remediation=_AUTOMATED,
        read_api="Graph GET /policies/authenticationMethodsPolicy (authenticationMethodConfigurations/Fido2)",
        write_api="Graph PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
        read_permissions=("Policy.Read.AuthenticationMethod",),
        write_permissions=("Policy.ReadWrite.AuthenticationMethod",),
        docs_url=f"{LEARN}/entra/identity/authentication/how-to-enable-passkey-fido2",
    ),
    Setting(
        id="phone_retirement",
        title="Users keep an SSPR method when Microsoft-provided SMS and voice retire (2027-02-01)",
        remediation=_GUIDED,
        read_api="Graph GET /reports/authenticationMethods/userRegistrationDetails (methodsRegistered)",
        read_permissions=("AuditLog.Read.All",),
        licence=P1,  # "A Microsoft Entra ID P1 or P2 license is required to access usage and insights"
        depends_on=("passkeys",),
        docs_url=f"{LEARN}/entra/identity/authentication/concept-sms-voice-retirement",
    ),
    Setting(
        id="methods_policy_migration",
        title="Authentication methods are managed by the Authentication methods policy",
        remediation=_AUTOMATED,
        read_api="Graph GET /policies/authenticationMethodsPolicy (policyMigrationState)",
        write_api="Graph beta PATCH /policies/authenticationMethodsPolicy (policyMigrationState)",
        read_permissions=("Policy.Read.AuthenticationMethod",),
        write_permissions=("Policy.ReadWrite.AuthenticationMethod",),
        depends_on=("method_configurations",),
        docs_url=f"{LEARN}/entra/identity/authentication/how-to-authentication-methods-manage",
        unverified="Writing policyMigrationState through Graph beta is not documented by Microsoft.",
    ),
    Setting(
        id="combined_registration",
        title="Combined security information registration (MFA and SSPR)",
        remediation=_NONE,
        read_api="none: Microsoft enabled it for every tenant in October 2022",
        docs_url=f"{LEARN}/entra/identity/authentication/concept-registration-mfa-sspr-combined",
    ),
    _portal(
        "registration_required",
        "Require users to register when signing in",
        "registrationRequiredOnSignIn, skipRegistrationAllowed, skipRegistrationMaxAllowedDays",
        f"{HOWITWORKS}#registration",
        depends_on=("enablement",),
    ),
    _portal(
        "reconfirm_days",
        "Days before users are asked to re-confirm their authentication information",
        "registrationReconfirmIntevalInDays",
        f"{HOWITWORKS}#number-of-days-before-users-are-asked-to-reconfirm-their-authentication-information",
        unverified=PORTAL_NOTE
        + " Graph's undocumented authenticationMethodsPolicy.reconfirmationInDays may be the same value.",
    ),
    _portal(
        "notify_users", "Notify users on password resets", "notifyUsersOnPasswordReset", f"{HOWITWORKS}#notifications"
    ),
    _portal(
        "notify_admins",
        "Notify all admins when other admins reset their password",
        "notifyOnAdminPasswordReset",
        f"{HOWITWORKS}#notifications",
    ),
    _portal(
        "helpdesk_link",
        "Customise the helpdesk link",
        "customizeHelpdeskLink, customHelpdeskEmailOrUrl",
        f"{HOWITWORKS}#customize-helpdesk-link",
    ),
    Setting(
        id="password_writeback",
        title="Write back passwords to the on-premises directory",
        remediation=_AUTOMATED,
        read_api=f"portal GET {ONPREM_POLICY} (passwordWritebackSupported)",
        write_api=f"portal PUT {ONPREM_POLICY} {{passwordWriteBackSupported}}, plus the Entra Connect wizard",
        directory_roles=PORTAL_ROLES,
        apis=("portal",),
        licence=P1,
        hybrid_only=True,
        docs_url=WRITEBACK,
        unverified=PORTAL_NOTE + " The body's capital B (passwordWriteBackSupported) comes from working scripts.",
    ),
    Setting(
        id="account_unlock",
        title="Allow users to unlock accounts without resetting their password",
        remediation=_AUTOMATED,
        read_api=f"portal GET {ONPREM_POLICY} (accountUnlockEnabled)",
        write_api=f"portal PUT {ONPREM_POLICY} {{accountUnlockEnabled}}",
        directory_roles=PORTAL_ROLES,
        apis=("portal",),
        licence=P1,
        hybrid_only=True,
        depends_on=("password_writeback",),
        docs_url=WRITEBACK,
        unverified=PORTAL_NOTE,
    ),
    Setting(
        id="connect_account_permissions",
        title="Entra Connect AD DS account may reset and unlock passwords",
        remediation=_GUIDED,
        read_api="none: rights on the on-premises domain root (dsacls)",
        hybrid_only=True,
        depends_on=("password_writeback",),
        docs_url=f"{WRITEBACK}#configure-account-permissions-for-microsoft-entra-connect",
    ),
    Setting(
        id="admin_sspr",
        title="Self-service password reset for administrators",
        remediation=_AUTOMATED,
        read_api="Graph GET /policies/authorizationPolicy (allowedToUseSSPR)",
        write_api="Graph PATCH /policies/authorizationPolicy",
        read_permissions=("Policy.Read.All",),
        write_permissions=("Policy.ReadWrite.Authorization",),
        docs_url=f"{LEARN}/entra/identity/authentication/concept-sspr-policy#administrator-reset-policy-differences",
    ),
    Setting(
        id="admins_excluded",
        title="Administrators are outside the user SSPR policy when SSPR for administrators is off",
        remediation=_GUIDED,
        # isSsprEnabled is no use here: for an administrator it follows the administrator policy. The user
        # policy's scope (enablement, the Selected group's transitive members) says whom it covers.
        read_api="Graph GET /reports/authenticationMethods/userRegistrationDetails (isAdmin); "
        f"portal GET {PORTAL_POLICY} (enablementType, passwordResetEnabledGroupIds); "
        "Graph GET /groups/{id}/transitiveMembers when a group is selected",
        read_permissions=("AuditLog.Read.All",),
        directory_roles=PORTAL_ROLES,
        licence=P1,
        depends_on=("admin_sspr",),
        docs_url=f"{LEARN}/entra/identity/authentication/concept-sspr-policy#administrator-reset-policy-differences",
        unverified="The advice to exclude administrators from the user policy is from a 2025 revision of Microsoft's "
        "SSPR policy page, not found in the revision read; administrators are taken to be the users the "
        "registration report marks isAdmin (any admin role), assumed to match the roles the administrator "
        "policy governs.",
    ),
    Setting(
        id="windows_sign_in_reset",
        title="Reset password from the Windows sign-in screen",
        remediation=_AUTOMATED,
        # The registry/GPO method (howto-sspr-windows) is done on the devices, where no API reads it.
        attestable=True,
        read_api="Graph GET /deviceManagement/deviceConfigurations?$expand=assignments "
        "(windows10CustomConfiguration with AllowAadPasswordReset = 1)",
        write_api="Graph POST /deviceManagement/deviceConfigurations, then POST …/{id}/assign",
        read_permissions=("DeviceManagementConfiguration.Read.All",),
        # Written only to a configured pilot group first (howto-sspr-windows), so only then needed.
        when_configured=(
            WhenConfigured(
                "windows_sign_in_group",
                write_permissions=("DeviceManagementConfiguration.ReadWrite.All",),
                why="to create and assign the Intune profile, to the pilot device group first",
            ),
        ),
        docs_url=f"{LEARN}/entra/identity/authentication/howto-sspr-windows",
        unverified="Reading assignments with $expand=assignments on the list is assumed (Intune's docs show "
        "GET …/{id}/assignments per configuration).",
    ),
    Setting(
        id="registration_ca_policy",
        title="Conditional Access protects security information registration",
        remediation=_AUTOMATED,
        read_api="Graph GET /identity/conditionalAccess/policies (includeUserActions urn:user:registersecurityinfo)",
        write_api="Graph POST /identity/conditionalAccess/policies (PATCH state when it exists)",
        read_permissions=("Policy.Read.All",),
        # Microsoft requires Policy.Read.All beside Policy.ReadWrite.ConditionalAccess to write.
        write_permissions=("Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"),
        # Break-glass accounts named by UPN are resolved to object ids (GET /users/{upn}) before writing.
        when_configured=(
            WhenConfigured(
                "break_glass",
                write_permissions=("User.Read.All",),
                why="to resolve break-glass UPNs to object ids for the policy's exclusions",
            ),
        ),
        licence=P1,
        docs_url=f"{LEARN}/entra/identity/conditional-access/policy-all-users-security-info-registration",
    ),
    Setting(
        id="mfa_registration_campaign",
        title="Registration campaign (nudge) for passkeys or Microsoft Authenticator",
        remediation=_AUTOMATED,
        read_api="Graph GET /policies/authenticationMethodsPolicy (registrationEnforcement)",
        write_api="Graph PATCH /policies/authenticationMethodsPolicy (registrationEnforcement)",
        read_permissions=("Policy.Read.AuthenticationMethod",),
        write_permissions=("Policy.ReadWrite.AuthenticationMethod",),
        depends_on=("method_configurations", "passkeys"),
        docs_url=f"{LEARN}/entra/identity/authentication/how-to-mfa-registration-campaign",
    ),
    Setting(
        id="password_protection",
        title="Password protection: custom banned passwords",
        remediation=_AUTOMATED,
        read_api="Graph GET /groupSettings (template 5cf42378-d67d-4f36-ba46-e8b86229381d)",
        write_api="Graph POST /groupSettings when none exists, else PATCH /groupSettings/{id}",
        read_permissions=("Directory.Read.All",),
        write_permissions=("Directory.ReadWrite.All",),
        licence=P1,
        docs_url=f"{LEARN}/entra/identity/authentication/concept-password-ban-bad",
        unverified="Microsoft's Graph pages do not list the BannedPasswordCheckOnPremisesMode values; Audit and "
        "Enforce are the spellings community tools read from real tenants.",
    ),
    secure_score_setting("SelfServicePasswordReset", title="Secure Score of the control"),
)

SCORE_PAGE = f"{LEARN}/entra/identity/authentication/tutorial-enable-sspr"
SCUBA_AAD = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"
CIS_M365 = "https://www.cisecurity.org/benchmark/microsoft_365"
DEPLOY = f"{LEARN}/entra/identity/authentication/concept-sspr-deploy"
_C, _B, _A = Level.CRITERION, Level.BASELINE, Level.ADVICE

#: setting id → (level, baseline references, the page the level follows). Criterion: what the Secure
#: Score control "Enable self-service password reset" measures (SSPR enabled, with the licence that
#: allows it, and the score itself). Baseline: a named baseline requires it. Everything else is
#: Microsoft's deployment advice and never fails a tenant unless ``advice`` is selected.
LEVELS: dict[str, tuple[Level, tuple[str, ...], str]] = {
    "license": (_C, (), f"{LEARN}/entra/identity/authentication/concept-sspr-licensing"),
    "hybrid": (_C, (), f"{LEARN}/graph/api/resources/organization"),
    "enablement": (_C, ("CIS M365 5.2.4.1",), SCORE_PAGE),
    "secure_score": (_C, (), f"{LEARN}/graph/api/resources/securescorecontrolprofile"),
    "methods_policy_migration": (_B, ("CISA MS.AAD.3.4v1",), SCUBA_AAD),
    "password_protection": (_B, ("CIS M365 5.2.3.2",), CIS_M365),
    "method_configurations": (_A, ("CISA MS.AAD.3.5v2", "CIS M365 5.2.3.7"), SCUBA_AAD),
    "methods_available": (_A, (), HOWITWORKS),
    "methods_required": (_A, (), HOWITWORKS),
    "security_questions": (_A, (), f"{LEARN}/entra/identity/authentication/concept-authentication-security-questions"),
    "registration_required": (_A, (), f"{HOWITWORKS}#registration"),
    "reconfirm_days": (_A, (), HOWITWORKS),
    "notify_users": (_A, (), f"{HOWITWORKS}#notifications"),
    "notify_admins": (_A, (), f"{HOWITWORKS}#notifications"),
    "helpdesk_link": (_A, (), f"{HOWITWORKS}#customize-helpdesk-link"),
    "password_writeback": (_A, (), WRITEBACK),
    "account_unlock": (_A, (), WRITEBACK),
    "connect_account_permissions": (_A, (), WRITEBACK),
    "passkeys": (_A, (), f"{LEARN}/entra/identity/authentication/how-to-enable-passkey-fido2"),
    "phone_retirement": (_A, (), f"{LEARN}/entra/identity/authentication/concept-sms-voice-retirement"),
    "combined_registration": (_A, (), f"{LEARN}/entra/identity/authentication/concept-registration-mfa-sspr-combined"),
    "admin_sspr": (_A, ("EIDSCA AP01",), f"{LEARN}/entra/identity/authentication/concept-sspr-policy"),
    "admins_excluded": (_A, (), f"{LEARN}/entra/identity/authentication/concept-sspr-policy"),
    "windows_sign_in_reset": (_A, (), f"{LEARN}/entra/identity/authentication/howto-sspr-windows"),
    "registration_ca_policy": (
        _A,
        (),
        f"{LEARN}/entra/identity/conditional-access/policy-all-users-security-info-registration",
    ),
    "mfa_registration_campaign": (_A, (), f"{LEARN}/entra/identity/authentication/how-to-mfa-registration-campaign"),
}
SETTINGS = tuple(
    replace(s, level=LEVELS[s.id][0], baselines=LEVELS[s.id][1], level_source=LEVELS[s.id][2]) for s in SETTINGS
)
SETTINGS_BY_ID = {s.id: s for s in SETTINGS}

RETIREMENT = f"{LEARN}/entra/identity/authentication/concept-sms-voice-retirement"
#: Microsoft's id-less announcement, named here so findings can point at it.
PHONE_RETIREMENT = "sms-voice-retirement-2027"

#: Dated platform changes that can affect this control's settings (docs: "Platform changes").
PLATFORM_CHANGES: tuple[PlatformChange, ...] = (
    PlatformChange(
        id=PHONE_RETIREMENT,
        on=date(2027, 2, 1),
        title="Microsoft-provided SMS and voice retire across Microsoft Entra, SSPR included (no opt-out)",
        settings=("methods_available", "method_configurations", "phone_retirement"),
        action="Move users to passkeys or Microsoft Authenticator; users whose only method is a phone get a "
        "blocking passkey registration, and SSPR stops offering mobile and office phone.",
        source=RETIREMENT,
    ),
)

#: Settings held in the portal's PasswordResetPolicies object (one PUT can write them all).
PORTAL_POLICY_SETTINGS = frozenset(
    s.id for s in SETTINGS if s.apis == ("portal",) and PORTAL_POLICY in s.read_api and ONPREM_POLICY not in s.read_api
)
ONPREM_SETTINGS = frozenset({"password_writeback", "account_unlock"})


def build_control(config_model: type) -> Control:
    """The control as the plugin declares it."""
    return Control(
        id=CONTROL_ID,
        title="Enable self-service password reset",
        settings=SETTINGS,
        min_licence=SSPR_LICENCE,
        apis=("graph", "portal"),
        auth_flows=("app-only", "delegated (portal)"),
        config_model=config_model,
        platform_changes=PLATFORM_CHANGES,
    )

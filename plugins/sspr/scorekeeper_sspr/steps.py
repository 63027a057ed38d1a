"""Instructions a person follows: portal click paths, on-premises commands, files to deploy.

They are shown for guided settings and for portal settings that could not be read or written
without a portal sign-in, so an admin can always finish the job by hand.
"""

from __future__ import annotations

ADMIN_CENTER = (
    "Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as at least an "
    "Authentication Policy Administrator."
)
PASSWORD_RESET = "Go to Entra ID > Password reset (older menus: Protection > Password reset)."

_PORTAL: dict[str, tuple[str, ...]] = {
    "enablement": (
        "Open Properties.",
        "Set 'Self service password reset enabled' to All (or Selected, and pick the one group).",
        "Select Save.",
    ),
    "methods_required": ("Open Authentication methods.", "Set 'Number of methods required to reset'.", "Save."),
    "methods_available": (
        "Open Authentication methods.",
        "Under 'Methods available to users' tick Mobile app notification, Mobile app code, Email and Security "
        "questions (with two methods required, Microsoft does not allow the Authenticator app plus only one other "
        "method). Mobile and office phone stop working on 2027-02-01 when Microsoft retires its SMS and voice.",
        "Save.",
    ),
    "security_questions": (
        "Open Authentication methods.",
        "Select 'Security questions', choose at least as many questions as users must register (predefined or "
        "custom), then set 'Number of questions required to register' (5) and 'Number of questions required to "
        "reset' (3).",
        "Save.",
    ),
    "registration_required": (
        "Open Registration.",
        "Set 'Require users to register when signing in?' to Yes.",
        "Save.",
    ),
    "reconfirm_days": (
        "Open Registration.",
        "Set 'Number of days before users are asked to re-confirm their authentication information' (0 = never).",
        "Save.",
    ),
    "notify_users": ("Open Notifications.", "Set 'Notify users on password resets?' to Yes.", "Save."),
    "notify_admins": (
        "Open Notifications.",
        "Set 'Notify all admins when other admins reset their password?' to Yes.",
        "Save.",
    ),
    "helpdesk_link": (
        "Open Customization.",
        "Set 'Customize helpdesk link' to Yes and enter the helpdesk email address or URL.",
        "Save.",
    ),
    "password_writeback": (
        "The On-premises integration blade needs Global Administrator (tutorial-enable-sspr-writeback) or at least "
        "Hybrid Identity Administrator (tutorial-enable-cloud-sync-sspr-writeback), not Authentication Policy "
        "Administrator.",
        "Open On-premises integration.",
        "Set 'Enable password write back for synced users' to Yes.",
        "Save.",
        "With Microsoft Entra Cloud Sync instead of Connect: turn on password writeback in the cloud sync "
        "configuration as well (it has its own switch).",
        "On-premises, the minimum password age must be 0 for users who reset.",
    ),
    "account_unlock": (
        "Open On-premises integration.",
        "Set 'Allow users to unlock accounts without resetting their password' to Yes.",
        "Save.",
    ),
}

CONNECT_WIZARD: tuple[str, ...] = (
    "On the Microsoft Entra Connect server, start the Microsoft Entra Connect wizard and choose Configure.",
    "Choose 'Customize synchronization options', sign in, and continue to 'Optional features'.",
    "Tick 'Password writeback', then Next and Configure.",
)

LICENCE: tuple[str, ...] = (
    "Buy or assign a licence that includes Microsoft Entra ID P1 (for example Entra ID P1/P2, Microsoft 365 "
    "Business Premium, E3 or E5): Microsoft 365 admin center > Billing > Purchase services.",
    "Assign it to the users who will reset their password: Entra ID > Users > (user) > Licenses.",
)

PHONE_READINESS: tuple[str, ...] = (
    "Find the users whose only registered methods are phone numbers: Entra ID > Authentication methods > "
    "Activity > Registration (or GET /reports/authenticationMethods/userRegistrationDetails, "
    "methodsRegistered).",
    "Enable passkeys (FIDO2) for them (the passkeys row) and run a passkey registration campaign, or ask them to "
    "register Microsoft Authenticator at https://aka.ms/mysecurityinfo.",
    "Where a regulation needs SMS or voice after 2027-02-01, contract a telecom provider through the Microsoft "
    "Security Store before then.",
)

PASSKEY_STEPS: tuple[str, ...] = (
    ADMIN_CENTER,
    "Go to Entra ID > Authentication methods > Policies > Passkey (FIDO2).",
    "On Enable and target set Enable to On and target All users (or your passkey group); on Configure set "
    "'Allow self-service set up' to Yes (a passkey registration campaign needs it). Save.",
)

ADMIN_EXCLUSION: tuple[str, ...] = (
    ADMIN_CENTER,
    PASSWORD_RESET,
    "Open Properties and set 'Self service password reset enabled' to Selected, choosing a group of the users "
    "who should reset (a group without administrators), then Save.",
    "Or allow SSPR for administrators again (admin_sspr = true): they then use Microsoft's fixed two-gate policy.",
    "Then re-run scorekeeper assess; administrators leave the user policy within about an hour.",
)

WINDOWS_FALLBACK: tuple[str, ...] = (
    "Without Intune, set the registry value on each Windows 10/11 device (or through a GPO preference):",
    "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\AzureADAccount]\n"
    '"AllowPasswordReset"=dword:00000001',
    "With Intune: Devices > Configuration > Create > Windows 10 and later > Templates > Custom, add the OMA-URI "
    "./Device/Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset (Integer) = 1, and assign it.",
)


#: The helpdesk link's first steps when the configuration names none: scorekeeper writes it once told.
HELPDESK_CONFIG: tuple[str, ...] = (
    'Add to the configuration: [controls.SelfServicePasswordReset] helpdesk = "<email or https URL>"',
    "Then run: scorekeeper remediate (it sets the link and verifies it).",
    "Or set it in the portal:",
)


def portal_steps(setting_id: str) -> tuple[str, ...]:
    """The portal click path for a portal-held setting."""
    return (ADMIN_CENTER, PASSWORD_RESET, *_PORTAL.get(setting_id, ()))


def dsacls_commands(domain_dn: str | None, account: str | None) -> tuple[str, ...]:
    """The rights the Entra Connect AD DS connector account needs on each domain root, as commands.

    Placeholders stay in the text when the config does not name the domain or the account.
    """
    dn = domain_dn or "<DOMAIN_DN>"
    who = account or "<CONNECT_ACCOUNT>"
    return (
        f'dsacls "{dn}" /I:S /G "{who}:CA;Reset Password;user"',
        f'dsacls "{dn}" /I:S /G "{who}:CA;Change Password;user"',
        f'dsacls "{dn}" /I:S /G "{who}:WP;lockoutTime;user"',
        f'dsacls "{dn}" /I:S /G "{who}:WP;pwdLastSet;user"',
        f'dsacls "{dn}" /G "{who}:CA;Unexpire Password"',
    )


def connect_account_steps(domain_dn: str | None, account: str | None) -> tuple[str, ...]:
    return (
        "Find the AD DS connector account: Entra Connect wizard > View current configuration (or Synchronization "
        "Service > Connectors > the AD connector's properties).",
        "On a domain controller, as a Domain Admin, grant it these rights on the root of every synchronised domain "
        "(or run Set-ADSyncPasswordWritebackPermissions from the ADSyncConfig module):",
        *dsacls_commands(domain_dn, account),
        "Then record it: scorekeeper attest --tenant <NAME> --control SelfServicePasswordReset "
        '--setting connect_account_permissions --by <YOU> --note "<what was granted>".',
    )

"""Microsoft's Conditional Access templates behind each control, as data.

Sources (Microsoft Learn, entra/identity/conditional-access): howto-conditional-access-policy-admin-mfa,
howto-conditional-access-policy-all-users-mfa, howto-conditional-access-policy-block-legacy,
howto-conditional-access-policy-risk, howto-conditional-access-policy-risk-user. Role template ids
as Microsoft's built-in roles reference lists them (the same 14 the admin template selects).
"""

from __future__ import annotations

from scorekeeper.conditional_access import LEGACY_CLIENTS, P2, Template

LEARN = "https://learn.microsoft.com/entra/identity/conditional-access"

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
SECURITY_ADMINISTRATOR = "194ae4cb-b126-40b2-bd5b-6091b380977d"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
SHAREPOINT_ADMINISTRATOR = "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"

#: "Require multifactor authentication for admins": the built-in roles the template selects.
ADMIN_ROLES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
    EXCHANGE_ADMINISTRATOR: "Exchange Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    SECURITY_ADMINISTRATOR: "Security Administrator",
    SHAREPOINT_ADMINISTRATOR: "SharePoint Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}
#: What Secure Score's AdminMFAV2 tracks ("the MFA usage of Global administrator, Security
#: administrator, Exchange administrator, and SharePoint administrator": Microsoft's page
#: how-to-authentication-find-coverage-gaps). A policy must cover those of them someone holds.
SCORED_ROLES = (GLOBAL_ADMINISTRATOR, SECURITY_ADMINISTRATOR, EXCHANGE_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR)

ADMIN_MFA = Template(
    key="admin-mfa",
    display_name="Require multifactor authentication for admins",
    docs_url=f"{LEARN}/howto-conditional-access-policy-admin-mfa",
    include_roles=tuple(ADMIN_ROLES),
    required_roles=SCORED_ROLES,
)
ALL_USERS_MFA = Template(
    key="all-users-mfa",
    display_name="Require multifactor authentication for all users",
    docs_url=f"{LEARN}/howto-conditional-access-policy-all-users-mfa",
)
BLOCK_LEGACY = Template(
    key="block-legacy",
    display_name="Block legacy authentication",
    docs_url=f"{LEARN}/howto-conditional-access-policy-block-legacy",
    client_app_types=LEGACY_CLIENTS,
    grant=("block",),
    enforces="block",
)
SIGN_IN_RISK = Template(
    key="signin-risk",
    display_name="Require multifactor authentication for risky sign-ins",
    docs_url=f"{LEARN}/howto-conditional-access-policy-risk",
    sign_in_risk_levels=("high", "medium"),
    every_time=True,
    licence=P2,
)
USER_RISK = Template(
    key="user-risk",
    display_name="Require password change for high-risk users",
    docs_url=f"{LEARN}/howto-conditional-access-policy-risk-user",
    user_risk_levels=("high",),
    grant=("mfa", "passwordChange"),
    operator="AND",
    every_time=True,
    licence=P2,
)

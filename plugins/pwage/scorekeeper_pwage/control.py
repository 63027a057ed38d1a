"""What the control is: its settings, permissions and desired values, as data."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, RemediationKind, Setting

CONTROL_ID = "PWAgePolicyNew"
#: The value Microsoft documents for "passwords never expire" on a domain.
NEVER_EXPIRE = 2147483647
#: What Entra applies when ``passwordValidityPeriodInDays`` is not set on a domain.
DEFAULT_VALIDITY_DAYS = 90
DOCS = "https://learn.microsoft.com/microsoft-365/admin/manage/set-password-expiration-policy"


class PasswordAgeConfig(BaseModel):
    """``[controls.PWAgePolicyNew]``: which domains to leave alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exclude_domains: tuple[str, ...] = Field(
        (), description="Verified domains whose expiry policy must stay as it is (compliance, for example)."
    )


SETTINGS = (
    Setting(
        id="password_expiry",
        title="Passwords of every verified, managed domain never expire",
        remediation=RemediationKind.AUTOMATED,
        read_api="Graph GET /domains (isVerified, authenticationType, passwordValidityPeriodInDays)",
        write_api=f"Graph PATCH /domains/{{id}} passwordValidityPeriodInDays = {NEVER_EXPIRE}",
        read_permissions=("Domain.Read.All",),
        write_permissions=("Domain.ReadWrite.All",),
        docs_url=DOCS,
    ),
    Setting(
        id="secure_score",
        title="The control's Secure Score",
        remediation=RemediationKind.NONE,
        read_api="Graph GET /security/secureScores?$top=1, GET /security/secureScoreControlProfiles/PWAgePolicyNew",
        read_permissions=("SecurityEvents.Read.All",),
        docs_url="https://learn.microsoft.com/defender-xdr/microsoft-secure-score",
    ),
)

CONTROL = Control(
    id=CONTROL_ID,
    title="Do not expire passwords",
    settings=SETTINGS,
    apis=("graph",),
    auth_flows=("app-only", "delegated"),
    config_model=PasswordAgeConfig,
)

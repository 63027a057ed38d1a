"""What the control is: its settings, permissions and desired values, as data."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, RemediationKind, Setting
from scorekeeper.reads import secure_score_setting

CONTROL_ID = "PWAgePolicyNew"
#: "Passwords never expire" on a domain: Int32 max. Microsoft's reference pages do not name the number; it is
#: what ``Update-MgDomain -PasswordValidityPeriodInDays`` is given for "never" in the CIS Microsoft 365
#: benchmark and in the public assessment tools (Maester, ScubaGear), and what tenants set that way read back.
NEVER_EXPIRE = 2147483647
#: What the Graph ``domain`` reference says applies when ``passwordValidityPeriodInDays`` is not set.
#: (Entra's password policy page adds that tenants created since 2021 do not expire by default.)
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
        title="Passwords of every verified, managed root domain never expire",
        remediation=RemediationKind.AUTOMATED,
        read_api="Graph GET /domains (isVerified, isRoot, authenticationType, passwordValidityPeriodInDays)",
        write_api=f"Graph PATCH /domains/{{id}} passwordValidityPeriodInDays = {NEVER_EXPIRE}",
        read_permissions=("Domain.Read.All",),
        write_permissions=("Domain.ReadWrite.All",),
        directory_roles=(
            "Domain Name Administrator",
            "Security Administrator",
            "External Identity Provider Administrator",
        ),
        docs_url=DOCS,
        unverified=(
            "Rolling back a domain that had no value PATCHes passwordValidityPeriodInDays to null; Microsoft does "
            "not document that Graph accepts null there."
        ),
    ),
    secure_score_setting(CONTROL_ID),
)

CONTROL = Control(
    id=CONTROL_ID,
    title="Do not expire passwords",
    settings=SETTINGS,
    apis=("graph",),
    auth_flows=("app-only", "delegated"),
    config_model=PasswordAgeConfig,
)

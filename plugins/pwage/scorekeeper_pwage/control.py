"""What the control is: its settings, permissions, levels and desired values, as data.

An unset ``passwordValidityPeriodInDays`` is judged as Microsoft's Entra password policy page
(``concept-sspr-policy.md``) documents it: "Default value: No expiration. If the tenant was created
before 2021, it has a 90 day expiration value by default." The Graph ``domain`` reference still
says an unset value means 90 days; the tenant's ``createdDateTime`` (``GET /organization``) decides
which applies, and when it cannot be read the older, stricter reading (90 days) is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import Control, Level, RemediationKind, Setting
from scorekeeper.reads import secure_score_setting

CONTROL_ID = "PWAgePolicyNew"
#: "Passwords never expire" on a domain: Int32 max. Microsoft's reference pages do not name the number; it is
#: what ``Update-MgDomain -PasswordValidityPeriodInDays`` is given for "never" in the CIS Microsoft 365
#: benchmark and in the public assessment tools (Maester, ScubaGear), and what tenants set that way read back.
NEVER_EXPIRE = 2147483647
#: What applies when ``passwordValidityPeriodInDays`` is not set on a tenant created before 2021 (Entra's
#: password policy page), and what the Graph ``domain`` reference says for every tenant.
DEFAULT_VALIDITY_DAYS = 90
#: Tenants created from this moment on do not expire passwords by default (Entra: "created before 2021").
NO_EXPIRY_DEFAULT_SINCE = datetime(2021, 1, 1, tzinfo=UTC)
DOCS = "https://learn.microsoft.com/microsoft-365/admin/manage/set-password-expiration-policy"
ENTRA_POLICY = "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy"


class PasswordAgeConfig(BaseModel):
    """``[controls.PWAgePolicyNew]``: which domains to leave alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exclude_domains: tuple[str, ...] = Field(
        default=(),
        description="Verified domains whose expiry policy must stay as it is (compliance, for example).",
    )


SETTINGS = (
    Setting(
        id="password_expiry",
        title="Passwords of every verified, managed root domain never expire",
        remediation=RemediationKind.AUTOMATED,
        read_api=(
            "Graph GET /domains (isVerified, isRoot, authenticationType, passwordValidityPeriodInDays); "
            "GET /organization (createdDateTime: what an unset value means)"
        ),
        write_api=f"Graph PATCH /domains/{{id}} passwordValidityPeriodInDays = {NEVER_EXPIRE}",
        read_permissions=("Domain.Read.All", "Organization.Read.All"),
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
        level=Level.CRITERION,
        baselines=("CISA MS.AAD.6.1v1", "CIS M365 1.3.1"),
        level_source=DOCS,
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

"""The ``[controls.SelfServicePasswordReset]`` table: desired values, validated before any read.

The defaults are the desired values of docs/controls/SelfServicePasswordReset.md, so an empty
table asks for Microsoft's recommended configuration. ``extra="forbid"`` turns a misspelt key
into an error that names it instead of a silently ignored wish.
"""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: The SSPR methods, by the names the config file uses, in the portal's order.
Method = Literal[
    "mobile_app_notification", "mobile_app_code", "email", "mobile_phone", "office_phone", "security_questions"
]
#: What SSPR offers by default: methods that survive Microsoft's retirement of Microsoft-provided SMS and
#: voice (2027-02-01). Security questions are not among them: Microsoft calls them less secure
#: (concept-authentication-security-questions), so they are never turned on unless listed here, and a
#: tenant that offers them keeps them. Why each one: see docs/controls/SelfServicePasswordReset.md.
DEFAULT_METHODS: tuple[Method, ...] = ("mobile_app_notification", "mobile_app_code", "email")
#: Authentication methods policy configurations that CISA MS.AAD.3.5 (and CIS 5.2.3.7 for email) want
#: off, and that Microsoft retires (SMS, voice): remediation turns them on only when named in
#: ``enable_in_methods_policy``.
RestrictedConfig = Literal["Email", "Sms", "Voice"]
PHONE_METHODS: frozenset[str] = frozenset({"mobile_phone", "office_phone"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UPN = _EMAIL  # a user principal name has the shape of an email address


def is_object_id(value: str) -> bool:
    """True for a directory object id (a GUID), as opposed to a display name or a UPN."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _https_url(value: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc) and " " not in value


class SsprConfig(BaseModel):
    """Desired SSPR configuration. Every key is optional; see the control's docs for each one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enablement: Literal["all", "selected"] = "all"
    enablement_group: str | None = Field(None, min_length=1)
    methods_required: int = Field(2, ge=1, le=2)
    methods: tuple[Method, ...] = DEFAULT_METHODS
    security_questions_to_register: int = Field(5, ge=3, le=5)
    security_questions_to_reset: int = Field(3, ge=3, le=5)
    registration_required: bool = True
    reconfirm_days: int = Field(180, ge=0, le=730)
    notify_users: bool = True
    notify_admins: bool = True
    helpdesk: str | None = None
    password_writeback: bool = True
    account_unlock: bool = True
    admin_sspr: bool = False
    #: The device group to pilot Windows sign-in reset on (howto-sspr-windows: a test group first).
    windows_sign_in_group: str | None = Field(None, min_length=1)
    #: How devices get AllowAadPasswordReset: an Intune profile scorekeeper manages, or the registry/GPO
    #: (no API reads it: the setting is then attested).
    windows_sign_in_method: Literal["intune", "registry"] = "intune"
    registration_ca_policy_state: Literal["enabledForReportingButNotEnforced", "enabled"] = (
        "enabledForReportingButNotEnforced"
    )
    break_glass: tuple[str, ...] = ()
    registration_campaign_snooze_days: int = Field(1, ge=0, le=14)
    banned_passwords: tuple[str, ...] = ()
    #: howto-password-ban-bad-on-premises-deploy: start in Audit, move to Enforce once the audit log is clean.
    password_protection_on_premises_mode: Literal["Audit", "Enforce"] = "Audit"
    #: Email/Sms/Voice configurations remediation may turn on in the Authentication methods policy.
    enable_in_methods_policy: tuple[RestrictedConfig, ...] = ()
    #: What to do where SSPR offers mobile or office phone: keep them (and warn), or turn them off.
    phone_methods: Literal["keep", "off"] = "keep"
    #: The registration campaign's targeted method when scorekeeper enables it.
    registration_campaign_method: Literal["fido2", "microsoftAuthenticator"] = "fido2"
    #: Replace a Microsoft-managed (state "default") campaign with the configured one.
    registration_campaign_replace_default: bool = False
    #: ``enforceRegistrationAfterAllowedSnoozes`` (beta): after 3 snoozes registration is required. Read and
    #: compared; not written (v1.0's published metadata lacks it), the finding says how to change it.
    registration_campaign_limited_snoozes: bool = True
    #: Conditional Access authentication strength the registration policy requires (Microsoft's built-in
    #: "Multifactor authentication" strength by default).
    registration_ca_authentication_strength: str = "00000000-0000-0000-0000-000000000002"
    #: Passkeys (FIDO2) enabled for all users, or for this group (name or object id).
    passkeys_group: str | None = Field(None, min_length=1)
    connect_domain_dn: str | None = Field(None, min_length=1)
    connect_account: str | None = Field(None, min_length=1)

    @field_validator("methods")
    @classmethod
    def _methods_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({m for m in value if value.count(m) > 1})
        if duplicates:
            raise ValueError(f"lists {', '.join(duplicates)} more than once")
        return value

    @field_validator("helpdesk")
    @classmethod
    def _helpdesk_shape(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if not (_EMAIL.match(value) or _https_url(value)):
            raise ValueError("must be an email address or an https:// URL")
        return value

    @field_validator("break_glass")
    @classmethod
    def _break_glass_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not (is_object_id(v) or _UPN.match(v))]
        if bad:
            raise ValueError(f"each entry must be a user principal name or an object id, not {', '.join(bad)}")
        return value

    @field_validator("banned_passwords")
    @classmethod
    def _banned_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Entra accepts 4-16 characters per entry and at most 1000 entries; tabs separate entries.
        bad = [v for v in value if not 4 <= len(v) <= 16 or "\t" in v]
        if bad:
            raise ValueError(f"entries must be 4 to 16 characters without tabs: {', '.join(bad)}")
        if len(value) > 1000:
            raise ValueError("at most 1000 entries")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SsprConfig:
        problems = []
        if self.enablement == "selected" and not self.enablement_group:
            problems.append("enablement_group: required when enablement = 'selected' (a group name or object id)")
        if self.enablement == "all" and self.enablement_group:
            problems.append("enablement_group: only used when enablement = 'selected'")
        if len(self.methods) < self.methods_required:
            problems.append(
                f"methods: {len(self.methods)} method(s) enabled but methods_required is {self.methods_required}"
            )
        if self.phone_methods == "off" and PHONE_METHODS & set(self.methods):
            problems.append("methods: lists a phone method but phone_methods = 'off'")
        if self.security_questions_to_reset > self.security_questions_to_register:
            problems.append(
                "security_questions_to_reset: must not exceed security_questions_to_register "
                f"({self.security_questions_to_reset} > {self.security_questions_to_register})"
            )
        if problems:  # all of them at once, so one edit of the file fixes everything
            raise ValueError("; ".join(problems))
        return self

    @property
    def security_questions(self) -> bool:
        return "security_questions" in self.methods

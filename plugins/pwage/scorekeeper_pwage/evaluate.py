"""From the reads to findings: which domains make passwords expire, and the control's score.

Only verified, managed **root** domains carry a password expiry policy of their own in Entra:

* a federated domain's passwords are governed by its identity provider (on-premises AD FS);
* an unverified domain has no users, and Graph refuses to update it;
* a subdomain (``isRoot`` false) inherits its root domain's policy, and Graph answers
  ``400 Domain operation is not allowed`` to a PATCH of its policy, so it is judged through its root.

A domain with no value (``null`` or absent) follows the tenant's default, which Entra's password
policy page ties to the tenant's age: no expiration, except 90 days for tenants created before 2021.
The Graph ``domain`` reference says 90 days for every tenant; the two pages disagree, and the
creation date (``GET /organization``) settles it. When that date cannot be read, the stricter
reading (90 days) is used and the finding says why, so an unset value is never passed on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scorekeeper import Finding, Harm, Impact, RemediationKind, SecureScore, Status
from scorekeeper.reads import PROFILE, SCORES, Read, secure_score_finding
from scorekeeper.reads import secure_score as score_of
from scorekeeper_pwage.control import (
    CONTROL_ID,
    DEFAULT_VALIDITY_DAYS,
    NEVER_EXPIRE,
    NO_EXPIRY_DEFAULT_SINCE,
    SETTINGS,
    PasswordAgeConfig,
)

TITLES = {s.id: s.title for s in SETTINGS}
#: What each read needs: the domains (the verdict) and the organization (what an unset value means).
PERMISSIONS = {"password_expiry": ("Domain.Read.All",), "secure_score": SETTINGS[-1].read_permissions}
ORGANIZATION_READ = ("Organization.Read.All",)


def out_of_scope_reason(domain: dict[str, Any], excluded: set[str]) -> str:
    """Why a domain's own policy is not judged, or ``""`` when it is."""
    if not domain.get("isVerified"):
        return "unverified"
    if domain.get("authenticationType") != "Managed":
        return f"{domain.get('authenticationType') or 'unknown'} authentication: the identity provider's policy applies"
    if not domain.get("isRoot"):
        return "subdomain: inherits its root domain's policy"
    if str(domain.get("id")).lower() in excluded:
        return "excluded by [controls.PWAgePolicyNew] exclude_domains"
    return ""


def governed_domains(domains: list[dict[str, Any]], config: PasswordAgeConfig) -> list[dict[str, Any]]:
    """The domains whose own expiry policy Entra applies and the config does not exclude."""
    excluded = {d.lower() for d in config.exclude_domains}
    return [d for d in domains if not out_of_scope_reason(d, excluded)]


def left_alone(domains: list[dict[str, Any]], config: PasswordAgeConfig) -> dict[str, str]:
    """Domain → why it is not judged (evidence shown with the finding)."""
    excluded = {d.lower() for d in config.exclude_domains}
    return {str(d.get("id")): why for d in domains if (why := out_of_scope_reason(d, excluded))}


def validity(domain: dict[str, Any]) -> int | None:
    """The domain's own value; ``None`` means not set (``null`` or absent)."""
    value = domain.get("passwordValidityPeriodInDays")
    return int(value) if value is not None else None


@dataclass(frozen=True)
class UnsetDefault:
    """What a domain without a value means in this tenant, and how that was decided."""

    #: Days a password lasts when unset; ``None``: it never expires.
    days: int | None
    why: str
    #: The permission whose refusal left the creation date unread (named in the finding).
    missing: tuple[str, ...] = ()


def parse_time(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def unset_default(organization: Read | None) -> UnsetDefault:
    """Entra's page: no expiration by default, 90 days for tenants created before 2021."""
    if organization is None or not organization.ok:
        error = organization.error if organization is not None else "not read"
        missing = ORGANIZATION_READ if organization is not None and organization.denied else ()
        return UnsetDefault(
            DEFAULT_VALIDITY_DAYS,
            f"the tenant's creation date could not be read ({error}), so the {DEFAULT_VALIDITY_DAYS} days the Graph "
            "domain reference documents are assumed",
            missing,
        )
    rows = organization.items or [organization.value or {}]
    created = parse_time((rows[0] if rows else {}).get("createdDateTime"))
    if created is None:
        return UnsetDefault(
            DEFAULT_VALIDITY_DAYS,
            f"the organization has no createdDateTime, so the {DEFAULT_VALIDITY_DAYS} days the Graph domain "
            "reference documents are assumed",
        )
    if created.tzinfo is None:
        created = created.replace(tzinfo=NO_EXPIRY_DEFAULT_SINCE.tzinfo)
    day = created.date().isoformat()
    if created < NO_EXPIRY_DEFAULT_SINCE:
        return UnsetDefault(
            DEFAULT_VALIDITY_DAYS,
            f"tenant created {day}, before 2021: Entra's default for it is {DEFAULT_VALIDITY_DAYS} days",
        )
    return UnsetDefault(None, f"tenant created {day}: Entra's default since 2021 is no expiration")


def effective(days: int | None, default: UnsetDefault) -> int | None:
    """Days until a password expires in this domain; ``None`` when it never does."""
    if days is None:
        return default.days
    return None if days == NEVER_EXPIRE else days


def describe(days: int | None, default: UnsetDefault | None = None) -> str:
    if days is None:
        meaning = default or unset_default(None)
        return f"not set ({meaning.why})"
    if days == NEVER_EXPIRE:
        return "never expire"
    return f"expire after {days} days"


def shortened(parts: list[str], limit: int = 10) -> str:
    """At most ``limit`` parts, then how many more: a tenant may have hundreds of domains."""
    shown = "; ".join(parts[:limit])
    return f"{shown}; and {len(parts) - limit} more" if len(parts) > limit else shown


def _finding(setting: str, status: Status, reason: str, **kw: Any) -> Finding:
    return Finding(control=CONTROL_ID, setting=setting, title=TITLES[setting], status=status, reason=reason, **kw)


def _unreadable(setting: str, read: Read) -> Finding:
    missing = PERMISSIONS[setting] if read.denied else ()
    why = f"Graph refused the read ({read.error})" if read.denied else f"could not be read ({read.error})"
    hint = f"; grant {', '.join(missing)}" if missing else ""
    return _finding(setting, Status.UNKNOWN, f"{why}{hint}.", missing_permissions=missing)


def expiry_impact(domains: list[str]) -> Impact:
    """Setting "never expire": every user of these domains keeps their password; nobody is locked out."""
    return Impact(
        summary=(
            f"passwords of every user signing in with {shortened(domains, 5)} stop expiring; nobody loses access "
            "or is asked to change a password"
        ),
        harm=Harm.NONE,
        sources=("domains", "organization"),
    )


def password_expiry(read: Read, config: PasswordAgeConfig, organization: Read | None = None) -> Finding:
    if not read.ok:
        return _unreadable("password_expiry", read)
    every = read.items
    domains = governed_domains(every, config)
    evidence: dict[str, Any] = {"left_alone": left_alone(every, config)}
    if not domains:
        return _finding(
            "password_expiry",
            Status.NOT_APPLICABLE,
            "no verified, managed root domain is in scope (federated domains follow their identity provider's "
            "policy; subdomains inherit their root's).",
            evidence=evidence,
        )
    current = {str(d["id"]): validity(d) for d in domains}
    default = unset_default(organization)
    unset = [name for name, days in current.items() if days is None]
    missing = default.missing if unset else ()
    if unset:
        evidence["unset_default"] = default.why
    expiring = {name: days for name, days in current.items() if effective(days, default) is not None}
    desired = {name: NEVER_EXPIRE if name in expiring else days for name, days in current.items()}
    if not expiring:
        by_default = f"; {shortened(unset, 5)} not set, which means no expiration here ({default.why})" if unset else ""
        return _finding(
            "password_expiry",
            Status.PASS,
            f"passwords never expire in {shortened(list(current))}{by_default}.",
            current=current,
            desired=desired,
            evidence=evidence,
            missing_permissions=missing,
        )
    listing = shortened([f"{name}: {describe(days, default)}" for name, days in expiring.items()])
    return _finding(
        "password_expiry",
        Status.FAIL,
        f"{listing}. Forced rotation makes users choose weaker, predictable passwords; "
        "Microsoft recommends that passwords never expire when MFA is in place.",
        current=current,
        desired=desired,
        remediation=RemediationKind.AUTOMATED,
        evidence=evidence,
        missing_permissions=missing,
        impact=expiry_impact(list(expiring)),
    )


def secure_score(scores: Read, profile: Read) -> tuple[Finding, SecureScore | None]:
    """The score finding and snapshot, parsed by scorekeeper's shared Secure Score reader."""
    reading = score_of({SCORES: scores, PROFILE: profile}, CONTROL_ID)
    finding = replace(secure_score_finding(reading, CONTROL_ID), title=TITLES["secure_score"])
    return finding, reading.snapshot


def evaluate(reads: dict[str, Read], config: PasswordAgeConfig) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(reads["secure_scores"], reads["score_profile"])
    return [password_expiry(reads["domains"], config, reads.get("organization")), score_finding], score

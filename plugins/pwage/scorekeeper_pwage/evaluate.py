"""From the reads to findings: which domains make passwords expire, and the control's score.

Only verified, managed **root** domains carry a password expiry policy of their own in Entra:

* a federated domain's passwords are governed by its identity provider (on-premises AD FS);
* an unverified domain has no users, and Graph refuses to update it;
* a subdomain (``isRoot`` false) inherits its root domain's policy, and Graph answers
  ``400 Domain operation is not allowed`` to a PATCH of its policy, so it is judged through its root.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Status
from scorekeeper.reads import PROFILE, SCORES, Read, secure_score_finding
from scorekeeper.reads import secure_score as score_of
from scorekeeper_pwage.control import CONTROL_ID, DEFAULT_VALIDITY_DAYS, NEVER_EXPIRE, SETTINGS, PasswordAgeConfig

TITLES = {s.id: s.title for s in SETTINGS}
PERMISSIONS = {s.id: s.read_permissions for s in SETTINGS}


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
    """The domain's own value; ``None`` means not set."""
    value = domain.get("passwordValidityPeriodInDays")
    return int(value) if value is not None else None


def describe(days: int | None) -> str:
    if days is None:
        return f"not set (Microsoft Graph documents {DEFAULT_VALIDITY_DAYS} days for an unset value)"
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


def password_expiry(read: Read, config: PasswordAgeConfig) -> Finding:
    if not read.ok:
        return _unreadable("password_expiry", read)
    every = read.items
    domains = governed_domains(every, config)
    evidence = {"left_alone": left_alone(every, config)}
    if not domains:
        return _finding(
            "password_expiry",
            Status.NOT_APPLICABLE,
            "no verified, managed root domain is in scope (federated domains follow their identity provider's "
            "policy; subdomains inherit their root's).",
            evidence=evidence,
        )
    current = {str(d["id"]): validity(d) for d in domains}
    desired = dict.fromkeys(current, NEVER_EXPIRE)
    expiring = {name: days for name, days in current.items() if days != NEVER_EXPIRE}
    if not expiring:
        return _finding(
            "password_expiry",
            Status.PASS,
            f"passwords never expire in {shortened(list(current))}.",
            current=current,
            desired=desired,
            evidence=evidence,
        )
    listing = shortened([f"{name}: {describe(days)}" for name, days in expiring.items()])
    return _finding(
        "password_expiry",
        Status.FAIL,
        f"{listing}. Forced rotation makes users choose weaker, predictable passwords; "
        "Microsoft recommends that passwords never expire when MFA is in place.",
        current=current,
        desired=desired,
        remediation=RemediationKind.AUTOMATED,
        evidence=evidence,
    )


def secure_score(scores: Read, profile: Read) -> tuple[Finding, SecureScore | None]:
    """The score finding and snapshot, parsed by scorekeeper's shared Secure Score reader."""
    reading = score_of({SCORES: scores, PROFILE: profile}, CONTROL_ID)
    finding = replace(secure_score_finding(reading, CONTROL_ID), title=TITLES["secure_score"])
    return finding, reading.snapshot


def evaluate(reads: dict[str, Read], config: PasswordAgeConfig) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(reads["secure_scores"], reads["score_profile"])
    return [password_expiry(reads["domains"], config), score_finding], score

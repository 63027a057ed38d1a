"""From the reads to findings: which domains make passwords expire, and the control's score.

Only verified, managed domains carry a password expiry policy in Entra: a federated domain's
passwords are governed by the on-premises identity provider, and an unverified domain has no users.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Status
from scorekeeper_pwage.control import CONTROL_ID, DEFAULT_VALIDITY_DAYS, NEVER_EXPIRE, SETTINGS, PasswordAgeConfig
from scorekeeper_pwage.reads import Read

TITLES = {s.id: s.title for s in SETTINGS}
PERMISSIONS = {s.id: s.read_permissions for s in SETTINGS}


def governed_domains(domains: list[dict[str, Any]], config: PasswordAgeConfig) -> list[dict[str, Any]]:
    """The domains whose expiry policy Entra applies and the config does not exclude."""
    excluded = {d.lower() for d in config.exclude_domains}
    return [
        d
        for d in domains
        if d.get("isVerified") and d.get("authenticationType") == "Managed" and str(d.get("id")).lower() not in excluded
    ]


def validity(domain: dict[str, Any]) -> int | None:
    """The domain's own value; ``None`` means not set, which Entra treats as 90 days."""
    value = domain.get("passwordValidityPeriodInDays")
    return int(value) if value is not None else None


def describe(days: int | None) -> str:
    if days is None:
        return f"not set (Entra's default: expire after {DEFAULT_VALIDITY_DAYS} days)"
    if days == NEVER_EXPIRE:
        return "never expire"
    return f"expire after {days} days"


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
    domains = governed_domains(list(read.value.get("value") or []), config)
    if not domains:
        return _finding(
            "password_expiry",
            Status.NOT_APPLICABLE,
            "no verified, managed domain is in scope (federated domains follow the on-premises policy).",
        )
    current = {str(d["id"]): validity(d) for d in domains}
    desired = dict.fromkeys(current, NEVER_EXPIRE)
    expiring = {name: days for name, days in current.items() if days != NEVER_EXPIRE}
    if not expiring:
        return _finding(
            "password_expiry",
            Status.PASS,
            f"passwords never expire in {', '.join(current)}.",
            current=current,
            desired=desired,
        )
    listing = "; ".join(f"{name}: {describe(days)}" for name, days in expiring.items())
    return _finding(
        "password_expiry",
        Status.FAIL,
        f"{listing}. Forced rotation makes users choose weaker, predictable passwords; "
        "Microsoft recommends that passwords never expire when MFA is in place.",
        current=current,
        desired=desired,
        remediation=RemediationKind.AUTOMATED,
    )


def secure_score(scores: Read, profile: Read) -> tuple[Finding, SecureScore | None]:
    if not scores.ok:
        return _unreadable("secure_score", scores), None
    latest = (scores.value.get("value") or [None])[0]
    entry = next(
        (c for c in (latest or {}).get("controlScores") or [] if c.get("controlName") == CONTROL_ID),
        None,
    )
    max_score = profile.value.get("maxScore") if profile.ok and isinstance(profile.value, dict) else None
    if entry is None or max_score is None:
        why = "the tenant's Secure Score has no entry for this control yet" if entry is None else profile.error
        return _finding("secure_score", Status.UNKNOWN, f"{why}.", remediation=RemediationKind.NONE), None
    score = float(entry.get("score") or 0.0)
    taken = latest.get("createdDateTime")
    snapshot = SecureScore(
        control=CONTROL_ID,
        score=score,
        max_score=float(max_score),
        taken_at=datetime.fromisoformat(taken.replace("Z", "+00:00")) if taken else datetime.now(UTC),
    )
    status = Status.PASS if score >= float(max_score) else Status.FAIL
    reason = f"{score:g} of {float(max_score):g} points."
    if status is Status.FAIL:
        reason += " Secure Score refreshes about once a day, so a fix shows on a later run."
    return _finding(
        "secure_score", status, reason, current=score, desired=float(max_score), remediation=RemediationKind.NONE
    ), snapshot


def evaluate(reads: dict[str, Read], config: PasswordAgeConfig) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(reads["secure_scores"], reads["score_profile"])
    return [password_expiry(reads["domains"], config), score_finding], score

"""From the reads to findings: may users consent to applications, and under which policy?

The verdict follows Microsoft's user-consent page: user consent is governed only by the
``managePermissionGrantsForSelf.*`` entries of ``permissionGrantPoliciesAssigned``. None means
only administrators consent (compliant); only ``microsoft-user-default-low`` limits users to
verified publishers and low-impact permissions (compliant, as the control's guidance allows);
``microsoft-user-default-legacy`` lets users consent to any app (fails). A custom policy cannot be
judged from this read — what it allows lives in ``permissionGrantPolicies`` — so it is a guided
review, never changed automatically. ``managePermissionGrantsForOwnedResource.*`` entries (team
and chat owners' resource-specific consent) are another setting and are always kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Status
from scorekeeper.reads import PROFILE, SCORES, Read, secure_score_finding
from scorekeeper.reads import secure_score as score_of
from scorekeeper_integratedapps.control import (
    CONTROL_ID,
    LEGACY,
    LOW_IMPACT,
    SELF_PREFIX,
    SETTINGS,
    IntegratedAppsConfig,
)
from scorekeeper_integratedapps.reads import POLICY, assigned

TITLES = {s.id: s.title for s in SETTINGS}
PERMISSIONS = {s.id: s.read_permissions for s in SETTINGS}
CONSEQUENCE = (
    "users can no longer consent to applications themselves; turn on the admin consent workflow "
    "(Entra admin center → Enterprise apps → Consent and permissions → Admin consent settings) so they can ask "
    "an administrator instead."
)


def is_user_consent(entry: str) -> bool:
    return entry.lower().startswith(SELF_PREFIX)


def target(current: list[str], config: IntegratedAppsConfig) -> list[str]:
    """``current`` with its user-consent entries replaced as configured; every other entry kept, in order."""
    kept = [entry for entry in current if not is_user_consent(entry)]
    return [LOW_IMPACT, *kept] if config.user_consent == "low_impact" else kept


def _finding(setting: str, status: Status, reason: str, **kw: Any) -> Finding:
    return Finding(control=CONTROL_ID, setting=setting, title=TITLES[setting], status=status, reason=reason, **kw)


def user_consent(read: Read, config: IntegratedAppsConfig) -> Finding:
    if not read.ok:
        missing = PERMISSIONS["user_consent"] if read.denied else ()
        why = f"Graph refused the read ({read.error})" if read.denied else f"could not be read ({read.error})"
        hint = f"; grant {', '.join(missing)}" if missing else ""
        return _finding("user_consent", Status.UNKNOWN, f"{why}{hint}.", missing_permissions=missing)
    current = assigned(read)
    consent = [entry for entry in current if is_user_consent(entry)]
    desired = target(current, config)
    others = [entry for entry in current if entry not in consent]
    evidence: dict[str, Any] = {"user_consent_policies": consent, "other_entries": others}
    lowered = {entry.lower() for entry in consent}
    if not consent:
        return _finding(
            "user_consent",
            Status.PASS,
            "user consent to applications is off: only administrators grant consent.",
            current=current,
            desired=current,
            evidence=evidence,
        )
    if lowered == {LOW_IMPACT.lower()}:
        return _finding(
            "user_consent",
            Status.PASS,
            "users may consent only to apps from verified publishers (or this tenant) and only for permissions "
            "classified low impact (Microsoft's microsoft-user-default-low policy).",
            current=current,
            desired=current,
            evidence=evidence,
        )
    if lowered <= {LOW_IMPACT.lower(), LEGACY.lower()}:
        return _finding(
            "user_consent",
            Status.FAIL,
            "users may consent to any application for any permission that does not need admin consent "
            "(microsoft-user-default-legacy): an attacker's app needs only one user's click.",
            current=current,
            desired=desired,
            remediation=RemediationKind.AUTOMATED,
            evidence=evidence | ({"consequence": CONSEQUENCE} if config.user_consent == "disabled" else {}),
        )
    custom = [entry for entry in consent if entry.lower() not in {LOW_IMPACT.lower(), LEGACY.lower()}]
    return _finding(
        "user_consent",
        Status.MANUAL,
        f"user consent is governed by a custom app consent policy ({', '.join(custom)}); what it allows is not in "
        "this read, so a person must review it.",
        current=current,
        desired=desired,
        remediation=RemediationKind.GUIDED,
        evidence=evidence,
        steps=(
            "1. Entra admin center → Entra ID → Enterprise apps → Consent and permissions → User consent settings.",
            "2. Open the custom policy named above (or GET /policies/permissionGrantPolicies/{id} with "
            "Policy.Read.PermissionGrant) and check it allows only verified publishers and low-impact permissions.",
            "3. If it does not, choose 'Do not allow user consent' or 'Allow user consent for apps from verified "
            "publishers, for selected permissions'.",
            "4. Record the review: scorekeeper attest --tenant TENANT --control IntegratedApps --setting user_consent "
            "--by YOU --note TICKET",
        ),
    )


def secure_score(reads: dict[str, Read]) -> tuple[Finding, SecureScore | None]:
    """The score finding and snapshot, parsed by scorekeeper's shared Secure Score reader."""
    reading = score_of({SCORES: reads[SCORES], PROFILE: reads[PROFILE]}, CONTROL_ID)
    finding = replace(secure_score_finding(reading, CONTROL_ID), title=TITLES["secure_score"])
    return finding, reading.snapshot


def evaluate(reads: dict[str, Read], config: IntegratedAppsConfig) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(reads)
    return [user_consent(reads[POLICY], config), score_finding], score

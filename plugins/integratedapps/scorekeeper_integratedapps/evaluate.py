"""From the reads to findings: may users consent to applications, and can they ask an administrator?

``user_consent`` follows Microsoft's consent pages: user consent is governed only by the
``managePermissionGrantsForSelf.*`` entries of ``permissionGrantPoliciesAssigned``.

* none: only administrators consent (pass);
* only ``microsoft-user-default-low``: verified publishers and this tenant's apps, low-impact
  permissions only (pass, as the control's guidance allows);
* ``microsoft-user-default-legacy``: any app, any permission that needs no admin consent (fail);
* Microsoft-managed (``microsoft-user-default-recommended``, with or without the mail-client policy
  ``microsoft-user-default-allow-consent-apps``): its own verdict, **fail**. Microsoft calls it
  recommended and makes it the default of new tenants, but it lets users consent to apps from any
  publisher for every user-consentable permission outside Microsoft's exclusion list, which is not
  "no consent to unreliable applications"; CISA's ScubaGear fails it for MS.AAD.5.2 and CIS asks for
  "Do not allow user consent". The safer reading wins; the docs name the disagreement;
* a custom policy: what it allows lives in ``permissionGrantPolicies``, so a guided review.

``admin_consent_workflow`` (CISA MS.AAD.5.3, CIS 5.1.5.2): on, with at least one reviewer. It is
turned on only with reviewers from the configuration, each looked up in the tenant first; without
them it is a guided step asking for them.

``managePermissionGrantsForOwnedResource.*`` entries (team and chat owners' resource-specific
consent) are another setting and are always kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scorekeeper import Affected, Finding, Harm, Impact, RemediationKind, SecureScore, Status
from scorekeeper.reads import PROFILE, SCORES, Read, secure_score_finding
from scorekeeper.reads import secure_score as score_of
from scorekeeper_integratedapps.control import (
    CONTROL_ID,
    LEGACY,
    LOW_IMPACT,
    MICROSOFT_MANAGED,
    SELF_PREFIX,
    SETTINGS,
    IntegratedAppsConfig,
)
from scorekeeper_integratedapps.reads import POLICY, WORKFLOW, assigned, reviewer_reads, workflow_settings

TITLES = {s.id: s.title for s in SETTINGS}
PERMISSIONS = {s.id: s.read_permissions for s in SETTINGS}
CONSEQUENCE = (
    "users can no longer consent to applications themselves; turn on the admin consent workflow "
    "(Entra admin center → Enterprise apps → Consent and permissions → Admin consent settings) so they can ask "
    "an administrator instead."
)
WORKFLOW_STEPS = (
    "1. Choose who reviews requests (people who can grant admin consent: Cloud Application Administrator or "
    "Application Administrator).",
    "2. Either set them in the configuration and run remediate again:\n"
    '   [controls.IntegratedApps]\n   consent_reviewers = ["reviewer@contoso.com"]',
    "3. Or in the Entra admin center → Enterprise apps → Consent and permissions → Admin consent settings: "
    "'Users can request admin consent to apps they are unable to consent to' = Yes, add the reviewers, Save.",
)
USER_READ = "User.Read.All"


def is_user_consent(entry: str) -> bool:
    return entry.lower().startswith(SELF_PREFIX)


def target(current: list[str], config: IntegratedAppsConfig) -> list[str]:
    """``current`` with its user-consent entries replaced as configured; every other entry kept, in order."""
    kept = [entry for entry in current if not is_user_consent(entry)]
    return [LOW_IMPACT, *kept] if config.user_consent == "low_impact" else kept


def _finding(setting: str, status: Status, reason: str, **kw: Any) -> Finding:
    return Finding(control=CONTROL_ID, setting=setting, title=TITLES[setting], status=status, reason=reason, **kw)


def _unreadable(setting: str, read: Read, missing: tuple[str, ...] | None = None) -> Finding:
    names = (missing if missing is not None else PERMISSIONS[setting]) if read.denied else ()
    why = f"Graph refused the read ({read.error})" if read.denied else f"could not be read ({read.error})"
    hint = f"; grant {', '.join(names)}" if names else ""
    return _finding(setting, Status.UNKNOWN, f"{why}{hint}.", missing_permissions=names)


def workflow_on(settings: dict[str, Any]) -> bool:
    """Whether users can ask an administrator: the workflow is on and someone reviews."""
    return bool(settings.get("isEnabled")) and bool(settings.get("reviewers"))


def consent_impact(config: IntegratedAppsConfig, workflow: Read) -> Impact:
    """What turning user consent off (or down to low impact) does to people.

    Microsoft's page: a change of user consent settings affects only future consent operations;
    consents already granted stay. So nobody loses an app they use today (never a lock-out); every
    user loses the ability to consent to new apps or permissions themselves, and whether they can
    ask instead depends on the admin consent workflow.
    """
    what = (
        "Users can consent themselves only to apps from verified publishers (or this tenant) for low-impact permissions"
        if config.user_consent == "low_impact"
        else "No user can consent to applications themselves any more"
    )
    settings = workflow_settings(workflow) if workflow.ok else {}
    if not workflow.ok:
        ask = "whether they can ask an administrator instead is unknown (the admin consent workflow was not readable)"
    elif workflow_on(settings):
        ask = "they can ask the admin consent workflow's reviewers instead"
    elif config.consent_reviewers:
        ask = "they can ask the configured reviewers once the admin consent workflow is turned on (planned too)"
    else:
        ask = "they have no way to ask: the admin consent workflow is off and no consent_reviewers are configured"
    return Impact(
        summary=f"{what}; consents already granted stay; {ask}",
        harm=Harm.DEGRADES,
        remedy="turn on the admin consent workflow with reviewers ([controls.IntegratedApps] consent_reviewers)",
        sources=("authorizationPolicy", "adminConsentRequestPolicy"),
    )


def user_consent(read: Read, config: IntegratedAppsConfig, workflow: Read | None = None) -> Finding:
    if not read.ok:
        return _unreadable("user_consent", read)
    workflow = workflow if workflow is not None else Read(None, 0, "not read")
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
    known = {LOW_IMPACT.lower(), LEGACY.lower(), *(m.lower() for m in MICROSOFT_MANAGED)}
    if lowered <= known:
        if LEGACY.lower() in lowered:
            reason = (
                "users may consent to any application for any permission that does not need admin consent "
                "(microsoft-user-default-legacy): an attacker's app needs only one user's click."
            )
        else:
            reason = (
                "Microsoft manages user consent ('Let Microsoft manage your consent settings', "
                f"{', '.join(e.split('.', 1)[1] for e in consent)}): users may consent to apps from any publisher for "
                "every user-consentable permission outside Microsoft's exclusion list. Microsoft recommends it, but "
                "it does not keep unreliable applications out; CISA and CIS require user consent off (or, for "
                "CISA, limited to low-impact permissions)."
            )
            evidence["microsoft_managed"] = True
        return _finding(
            "user_consent",
            Status.FAIL,
            reason,
            current=current,
            desired=desired,
            remediation=RemediationKind.AUTOMATED,
            evidence=evidence | ({"consequence": CONSEQUENCE} if config.user_consent == "disabled" else {}),
            impact=consent_impact(config, workflow),
        )
    custom = [entry for entry in consent if entry.lower() not in known]
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


def reviewer_scope(user_id: str) -> dict[str, Any]:
    """One reviewer in the documented ``accessReviewReviewerScope`` shape."""
    return {"query": f"/users/{user_id}", "queryType": "MicrosoftGraph", "queryRoot": None}


def desired_workflow(config: IntegratedAppsConfig, user_ids: list[str]) -> dict[str, Any]:
    """The whole object a ``PUT`` sends: on, reviewers notified and reminded, requests open as configured."""
    return {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": True,
        "requestDurationInDays": config.consent_request_days,
        "reviewers": [reviewer_scope(uid) for uid in user_ids],
    }


def admin_consent_workflow(workflow: Read, reviewers: list[Read], config: IntegratedAppsConfig) -> Finding:
    setting = "admin_consent_workflow"
    if not workflow.ok:
        return _unreadable(setting, workflow, ("Policy.Read.All",))
    current = workflow_settings(workflow)
    if workflow_on(current):
        return _finding(
            setting,
            Status.PASS,
            f"the admin consent workflow is on with {len(current['reviewers'])} reviewer query(ies): users who may "
            "not consent can ask an administrator.",
            current=current,
            desired=current,
        )
    problem = (
        "the admin consent workflow is on but has no reviewer: requests reach nobody"
        if current.get("isEnabled")
        else "the admin consent workflow is off: users who may not consent to an app cannot ask an administrator"
    )
    if not config.consent_reviewers:
        return _finding(
            setting,
            Status.FAIL,
            f"{problem}. No consent_reviewers are configured, so scorekeeper does not turn it on (it never enables "
            "the workflow with nobody to review).",
            current=current,
            remediation=RemediationKind.GUIDED,
            steps=WORKFLOW_STEPS,
        )
    denied = [r for r in reviewers if r.denied]
    if denied:
        return _unreadable(setting, denied[0], (USER_READ,))
    found = [(key, r) for key, r in zip(config.consent_reviewers, reviewers, strict=True) if r.ok]
    unknown = [key for key, r in zip(config.consent_reviewers, reviewers, strict=True) if not r.ok]
    if unknown:
        return _finding(
            setting,
            Status.FAIL,
            f"{problem}. These configured consent_reviewers are not users of this tenant: {', '.join(unknown)}; "
            "fix the list before the workflow is turned on.",
            current=current,
            remediation=RemediationKind.GUIDED,
            steps=WORKFLOW_STEPS,
            evidence={"unknown_reviewers": unknown},
        )
    people = [(str(r.value["id"]), str(r.value.get("userPrincipalName") or key)) for key, r in found]
    ids = list(dict.fromkeys(uid for uid, _ in people))
    return _finding(
        setting,
        Status.FAIL,
        f"{problem}.",
        current=current,
        desired=desired_workflow(config, ids),
        remediation=RemediationKind.AUTOMATED,
        impact=Impact(
            summary=f"{len(ids)} reviewer(s) will receive admin consent requests by email",
            harm=Harm.NONE,
            affected=tuple(Affected(uid, name, "user", "reviews admin consent requests") for uid, name in people),
            sources=("users", "adminConsentRequestPolicy"),
        ),
    )


def secure_score(reads: dict[str, Read]) -> tuple[Finding, SecureScore | None]:
    """The score finding and snapshot, parsed by scorekeeper's shared Secure Score reader."""
    reading = score_of({SCORES: reads[SCORES], PROFILE: reads[PROFILE]}, CONTROL_ID)
    finding = replace(secure_score_finding(reading, CONTROL_ID), title=TITLES["secure_score"])
    return finding, reading.snapshot


def evaluate(reads: dict[str, Read], config: IntegratedAppsConfig) -> tuple[list[Finding], SecureScore | None]:
    score_finding, score = secure_score(reads)
    workflow = reads[WORKFLOW]
    return [
        user_consent(reads[POLICY], config, workflow),
        admin_consent_workflow(workflow, reviewer_reads(reads), config),
        score_finding,
    ], score

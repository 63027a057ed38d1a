"""Sign-in log entries whose Conditional Access results follow from the tenant's own policies.

A sign-in in Entra's log records, for every Conditional Access policy, what the policy did
(``appliedConditionalAccessPolicies[].result``): ``success``/``failure`` for an enforced policy that
applied, ``notApplied`` when its conditions did not match, ``notEnabled`` when it is off, and the
``reportOnly*`` values for a policy in report-only mode (``enabledForReportingButNotEnforced``). The
simulator never stores a hand-written result: :func:`sign_in` evaluates a small :class:`Attempt`
(who, which app, which client, from where, whether MFA was done) against the policies the tenant
holds, so a report-only policy always has report-only results and a blocking policy always blocks.

Profiles get a deterministic handful of attempts (:func:`profile_sign_ins`) when they hold no
``signIns`` key; tests add more with :func:`add_sign_in` (``Simulator.add_sign_in``).

Simplifications (docs/simulator.md, Assumptions): group membership is not evaluated (a policy that
includes only groups does not apply; excluded groups never exclude), device platforms and device
filters are ignored, ``passwordChange`` is satisfied like ``mfa``, and user risk is the attempt's
``user_risk``. Error codes: 53003 for a block, 50074 for MFA required (Entra's sign-in error codes).
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: clientAppUsed (as the sign-in log words it) → the conditionalAccessPolicy clientAppTypes value.
CLIENT_APP_TYPES = {
    "Browser": "browser",
    "Mobile Apps and Desktop clients": "mobileAppsAndDesktopClients",
    "Exchange ActiveSync": "exchangeActiveSync",
}
#: Legacy protocols the log names; Conditional Access calls all of them ``other``.
LEGACY_CLIENTS = ("IMAP4", "POP3", "Authenticated SMTP", "MAPI Over HTTP", "Other clients")
#: builtInControls → the words the sign-in log uses in enforcedGrantControls (assumed, see module doc).
GRANT_NAMES = {
    "block": "Block",
    "mfa": "Mfa",
    "compliantDevice": "RequireCompliantDevice",
    "domainJoinedDevice": "RequireDomainJoinedDevice",
    "approvedApplication": "RequireApprovedApp",
    "compliantApplication": "RequireCompliantApp",
    "passwordChange": "RequirePasswordChange",
}
#: First-party apps that Conditional Access's ``Office365`` app group covers (a subset).
OFFICE_365_APPS = frozenset(
    {
        "00000002-0000-0ff1-ce00-000000000000",  # Office 365 Exchange Online
        "00000003-0000-0ff1-ce00-000000000000",  # Office 365 SharePoint Online
        "4765445b-32c6-49b0-83e6-1d93765276ca",  # OfficeHome
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",  # Microsoft Teams
    }
)
APP_NAMES = {
    "00000002-0000-0ff1-ce00-000000000000": "Office 365 Exchange Online",
    "00000003-0000-0ff1-ce00-000000000000": "Office 365 SharePoint Online",
    "4765445b-32c6-49b0-83e6-1d93765276ca": "OfficeHome",
    "1fec8e78-bce4-4aaf-ab1b-5451cc387264": "Microsoft Teams",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
    "00000003-0000-0000-c000-000000000000": "Microsoft Graph",
}
BLOCKED = 53003
MFA_REQUIRED = 50074


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt before Conditional Access has judged it."""

    user_id: str
    app_id: str = "4765445b-32c6-49b0-83e6-1d93765276ca"
    client_app: str = "Browser"
    ip_address: str = "203.0.113.10"
    created: str = "$TODAYT09:00:00Z"
    mfa: bool = False  # whether the user completed MFA (or held a token that satisfied it)
    sign_in_risk: str = "none"
    user_risk: str = "none"
    compliant_device: bool = False
    city: str = "Redmond"
    country: str = "US"
    extra: dict[str, Any] = field(default_factory=dict)


def _client_type(client_app: str) -> str:
    return CLIENT_APP_TYPES.get(client_app, "other")


def _roles_of(state: dict[str, Any], user_id: str) -> set[str]:
    """Role template ids the user holds through active assignments (directory scope)."""
    return {
        str(a.get("roleDefinitionId", "")).lower()
        for a in state.get("roleAssignments") or []
        if str(a.get("principalId", "")).lower() == user_id.lower()
    }


def _in_ranges(state: dict[str, Any], ip: str, location_ids: Iterable[str]) -> bool:
    wanted = {i.lower() for i in location_ids}
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for location in state.get("namedLocations") or []:
        trusted = bool(location.get("isTrusted"))
        if str(location.get("id", "")).lower() not in wanted and not ("alltrusted" in wanted and trusted):
            continue
        for ip_range in location.get("ipRanges") or []:
            try:
                if address in ipaddress.ip_network(str(ip_range.get("cidrAddress", "")), strict=False):
                    return True
            except ValueError:
                continue
    return False


def _users_match(state: dict[str, Any], user: dict[str, Any], users: dict[str, Any]) -> bool:
    uid = str(user.get("id", "")).lower()
    roles = _roles_of(state, uid)
    guest = user.get("userType") == "Guest"

    def named(key: str) -> bool:
        values = {str(v).lower() for v in users.get(key) or []}
        return uid in values or "all" in values or (guest and "guestsorexternalusers" in values)

    included = named("includeUsers") or bool(roles & {str(r).lower() for r in users.get("includeRoles") or []})
    excluded = named("excludeUsers") or bool(roles & {str(r).lower() for r in users.get("excludeRoles") or []})
    return included and not excluded


def _apps_match(applications: dict[str, Any], app_id: str) -> bool:
    if applications.get("includeUserActions") or applications.get("includeAuthenticationContextClassReferences"):
        return False  # those policies apply to user actions or step-up, not to an ordinary sign-in
    include = {str(a).lower() for a in applications.get("includeApplications") or []}
    exclude = {str(a).lower() for a in applications.get("excludeApplications") or []}
    app = app_id.lower()
    hit = "all" in include or app in include or ("office365" in include and app in OFFICE_365_APPS)
    miss = app in exclude or ("office365" in exclude and app in OFFICE_365_APPS)
    return hit and not miss


def _locations_match(state: dict[str, Any], locations: dict[str, Any] | None, ip: str) -> bool:
    if not locations:
        return True
    include = [str(x) for x in locations.get("includeLocations") or []]
    exclude = [str(x) for x in locations.get("excludeLocations") or []]
    included = "All" in include or _in_ranges(state, ip, include)
    return included and not _in_ranges(state, ip, exclude)


def applies(state: dict[str, Any], policy: dict[str, Any], user: dict[str, Any], attempt: Attempt) -> bool:
    """Whether ``policy``'s conditions cover ``attempt`` (state aside)."""
    conditions = policy.get("conditions") or {}
    if not _users_match(state, user, conditions.get("users") or {}):
        return False
    if not _apps_match(conditions.get("applications") or {}, attempt.app_id):
        return False
    types = [str(t) for t in conditions.get("clientAppTypes") or ["all"]]
    if "all" not in types and _client_type(attempt.client_app) not in types:
        return False
    if not _locations_match(state, conditions.get("locations"), attempt.ip_address):
        return False
    sign_in_risks = conditions.get("signInRiskLevels") or []
    if sign_in_risks and attempt.sign_in_risk not in sign_in_risks:
        return False
    user_risks = conditions.get("userRiskLevels") or []
    return not (user_risks and attempt.user_risk not in user_risks)


def _granted(policy: dict[str, Any], attempt: Attempt) -> tuple[bool, list[str]]:
    """Whether the attempt satisfies the policy's grant controls, and their names for the log."""
    grant = policy.get("grantControls") or {}
    controls = [str(c) for c in grant.get("builtInControls") or []]
    names = [GRANT_NAMES.get(c, c) for c in controls]
    if not controls:
        return True, names  # session controls only
    met = {
        "block": False,
        "mfa": attempt.mfa,
        "passwordChange": attempt.mfa,
        "compliantDevice": attempt.compliant_device,
        "domainJoinedDevice": attempt.compliant_device,
    }
    results = [met.get(c, False) for c in controls]
    ok = all(results) if str(grant.get("operator", "OR")).upper() == "AND" else any(results)
    return ok, names


def evaluate(state: dict[str, Any], user: dict[str, Any], attempt: Attempt) -> tuple[list[dict[str, Any]], int]:
    """Every CA policy's result for ``attempt``, and the error code (0 when the sign-in succeeds)."""
    applied: list[dict[str, Any]] = []
    error = 0
    for policy in state.get("conditionalAccessPolicies") or []:
        mode = policy.get("state")
        entry: dict[str, Any] = {
            "id": policy.get("id"),
            "displayName": policy.get("displayName"),
            "enforcedGrantControls": [],
            "enforcedSessionControls": [],
        }
        if mode == "disabled":
            entry["result"] = "notEnabled"
        elif not applies(state, policy, user, attempt):
            entry["result"] = "reportOnlyNotApplied" if mode == "enabledForReportingButNotEnforced" else "notApplied"
        else:
            ok, names = _granted(policy, attempt)
            entry["enforcedGrantControls"] = names
            blocked = "Block" in names
            if mode == "enabledForReportingButNotEnforced":
                entry["result"] = (
                    "reportOnlySuccess" if ok else ("reportOnlyFailure" if blocked else "reportOnlyInterrupted")
                )
            else:
                entry["result"] = "success" if ok else "failure"
                if not ok and error != BLOCKED:
                    error = BLOCKED if blocked else MFA_REQUIRED
        applied.append(entry)
    return applied, error


def _stable_id(*parts: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256("|".join(parts).encode()).digest()[:16], version=4))


def sign_in(state: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
    """The signIn resource Entra would log for ``attempt`` in this tenant's state."""
    user = next((u for u in state.get("users") or [] if str(u.get("id")).lower() == attempt.user_id.lower()), None)
    if user is None:
        raise ValueError(f"no user {attempt.user_id} in this tenant")
    applied, error = evaluate(state, user, attempt)
    enforced = [a for a in applied if a["result"] in ("success", "failure")]
    status = "failure" if any(a["result"] == "failure" for a in enforced) else ("success" if enforced else "notApplied")
    reasons = {
        BLOCKED: "Access has been blocked by Conditional Access policies.",
        MFA_REQUIRED: "Strong Authentication is required.",
    }
    record_id = _stable_id(attempt.user_id, attempt.app_id, attempt.client_app, attempt.created, attempt.ip_address)
    return {
        "id": record_id,
        "createdDateTime": attempt.created,
        "userDisplayName": user.get("displayName"),
        "userPrincipalName": user.get("userPrincipalName"),
        "userId": user.get("id"),
        "appId": attempt.app_id,
        "appDisplayName": APP_NAMES.get(attempt.app_id, attempt.app_id),
        "ipAddress": attempt.ip_address,
        "clientAppUsed": attempt.client_app,
        "correlationId": _stable_id("correlation", record_id),
        "conditionalAccessStatus": status,
        "isInteractive": True,
        "riskDetail": "none",
        "riskLevelAggregated": "none" if attempt.user_risk == "none" else attempt.user_risk,
        "riskLevelDuringSignIn": attempt.sign_in_risk,
        "riskState": "none" if attempt.sign_in_risk == "none" else "atRisk",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "resourceDisplayName": APP_NAMES.get(attempt.app_id, attempt.app_id),
        "resourceId": attempt.app_id,
        "status": {
            "errorCode": error,
            "failureReason": reasons.get(error, "Other.") if error else None,
            "additionalDetails": "MFA requirement satisfied by claim in the token"
            if attempt.mfa and not error
            else None,
        },
        "deviceDetail": {
            "deviceId": "",
            "displayName": None,
            "operatingSystem": "Windows 10" if attempt.client_app != "Exchange ActiveSync" else "iOS",
            "browser": "Edge 120.0.0" if attempt.client_app == "Browser" else None,
            "isCompliant": attempt.compliant_device,
            "isManaged": attempt.compliant_device,
            "trustType": None,
        },
        "location": {
            "city": attempt.city,
            "state": None,
            "countryOrRegion": attempt.country,
            "geoCoordinates": {"altitude": None, "latitude": None, "longitude": None},
        },
        "appliedConditionalAccessPolicies": applied,
        **attempt.extra,
    }


def _recent(user: dict[str, Any]) -> bool:
    """Whether the user signs in these days: a ``signInActivity`` that says otherwise (a break-glass
    account last used weeks ago, or never) keeps them out of the generated log, so both agree."""
    if "signInActivity" not in user:
        return True
    last = str((user.get("signInActivity") or {}).get("lastSignInDateTime") or "")
    return last.startswith(("$TODAY", "$YESTERDAY"))


def profile_attempts(state: dict[str, Any]) -> list[Attempt]:
    """A deterministic day or two of sign-ins: each enabled member signs in to Office, admins to the portal,
    one Exchange ActiveSync (legacy) client, one guest; capped at 20 users so ``large`` stays small."""
    registered = {
        str(r.get("id")).lower() for r in state.get("userRegistrationDetails") or [] if r.get("isMfaRegistered")
    }
    attempts: list[Attempt] = []
    enabled = [u for u in state.get("users") or [] if u.get("accountEnabled", True) and _recent(u)][:20]
    for index, user in enumerate(enabled):
        uid = str(user["id"])
        mfa = uid.lower() in registered
        hour = 8 + index % 9
        if user.get("userType") == "Guest":
            attempts.append(
                Attempt(
                    uid,
                    "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
                    ip_address="198.51.100.23",
                    created=f"$YESTERDAYT{hour:02d}:15:00Z",
                    mfa=False,
                    city="London",
                    country="GB",
                )
            )
            continue
        attempts.append(Attempt(uid, created=f"$YESTERDAYT{hour:02d}:05:00Z", mfa=mfa))
        attempts.append(Attempt(uid, created=f"$TODAYT{hour:02d}:05:00Z", mfa=mfa, ip_address="203.0.113.11"))
        if _roles_of(state, uid):
            attempts.append(
                Attempt(uid, "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", created=f"$TODAYT{hour:02d}:30:00Z", mfa=mfa)
            )
    members = [u for u in enabled if u.get("userType") != "Guest" and not _roles_of(state, str(u["id"]))]
    if members:
        attempts.append(
            Attempt(
                str(members[0]["id"]),
                "00000002-0000-0ff1-ce00-000000000000",
                client_app="Exchange ActiveSync",
                ip_address="192.0.2.44",
                created="$TODAYT07:45:00Z",
                city="Seattle",
            )
        )
    return attempts


def profile_sign_ins(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The sign-in log a profile starts with (dates still ``$TODAY``/``$YESTERDAY`` placeholders;
    the route lists them newest first, as Graph does)."""
    return [sign_in(state, attempt) for attempt in profile_attempts(state)]

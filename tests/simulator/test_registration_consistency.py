"""Every shipped profile's registration report follows from its own users, groups, roles and policies.

The report (``/reports/authenticationMethods/userRegistrationDetails``) is what a plugin reads to
judge who can reset a password or complete MFA; the policies are what it changes. If a profile's
report contradicted its policies, a plugin could pass on data no tenant would show. The SSPR side
is judged with the acceptance suite's independent rule (:mod:`tests.acceptance.effective`, written
from Microsoft's pages without the plugin's code). The MFA side is judged here, from the v1.0
userRegistrationDetails page: ``isMfaRegistered`` — a strong MFA method is registered, whether or
not a policy allows it; ``isMfaCapable`` — such a method is registered *and* the Authentication
methods policy allows it; ``isPasswordlessCapable`` — a passwordless method (FIDO2/passkey, Windows
Hello for Business, Authenticator passwordless) the policy allows. ``List userRegistrationDetails``
"doesn't work for disabled users", so disabled users have no row.

Assumptions (not in any API the simulator serves): before and during migration
(``preMigration``, ``migrationInProgress``) the legacy per-user MFA policy is still respected and
offers its default verification options — call or text to a phone, the Authenticator notification
and its code — whatever the methods policy says; Windows Hello for Business is governed outside the
methods policy and so always allowed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from scorekeeper.simulator import PROFILES, Simulator
from tests.acceptance import effective as eff

#: methodsRegistered spellings that are strong MFA methods (email and security questions are not).
MFA_METHODS = frozenset(
    {
        "microsoftAuthenticatorPush",
        "microsoftAuthenticatorPasswordless",
        "softwareOneTimePasscode",
        "hardwareOneTimePasscode",
        "mobilePhone",
        "alternateMobilePhone",
        "officePhone",
        "fido2",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "windowsHelloForBusiness",
    }
)
PASSWORDLESS = frozenset(
    {
        "microsoftAuthenticatorPasswordless",
        "fido2",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "windowsHelloForBusiness",
    }
)
#: What the legacy per-user MFA policy offers by default (assumed in force before migration completes).
LEGACY_MFA = frozenset(
    {"microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone", "alternateMobilePhone", "officePhone"}
)
#: Profiles whose generated users (``generate``) carry no report row: only the listed users are judged.
GENERATED = {"large"}


@cache
def _state(profile: str) -> dict[str, Any]:
    sim = Simulator.from_profiles(profile, extensions=[])
    return sim.tenant(sim.tenant_id).state


def mfa_allowed(state: dict[str, Any], user_id: str) -> frozenset[str]:
    """The registered-method spellings the tenant lets this user use for MFA."""
    configs = {
        cid: c
        for cid, c in eff._configs(state).items()
        if c.get("state") == "enabled" and eff._targeted(state, c, user_id)
    }
    allowed = {"windowsHelloForBusiness"}
    if "MicrosoftAuthenticator" in configs:
        allowed |= {"microsoftAuthenticatorPush", "microsoftAuthenticatorPasswordless"}
        if configs["MicrosoftAuthenticator"].get("isSoftwareOathEnabled"):
            allowed.add("softwareOneTimePasscode")
    if "SoftwareOath" in configs:
        allowed.add("softwareOneTimePasscode")
    if "HardwareOath" in configs:
        allowed.add("hardwareOneTimePasscode")
    if "Sms" in configs or "Voice" in configs:
        allowed |= {"mobilePhone", "alternateMobilePhone"}
    if "Voice" in configs and configs["Voice"].get("isOfficePhoneAllowed"):
        allowed.add("officePhone")
    if "Fido2" in configs:
        allowed |= {"fido2", "passKeyDeviceBound", "passKeyDeviceBoundAuthenticator"}
    if eff.migration(state) in ("preMigration", "migrationInProgress"):
        allowed |= LEGACY_MFA
    return frozenset(allowed)


def _disagreements(state: dict[str, Any]) -> list[str]:
    rows = {r["id"]: r for r in state["userRegistrationDetails"]}
    users = {u["id"]: u for u in state["users"]}
    roles = {a["principalId"] for a in state.get("roleAssignments") or []}
    wrong: list[str] = []
    for person in eff.people(state):
        row, user = rows[person.id], users[person.id]
        registered = frozenset(row.get("methodsRegistered") or [])
        allowed = mfa_allowed(state, person.id)
        expected = {
            "isAdmin": person.id in roles,
            "userType": str(user.get("userType") or "Member").lower(),
            "userPrincipalName": user.get("userPrincipalName"),
            "userDisplayName": user.get("displayName"),
            "isSsprEnabled": eff.in_scope(state, person),
            "isSsprCapable": eff.can_reset(state, person),
            "isMfaRegistered": bool(registered & MFA_METHODS),
            "isMfaCapable": bool(registered & MFA_METHODS & allowed),
            "isPasswordlessCapable": bool(registered & PASSWORDLESS & allowed),
        }
        wrong += [
            f"{person.name}: {k} is {row.get(k)!r}, expected {v!r}" for k, v in expected.items() if row.get(k) != v
        ]
        if row["isSsprCapable"] and not row["isSsprRegistered"]:
            wrong.append(f"{person.name}: SSPR capable but not registered")
    return wrong


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_registration_report_follows_from_the_profile(profile: str) -> None:
    assert _disagreements(_state(profile)) == []


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_enabled_user_guests_included_has_one_row_and_disabled_users_none(profile: str) -> None:
    """The report lists members and guests (its ``userType`` is ``member`` or ``guest``, v1.0 page)."""
    state = _state(profile)
    ids = [r["id"] for r in state["userRegistrationDetails"]]
    users = {u["id"]: u for u in state["users"]}
    assert len(ids) == len(set(ids)) and set(ids) <= set(users)
    assert not [users[i]["displayName"] for i in ids if users[i].get("accountEnabled") is False]
    if profile in GENERATED:
        return  # the generated thousands carry no row (scorekeeper/simulator/generate.py writes none)
    enabled = {i for i, u in users.items() if u.get("accountEnabled") is not False}
    assert enabled <= set(ids), [users[i]["displayName"] for i in enabled - set(ids)]
    rows = {r["id"]: r for r in state["userRegistrationDetails"]}
    for i in ids:  # the row's userType is the user's, in the report's lower-case spelling
        assert rows[i]["userType"] == str(users[i].get("userType") or "Member").lower()


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_sspr_group_and_every_group_a_method_targets_lists_its_members(profile: str) -> None:
    """Without ``groupMembers`` for a group the policies name, the rule above could not tell who is in."""
    state = _state(profile)
    named = {str(g) for g in state["portal"]["passwordResetPolicies"].get("passwordResetEnabledGroupIds") or []}
    for config in eff._configs(state).values():
        targets = [*(config.get("includeTargets") or []), *(config.get("excludeTargets") or [])]
        named |= {str(t.get("id")) for t in targets}
    named.discard(eff.ALL_USERS)
    assert named <= eff.described(state)
    users = {u["id"] for u in state["users"]}
    assert all(set(ids) <= users | set(state["groupMembers"]) for ids in state["groupMembers"].values())


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_mfa_registration_score_is_the_registered_share_of_the_report(profile: str) -> None:
    """MFARegistrationV2 ("Ensure all users can complete MFA") earns its share of users registered for MFA.

    Microsoft does not publish the formula; the proportional reading is the project's (weak-cloud's
    4 of 5 registered users earn 7.2 of 9). The control carries ``count``/``total`` beside the
    score, which must agree with the report too.
    """
    state = _state(profile)
    rows = [r for r in state["userRegistrationDetails"] if r.get("userType") == "member"]
    registered = sum(bool(r["isMfaRegistered"]) for r in rows)
    [control] = [c for c in state["secureScores"][0]["controlScores"] if c["controlName"] == "MFARegistrationV2"]
    maximum = next(p["maxScore"] for p in state["secureScoreControlProfiles"] if p["id"] == "MFARegistrationV2")
    assert control["score"] == pytest.approx(round(maximum * registered / len(rows), 2))
    if "total" in control:
        assert (int(control["count"]), int(control["total"])) == (registered, len(rows))


def test_the_rule_notices_a_wrong_row() -> None:
    """The comparison can fail: flipping one answer in a copy of a consistent profile is caught."""
    state = {**_state("weak-cloud")}
    state["userRegistrationDetails"] = [dict(r) for r in state["userRegistrationDetails"]]
    adele = next(r for r in state["userRegistrationDetails"] if r["userDisplayName"] == "Adele Vance")
    adele["isSsprCapable"] = True  # her only method, a mobile phone, is not offered by the portal
    assert _disagreements(state) == ["Adele Vance: isSsprCapable is True, expected False"]


async def test_the_served_report_lists_the_guest_with_the_documented_fields(http: Any) -> None:
    """weak-cloud's guest, Jordan Lee, is in the report Graph serves, filtered by ``userType`` as documented."""
    answer = await http(
        "GET",
        "/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=userType eq 'guest'",
        roles=["AuditLog.Read.All"],
    )
    assert answer.status_code == 200, answer.text
    [guest] = answer.json()["value"]
    assert guest["userDisplayName"] == "Jordan Lee (Fabrikam)" and guest["userType"] == "guest"
    assert guest["userPrincipalName"].startswith("jordan.lee_fabrikam.com#EXT#@")
    assert guest["methodsRegistered"] == [] and guest["isSsprEnabled"] is False and guest["isMfaRegistered"] is False
    assert guest["userPreferredMethodForSecondaryAuthentication"] == "none"

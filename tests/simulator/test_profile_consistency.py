"""Every profile's Secure Score agrees with the configuration it holds (issue 27).

Microsoft does not publish how each control is scored, so the rules below are the project's
reading of each control's title, written down in docs/simulator.md: a control that scores
anything holds the configuration that earns it, and a control whose configuration is absent
scores nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.profiles import profile_names

GA = "62e90394-69f5-4237-9190-012177145e10"
LEGACY = {"exchangeActiveSync", "other"}


def _state(profile: str) -> dict[str, Any]:
    sim = Simulator.from_profiles(profile, extensions=[])
    return sim.tenant(sim.tenant_id).state


def _scores(state: dict[str, Any]) -> dict[str, float]:
    return {c["controlName"]: float(c["score"]) for c in state["secureScores"][0]["controlScores"]}


def _enforced(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in state.get("conditionalAccessPolicies") or [] if p.get("state") == "enabled"]


def _grants(policy: dict[str, Any]) -> set[str]:
    return set((policy.get("grantControls") or {}).get("builtInControls") or [])


def _users(policy: dict[str, Any]) -> dict[str, Any]:
    return dict((policy.get("conditions") or {}).get("users") or {})


def _all_apps(policy: dict[str, Any]) -> bool:
    return "All" in ((policy.get("conditions") or {}).get("applications") or {}).get("includeApplications", [])


def blocks_legacy(policy: dict[str, Any]) -> bool:
    clients = set((policy.get("conditions") or {}).get("clientAppTypes") or [])
    return "block" in _grants(policy) and clients >= LEGACY and "All" in _users(policy).get("includeUsers", [])


def admin_mfa(policy: dict[str, Any]) -> bool:
    users = _users(policy)
    covers = GA in users.get("includeRoles", []) or "All" in users.get("includeUsers", [])
    risk = (policy.get("conditions") or {}).get("signInRiskLevels") or (policy.get("conditions") or {}).get(
        "userRiskLevels"
    )
    return "mfa" in _grants(policy) and covers and _all_apps(policy) and not risk


def sign_in_risk(policy: dict[str, Any]) -> bool:
    levels = (policy.get("conditions") or {}).get("signInRiskLevels") or []
    return bool(levels) and bool(_grants(policy) & {"mfa", "block"})


def user_risk(policy: dict[str, Any]) -> bool:
    levels = (policy.get("conditions") or {}).get("userRiskLevels") or []
    return bool(levels) and bool(_grants(policy) & {"passwordChange", "block"})


CA_CONTROLS = {
    "BlockLegacyAuthentication": blocks_legacy,
    "AdminMFAV2": admin_mfa,
    "SigninRiskPolicy": sign_in_risk,
    "UserRiskPolicy": user_risk,
}


@pytest.mark.parametrize("profile", profile_names())
@pytest.mark.parametrize("control", sorted(CA_CONTROLS))
def test_a_conditional_access_control_scores_only_with_its_policy(profile: str, control: str) -> None:
    state = _state(profile)
    score = _scores(state).get(control)
    if score is None:
        pytest.skip(f"{profile} does not score {control}")
    holds = [p["displayName"] for p in _enforced(state) if CA_CONTROLS[control](p)]
    defaults = (state.get("identitySecurityDefaultsEnforcementPolicy") or {}).get("isEnabled")
    if defaults and control in ("BlockLegacyAuthentication", "AdminMFAV2"):
        holds.append("security defaults")  # they block legacy authentication and require MFA of admins
    if score > 0:
        assert holds, f"{profile} scores {control} {score} but holds no enforced policy that earns it"
    else:  # whether Secure Score credits security defaults for these controls is not documented
        assert not [h for h in holds if h != "security defaults"], f"{profile} holds {holds} yet scores {control} 0"


@pytest.mark.parametrize("profile", profile_names())
def test_mfa_registration_score_follows_the_registration_report(profile: str) -> None:
    state = _state(profile)
    score = _scores(state).get("MFARegistrationV2")
    # Members only, as the score's share is taken (test_registration_consistency): guests are in the report too.
    report = [r for r in state.get("userRegistrationDetails") or [] if r.get("userType", "member") == "member"]
    registered = [r for r in report if r.get("isMfaRegistered")]
    maximum = next(p["maxScore"] for p in state["secureScoreControlProfiles"] if p["id"] == "MFARegistrationV2")
    if score == maximum:
        assert report and len(registered) == len(report), f"{profile}: full score but not everyone is registered"
    elif score == 0:
        assert not registered, f"{profile}: people are registered yet the score is 0"


@pytest.mark.parametrize("profile", profile_names())
def test_security_defaults_and_conditional_access_exclude_each_other(profile: str) -> None:
    state = _state(profile)
    defaults = state.get("identitySecurityDefaultsEnforcementPolicy") or {}
    on = [p["displayName"] for p in state.get("conditionalAccessPolicies") or [] if p.get("state") != "disabled"]
    if defaults.get("isEnabled"):
        assert not on, f"{profile}: security defaults on beside Conditional Access policies {on}"


@pytest.mark.parametrize("profile", profile_names())
def test_global_administrator_counts_match_one_admin_and_many_admins(profile: str) -> None:
    state = _state(profile)
    admins = {a["principalId"] for a in state.get("roleAssignments") or [] if a["roleDefinitionId"] == GA}
    scores = _scores(state)
    if "OneAdmin" in scores:  # "Designate more than one global admin"
        assert (scores["OneAdmin"] > 0) == (len(admins) > 1), (
            f"{profile}: {len(admins)} GA(s), OneAdmin {scores['OneAdmin']}"
        )
    if "ManyAdmins" in scores:  # "Ensure fewer than 5 global admins"
        assert (scores["ManyAdmins"] > 0) == (len(admins) < 5), f"{profile}: {len(admins)} GAs"
    assert admins, f"{profile} has no Global Administrator"


def test_hardened_break_glass_accounts_are_global_admins_excluded_from_every_policy() -> None:
    state = _state("hardened")
    glass = [u["id"] for u in state["users"] if u["userPrincipalName"].startswith("breakglass")]
    assert len(glass) == 2
    admins = {a["principalId"] for a in state["roleAssignments"] if a["roleDefinitionId"] == GA}
    assert set(glass) <= admins and 2 <= len(admins - set(glass)) <= 4
    for policy in state["conditionalAccessPolicies"]:
        assert set(glass) <= set(_users(policy).get("excludeUsers", [])), policy["displayName"]


@pytest.mark.parametrize("profile", profile_names())
def test_sign_ins_name_only_the_profiles_policies(profile: str) -> None:
    state = _state(profile)
    policies = {p["id"]: p["state"] for p in state.get("conditionalAccessPolicies") or []}
    report_only = {"reportOnlySuccess", "reportOnlyFailure", "reportOnlyInterrupted", "reportOnlyNotApplied"}
    for sign_in in state["signIns"]:
        for entry in sign_in["appliedConditionalAccessPolicies"]:
            mode = policies[entry["id"]]
            if mode == "enabledForReportingButNotEnforced":
                assert entry["result"] in report_only
            elif mode == "disabled":
                assert entry["result"] == "notEnabled"
            else:
                assert entry["result"] in {"success", "failure", "notApplied"}

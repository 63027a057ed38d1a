"""The acceptance rules catch what issue 25 reported: each rule fails on a tenant left worse off.

Each case builds the "after" state of a bad remediation by hand and runs the very test functions
of :mod:`test_no_lockout` on it, so a rule that could never fail would show here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.simulator import Simulator
from tests.acceptance import effective as eff
from tests.acceptance import test_no_lockout as rules


def _outcome(
    profile: str, change: Callable[[dict[str, Any]], None], assess: dict[str, Any] | None = None
) -> rules.Outcome:
    sim = Simulator.from_profiles(profile, extensions=[])
    before = copy.deepcopy(sim.tenant(sim.tenant_id).state)
    after = copy.deepcopy(before)
    change(after)
    return rules.Outcome(profile, before, after, 0, {"controls": []}, assess or {"controls": []}, Path())


def _complete_migration(state: dict[str, Any]) -> None:
    state["authenticationMethodsPolicy"]["policyMigrationState"] = "migrationComplete"


def _two_gates(state: dict[str, Any]) -> None:
    state["portal"]["passwordResetPolicies"]["numberOfAuthenticationMethodsRequired"] = 2


def test_completing_the_migration_early_is_caught() -> None:
    done = _outcome("phone-legacy", _complete_migration)
    with pytest.raises(AssertionError, match="Adele Vance"):
        rules.test_no_user_loses_a_usable_reset_method(done)
    with pytest.raises(AssertionError, match="Lee Gu"):
        rules.test_everyone_who_could_reset_still_can(done)


def test_two_gates_on_paper_are_caught() -> None:
    done = _outcome("phone-legacy", _two_gates)
    with pytest.raises(AssertionError, match=r"two methods required but .*Adele Vance has 1 usable"):
        rules.test_two_gates_only_where_two_distinct_methods_are_usable(done)


def test_a_passkey_campaign_nobody_can_follow_is_caught() -> None:
    def passkeys(state: dict[str, Any]) -> None:
        campaign = eff.campaign(state)
        for target in campaign["includeTargets"]:
            target["targetedAuthenticationMethod"] = "fido2"  # FIDO2 is disabled in phone-legacy

    with pytest.raises(AssertionError, match="fido2"):
        rules.test_no_campaign_targets_a_method_its_users_cannot_register(_outcome("phone-legacy", passkeys))


def test_writes_without_the_licence_are_caught() -> None:
    def ca_and_intune(state: dict[str, Any]) -> None:
        state["conditionalAccessPolicies"].append({"id": "new", "state": "enabledForReportingButNotEnforced"})
        state.setdefault("configurationPolicies", []).append({"id": "profile"})

    with pytest.raises(AssertionError, match=r"conditionalAccessPolicies changed without p1.*configurationPolicies"):
        rules.test_nothing_needing_a_missing_licence_is_written(_outcome("business-standard", ca_and_intune))


def test_an_automated_setting_still_failing_is_caught() -> None:
    assess = {
        "controls": [
            {
                "control": "SelfServicePasswordReset",
                "findings": [
                    {"setting": "enablement", "status": "fail", "remediation": "automated", "reason": "selected"},
                    {"setting": "helpdesk_link", "status": "fail", "remediation": "guided", "reason": "no URL"},
                    {"setting": "registration_ca_policy", "status": "staged", "remediation": "automated", "reason": ""},
                ],
            }
        ]
    }
    with pytest.raises(AssertionError, match="enablement") as caught:
        rules.test_no_automated_setting_still_fails(_outcome("weak-cloud", lambda s: None, assess))
    assert "helpdesk_link" not in str(caught.value) and "registration_ca_policy" not in str(caught.value)


def test_a_refused_write_without_the_licence_is_caught_from_the_request_log() -> None:
    done = _outcome("business-standard", lambda s: None)
    done.attempts = [
        eff.Attempt("POST", "/v1.0/identity/conditionalAccess/policies", 403),
        eff.Attempt("POST", "/beta/deviceManagement/configurationPolicies", 400),
        eff.Attempt("POST", "/v1.0/groupSettings", 403, {"templateId": eff.PASSWORD_RULE_SETTINGS}),
        eff.Attempt("PUT", "/api/PasswordReset/PasswordResetPolicies", 200),  # Business Standard licenses SSPR
    ]
    done.remediate = {"controls": [{"changes": [{"setting": "x"}]}]}
    with pytest.raises(AssertionError) as caught:
        rules.test_nothing_needing_a_missing_licence_is_even_attempted(done)
    message = str(caught.value)
    assert "conditionalAccess" in message and "configurationPolicies" in message and "groupSettings" in message
    assert "PasswordResetPolicies" not in message

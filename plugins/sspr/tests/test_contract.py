"""The SSPR plugin passes the same one-line contract suite any third-party control runs.

Beside every shipped profile it runs two states of its own: the registration policy exists but
is disabled (so the suite runs the edit path of ``registration_ca_policy`` and its rollback, not
only the create), and break-glass accounts are configured (the policy must exclude them).
"""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.testing import ContractState, ControlContract, Fixture

CONFIG = {"helpdesk": "https://help.contoso.com/password"}
#: "Securing security info registration" in the hardened profile.
REGISTRATION_POLICY = "2b31ac51-b855-40a5-a986-0a4ed23e9008"
REGISTRATION_POLICY_DISABLED = {
    "extends": "hardened",
    "name": "registration-policy-disabled",
    "set": {f"conditionalAccessPolicies[id={REGISTRATION_POLICY}].state": "disabled"},
}
BREAK_GLASS = {**CONFIG, "break_glass": ["breakglass@contoso.onmicrosoft.com"]}

#: windows_sign_in_reset reports ``current`` as the configuration it found ({"id", "targets"}) but
#: ``desired`` as the OMA setting it creates ({"omaUri", "value", "targets"}): after remediation the
#: current value can never hold the desired one, so the plan shows two different things and the
#: suite cannot confirm the write matched it. A plugin bug, reported (issue 27), not fixed here;
#: these are the states where that setting is planned. Strict: the day it is fixed, this fails.
WINDOWS_SIGN_IN_RESET_SHAPES = frozenset(
    {
        "hybrid-writeback-off",
        "large",
        "migrated",
        "modern-cloud",
        "passkey-users",
        "phone-legacy",
        "trusted-locations",
        "weak-cloud",
        "break-glass-configured",
    }
)


class TestSelfServicePasswordResetContract(ControlContract):
    control_id = "SelfServicePasswordReset"
    weak_profile = "weak-cloud"
    config = CONFIG
    fixtures = (
        REGISTRATION_POLICY_DISABLED,
        Fixture("weak-cloud", name="break-glass-configured", config=BREAK_GLASS),
    )

    @pytest.mark.asyncio
    async def test_writes_match_the_plan(
        self, contract_state: ContractState, sk_store: Any, tmp_path: Any, request: pytest.FixtureRequest
    ) -> None:
        if contract_state.name in WINDOWS_SIGN_IN_RESET_SHAPES:
            request.applymarker(
                pytest.mark.xfail(
                    strict=True,
                    raises=AssertionError,
                    reason="windows_sign_in_reset: Finding.current and desired describe different things",
                )
            )
        await super().test_writes_match_the_plan(contract_state, sk_store, tmp_path)

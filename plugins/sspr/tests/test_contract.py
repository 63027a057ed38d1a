"""The SSPR plugin passes the same one-line contract suite any third-party control runs.

Beside every shipped profile it runs two states of its own: the registration policy exists but
is disabled (so the suite runs the edit path of ``registration_ca_policy`` and its rollback, not
only the create), break-glass accounts are configured (the policy must exclude them), and a pilot
device group is configured (the Windows sign-in profile is created and assigned to it first).
"""

from __future__ import annotations

from scorekeeper.testing import ControlContract, Fixture

CONFIG = {"helpdesk": "https://help.contoso.com/password"}
#: "Securing security info registration" in the hardened profile.
REGISTRATION_POLICY = "2b31ac51-b855-40a5-a986-0a4ed23e9008"
REGISTRATION_POLICY_DISABLED = {
    "extends": "hardened",
    "name": "registration-policy-disabled",
    "set": {f"conditionalAccessPolicies[id={REGISTRATION_POLICY}].state": "disabled"},
}
BREAK_GLASS = {**CONFIG, "break_glass": ["breakglass@contoso.onmicrosoft.com"]}
#: A pilot device group for Windows sign-in reset (weak-cloud's second group, by object id).
WINDOWS_PILOT = {**CONFIG, "windows_sign_in_group": "1d3c5f6a-2b4e-4c8d-9e0f-a1b2c3d4e5f6"}


class TestSelfServicePasswordResetContract(ControlContract):
    control_id = "SelfServicePasswordReset"
    weak_profile = "weak-cloud"
    config = CONFIG
    fixtures = (
        REGISTRATION_POLICY_DISABLED,
        Fixture("weak-cloud", name="break-glass-configured", config=BREAK_GLASS),
        Fixture("weak-cloud", name="windows-pilot", config=WINDOWS_PILOT),
    )

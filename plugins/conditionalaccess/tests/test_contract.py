"""scorekeeper's contract suite for each control: every shipped profile, an existing-policy state
(the edit path and its rollback), a P2 tenant (the risk controls), and break-glass configured."""

from __future__ import annotations

from ca_fixtures import BREAK_GLASS, existing, with_p2

from scorekeeper.testing import ControlContract, Fixture


def _fixtures(control_id: str) -> tuple[Fixture, ...]:
    return (
        Fixture(existing(control_id), name="existing-policy"),
        Fixture(existing(control_id), name="existing-policy-break-glass", config=BREAK_GLASS),
        Fixture(with_p2("weak-cloud", "new-policy-break-glass"), name="new-policy-break-glass", config=BREAK_GLASS),
    )


class TestAdminMFAV2Contract(ControlContract):
    control_id = "AdminMFAV2"
    weak_profile = existing("AdminMFAV2")
    fixtures = _fixtures("AdminMFAV2")


class TestBlockLegacyAuthenticationContract(ControlContract):
    control_id = "BlockLegacyAuthentication"
    fixtures = _fixtures("BlockLegacyAuthentication")


class TestMFARegistrationV2Contract(ControlContract):
    control_id = "MFARegistrationV2"
    remediation = {"requirements": ["criterion", "baseline", "advice"]}  # noqa: RUF012 - ca_policy is advice
    fixtures = _fixtures("MFARegistrationV2")


class TestSigninRiskPolicyContract(ControlContract):
    control_id = "SigninRiskPolicy"
    weak_profile = with_p2("weak-cloud", "weak-cloud-p2")
    fixtures = _fixtures("SigninRiskPolicy")


class TestUserRiskPolicyContract(ControlContract):
    control_id = "UserRiskPolicy"
    weak_profile = with_p2("weak-cloud", "weak-cloud-p2")
    fixtures = _fixtures("UserRiskPolicy")

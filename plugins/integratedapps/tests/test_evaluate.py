"""The verdict as a pure function of what Graph answered: no tenant needed."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper import RemediationKind, Status
from scorekeeper.reads import Read
from scorekeeper_integratedapps.control import LEGACY, LOW_IMPACT, IntegratedAppsConfig
from scorekeeper_integratedapps.evaluate import target, user_consent

TEAM = "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"
CUSTOM = "ManagePermissionGrantsForSelf.contoso-verified-only"


def policy(*entries: str) -> Read:
    return Read({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": list(entries)}}, 200, "")


DISABLED, LOW = IntegratedAppsConfig(), IntegratedAppsConfig(user_consent="low_impact")


@pytest.mark.parametrize(
    ("entries", "status"),
    [
        ((), Status.PASS),
        ((TEAM,), Status.PASS),  # only resource-specific consent for team owners: user consent is off
        ((LOW_IMPACT, TEAM), Status.PASS),
        (("managePermissionGrantsForSelf.microsoft-user-default-low",), Status.PASS),  # Microsoft's casing in docs
        ((LEGACY, TEAM), Status.FAIL),
        ((LEGACY, LOW_IMPACT), Status.FAIL),  # legacy alongside low still lets users consent to anything
        ((CUSTOM, TEAM), Status.MANUAL),
    ],
)
def test_who_may_consent_decides_the_status(entries: tuple[str, ...], status: Status) -> None:
    assert user_consent(policy(*entries), DISABLED).status is status


def test_a_legacy_tenant_is_remediated_to_no_user_consent_keeping_the_other_entries() -> None:
    finding = user_consent(policy(LEGACY, TEAM), DISABLED)
    assert finding.current == [LEGACY, TEAM]
    assert finding.desired == [TEAM]
    assert finding.remediation is RemediationKind.AUTOMATED
    assert "admin consent workflow" in finding.evidence["consequence"]


def test_low_impact_is_the_target_when_configured() -> None:
    finding = user_consent(policy(LEGACY, TEAM), LOW)
    assert finding.desired == [LOW_IMPACT, TEAM]
    assert "consequence" not in finding.evidence


def test_a_custom_policy_is_a_guided_review_never_an_automated_write() -> None:
    finding = user_consent(policy(CUSTOM), DISABLED)
    assert finding.remediation is RemediationKind.GUIDED
    assert any("scorekeeper attest" in step for step in finding.steps)
    assert CUSTOM in finding.reason


@pytest.mark.parametrize(("status", "missing"), [(403, ("Policy.Read.All",)), (503, ())])
def test_an_unreadable_policy_is_unknown_never_fail(status: int, missing: tuple[str, ...]) -> None:
    finding = user_consent(Read(None, status, "refused" if status == 403 else "unavailable"), DISABLED)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_permissions == missing


def test_target_replaces_only_the_user_consent_entries() -> None:
    entries: list[Any] = [TEAM, LEGACY, "ManagePermissionGrantsForOwnedResource.other"]
    assert target(entries, DISABLED) == [TEAM, "ManagePermissionGrantsForOwnedResource.other"]
    assert target(entries, LOW) == [LOW_IMPACT, TEAM, "ManagePermissionGrantsForOwnedResource.other"]

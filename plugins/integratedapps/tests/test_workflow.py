"""Microsoft-managed consent and the admin consent workflow, as pure functions of what Graph answered."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper import Harm, RemediationKind, Status
from scorekeeper.reads import Read
from scorekeeper_integratedapps.control import MAIL_APPS, RECOMMENDED, IntegratedAppsConfig
from scorekeeper_integratedapps.evaluate import admin_consent_workflow, user_consent

TEAM = "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"
ADA = "11111111-2222-3333-4444-555555555555"


def policy(*entries: str) -> Read:
    return Read({"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": list(entries)}}, 200, "")


def workflow(enabled: bool, *user_ids: str) -> Read:
    """Shaped like the example of learn.microsoft.com/graph/api/adminconsentrequestpolicy-get."""
    return Read(
        {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/adminConsentRequestPolicy/$entity",
            "isEnabled": enabled,
            "notifyReviewers": False,
            "remindersEnabled": False,
            "requestDurationInDays": 0,
            "version": 0,
            "reviewers": [
                {"query": f"/users/{uid}", "queryType": "MicrosoftGraph", "queryRoot": None} for uid in user_ids
            ],
        }
    )


def user(uid: str, upn: str) -> Read:
    return Read({"id": uid, "userPrincipalName": upn, "displayName": upn.split("@")[0]})


def config(**kw: Any) -> IntegratedAppsConfig:
    return IntegratedAppsConfig(**kw)


@pytest.mark.parametrize("entries", [(RECOMMENDED,), (RECOMMENDED, MAIL_APPS, TEAM), (MAIL_APPS,)])
def test_microsoft_managed_consent_has_its_own_verdict_and_fails(entries: tuple[str, ...]) -> None:
    finding = user_consent(policy(*entries), config(), workflow(False))
    assert finding.status is Status.FAIL
    assert finding.remediation is RemediationKind.AUTOMATED
    assert finding.evidence["microsoft_managed"] is True
    assert "Let Microsoft manage your consent settings" in finding.reason
    assert finding.desired == [e for e in entries if e == TEAM]


def test_microsoft_managed_casing_from_microsofts_examples_is_recognised() -> None:
    finding = user_consent(policy("managePermissionGrantsForSelf.microsoft-user-default-recommended"), config())
    assert finding.evidence.get("microsoft_managed") is True


def test_turning_consent_off_degrades_but_never_locks_out_and_says_whether_users_can_ask() -> None:
    off = user_consent(policy(RECOMMENDED, TEAM), config(), workflow(False)).impact
    assert off is not None and off.harm is Harm.DEGRADES and not off.blocks
    assert "consents already granted stay" in off.summary
    assert "no way to ask" in off.summary
    on = user_consent(policy(RECOMMENDED, TEAM), config(), workflow(True, ADA)).impact
    assert on is not None and "can ask the admin consent workflow's reviewers" in on.summary
    planned = user_consent(policy(RECOMMENDED), config(consent_reviewers=("ada@contoso.com",)), workflow(False)).impact
    assert planned is not None and "once the admin consent workflow is turned on" in planned.summary
    unread = user_consent(policy(RECOMMENDED), config(), Read(None, 403, "refused")).impact
    assert unread is not None and "unknown" in unread.summary


def test_a_passing_consent_setting_carries_no_impact() -> None:
    assert user_consent(policy(TEAM), config(), workflow(False)).impact is None


def test_workflow_on_with_a_reviewer_passes() -> None:
    finding = admin_consent_workflow(workflow(True, ADA), [], config())
    assert finding.status is Status.PASS
    assert finding.current["reviewers"] == [
        {"query": f"/users/{ADA}", "queryType": "MicrosoftGraph", "queryRoot": None}
    ]


def test_workflow_on_without_reviewers_fails() -> None:
    finding = admin_consent_workflow(workflow(True), [], config())
    assert finding.status is Status.FAIL and "no reviewer" in finding.reason


def test_without_configured_reviewers_it_is_a_guided_step_never_an_empty_write() -> None:
    finding = admin_consent_workflow(workflow(False), [], config())
    assert (finding.status, finding.remediation) == (Status.FAIL, RemediationKind.GUIDED)
    assert finding.desired is None
    assert any("consent_reviewers" in step for step in finding.steps)


def test_configured_reviewers_make_it_automated_with_the_documented_reviewer_shape() -> None:
    cfg = config(consent_reviewers=("ada@contoso.com", ADA), consent_request_days=14)
    finding = admin_consent_workflow(workflow(False), [user(ADA, "ada@contoso.com"), user(ADA, "ada@contoso.com")], cfg)
    assert (finding.status, finding.remediation) == (Status.FAIL, RemediationKind.AUTOMATED)
    assert finding.desired == {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": True,
        "requestDurationInDays": 14,
        "reviewers": [{"query": f"/users/{ADA}", "queryType": "MicrosoftGraph", "queryRoot": None}],  # one, not two
    }
    assert finding.impact is not None and finding.impact.harm is Harm.NONE
    assert [a.name for a in finding.impact.affected] == ["ada@contoso.com", "ada@contoso.com"]


def test_a_reviewer_who_is_not_in_the_tenant_stops_the_write() -> None:
    cfg = config(consent_reviewers=("ada@contoso.com", "ghost@contoso.com"))
    missing = Read(None, 404, "HTTP 404 Request_ResourceNotFound")
    finding = admin_consent_workflow(workflow(False), [user(ADA, "ada@contoso.com"), missing], cfg)
    assert finding.remediation is RemediationKind.GUIDED
    assert "ghost@contoso.com" in finding.reason and finding.desired is None


def test_a_refused_user_look_up_is_unknown_naming_user_read_all() -> None:
    cfg = config(consent_reviewers=("ada@contoso.com",))
    finding = admin_consent_workflow(workflow(False), [Read(None, 403, "refused")], cfg)
    assert finding.status is Status.UNKNOWN and finding.missing_permissions == ("User.Read.All",)


def test_a_refused_workflow_read_is_unknown_naming_policy_read_all() -> None:
    finding = admin_consent_workflow(Read(None, 403, "refused"), [], config())
    assert finding.status is Status.UNKNOWN and finding.missing_permissions == ("Policy.Read.All",)


def test_a_request_lasts_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        IntegratedAppsConfig(consent_request_days=0)


def test_the_low_impact_target_says_what_users_keep() -> None:
    impact = user_consent(policy(RECOMMENDED), config(user_consent="low_impact"), workflow(True, ADA)).impact
    assert impact is not None
    assert impact.summary.startswith("Users can consent themselves only to apps from verified publishers")

"""The plugin against simulated tenants, through the engine and the real msgraph-sdk pipeline.

Per-profile expectations are written by hand from each profile's authorization policy: weak-cloud
(and the profiles that extend it unchanged) let users consent to any app; hardened has user
consent off; modern-cloud limits it to Microsoft's low-impact policy. Every profile also carries
the team and chat owners' resource-specific consent entries, which remediation must keep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scorekeeper import Status
from scorekeeper.simulator import Simulator
from scorekeeper.testing import make_engine
from scorekeeper_integratedapps.control import LEGACY, LOW_IMPACT

IA = "IntegratedApps"
CHAT = "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat"
TEAM = "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team"

EXPECTED = {
    "weak-cloud": (Status.FAIL, [LEGACY, CHAT, TEAM]),
    "hybrid-writeback-off": (Status.FAIL, [LEGACY, CHAT, TEAM]),
    "o365-only": (Status.FAIL, [LEGACY, CHAT, TEAM]),
    "large": (Status.FAIL, [LEGACY, CHAT, TEAM]),
    "hardened": (Status.PASS, [CHAT, TEAM]),
    "modern-cloud": (Status.PASS, [LOW_IMPACT, CHAT, TEAM]),
}


def engine(sim: Simulator, store: Any, tmp_path: Path, **config: Any) -> Any:
    return make_engine({"t": sim}, store, tmp_path, controls={IA: config})


def stored(sim: Simulator) -> list[str]:
    """What the simulated tenant really holds."""
    policy = sim.tenant(sim.tenant_id).state["authorizationPolicy"]
    return list(policy["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"])


async def findings(eng: Any) -> dict[str, Any]:
    [run] = await eng.assess(["t"], [IA])
    return {f.setting: f for f in run.findings}


@pytest.mark.parametrize("profile", sorted(EXPECTED))
async def test_each_profile_is_judged_as_written_down(profile: str, sk_store: Any, tmp_path: Path) -> None:
    sim = Simulator.from_profiles(profile)
    status, current = EXPECTED[profile]
    finding = (await findings(engine(sim, sk_store, tmp_path)))["user_consent"]
    assert (finding.status, finding.current) == (status, current), finding.reason
    assert sim.writes() == []


async def test_remediation_turns_user_consent_off_keeps_owner_consent_and_rolls_back(
    sk_store: Any, tmp_path: Path
) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    eng = engine(sim, sk_store, tmp_path)
    _, plans = await eng.plan("t", [IA])
    [item] = [i for p in plans for i in p.items if i.setting == "user_consent"]
    assert "admin consent workflow" in item.consequence
    result = await eng.remediate("t", plans)
    assert [f"{w.method} {w.path}" for w in sim.writes()] == ["PATCH /v1.0/policies/authorizationPolicy"]
    assert stored(sim) == [CHAT, TEAM]
    assert (await findings(eng))["user_consent"].status is Status.PASS

    _, undo = eng.rollback_plans(result.run_id)
    await eng.rollback(result.run_id, undo)
    assert sim.state_diff() == []
    assert stored(sim) == [LEGACY, CHAT, TEAM]


async def test_an_entry_added_after_the_plan_survives_the_write(sk_store: Any, tmp_path: Path) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    eng = engine(sim, sk_store, tmp_path)
    _, plans = await eng.plan("t", [IA])
    added = "ManagePermissionGrantsForOwnedResource.contoso-approved-team-apps"
    stored_list = sim.tenant(sim.tenant_id).state["authorizationPolicy"]["defaultUserRolePermissions"]
    stored_list["permissionGrantPoliciesAssigned"].append(added)  # another admin, between plan and confirm
    await eng.remediate("t", plans)
    assert stored(sim) == [CHAT, TEAM, added]


async def test_low_impact_when_configured(sk_store: Any, tmp_path: Path) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    eng = engine(sim, sk_store, tmp_path, user_consent="low_impact")
    _, plans = await eng.plan("t", [IA])
    await eng.remediate("t", plans)
    assert stored(sim) == [LOW_IMPACT, CHAT, TEAM]
    assert (await findings(eng))["user_consent"].status is Status.PASS


# ----------------------------------------------------------------------------- issue 25
WORKFLOW_KEY = "adminConsentRequestPolicy"
ADELE_UPN = "adelev@contoso.onmicrosoft.com"


def workflow_state(sim: Simulator) -> dict[str, Any]:
    return dict(sim.tenant(sim.tenant_id).state[WORKFLOW_KEY])


@pytest.mark.parametrize(("profile", "status"), [("weak-cloud", Status.FAIL), ("hardened", Status.PASS)])
async def test_the_admin_consent_workflow_is_judged_per_profile(
    profile: str, status: Status, sk_store: Any, tmp_path: Path
) -> None:
    sim = Simulator.from_profiles(profile)
    finding = (await findings(engine(sim, sk_store, tmp_path)))["admin_consent_workflow"]
    assert finding.status is status, finding.reason


async def test_microsoft_managed_consent_fails_and_is_turned_off_with_its_impact_in_the_plan(
    sk_store: Any, tmp_path: Path
) -> None:
    from scorekeeper.testing import simulator_for

    recommended = "ManagePermissionGrantsForSelf.microsoft-user-default-recommended"
    mail = "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps"
    sim = simulator_for(
        profile_data={
            "extends": "modern-cloud",
            "set": {
                "authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned": [
                    recommended,
                    mail,
                    TEAM,
                ]
            },
        }
    )
    eng = engine(sim, sk_store, tmp_path)
    finding = (await findings(eng))["user_consent"]
    assert finding.status is Status.FAIL and finding.evidence["microsoft_managed"] is True
    _, plans = await eng.plan("t", [IA])
    [item] = [i for p in plans for i in p.items if i.setting == "user_consent"]
    assert item.impact is not None and item.impact.harm.value == "degrades"
    assert "no way to ask" in item.impact.summary
    await eng.remediate("t", plans)
    assert stored(sim) == [TEAM]


async def test_the_workflow_is_turned_on_with_the_configured_reviewer_and_rolled_back_exactly(
    sk_store: Any, tmp_path: Path
) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    adele = next(u for u in sim.tenant(sim.tenant_id).state["users"] if u["userPrincipalName"] == ADELE_UPN)
    eng = engine(sim, sk_store, tmp_path, consent_reviewers=[ADELE_UPN], consent_request_days=14)
    sim.mark()
    _, plans = await eng.plan("t", [IA])
    [item] = [i for p in plans for i in p.items if i.setting == "admin_consent_workflow"]
    assert item.impact is not None and [a.name for a in item.impact.affected] == [ADELE_UPN]
    [consent] = [i for p in plans for i in p.items if i.setting == "user_consent"]
    assert consent.impact is not None and "once the admin consent workflow is turned on" in consent.impact.summary
    result = await eng.remediate("t", plans)
    assert sorted(f"{w.method} {w.path}" for w in sim.writes()) == [
        "PATCH /v1.0/policies/authorizationPolicy",
        "PUT /v1.0/policies/adminConsentRequestPolicy",
    ]
    policy = workflow_state(sim)
    assert (policy["isEnabled"], policy["requestDurationInDays"]) == (True, 14)
    assert [r["query"] for r in policy["reviewers"]] == [f"/users/{adele['id']}"]
    assert {f.setting: f.status for f in result.findings}["admin_consent_workflow"] is Status.PASS

    _, undo = eng.rollback_plans(result.run_id)
    await eng.rollback(result.run_id, undo)
    assert sim.state_diff() == []
    assert workflow_state(sim)["isEnabled"] is False


async def test_an_unknown_reviewer_is_never_written(sk_store: Any, tmp_path: Path) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    eng = engine(sim, sk_store, tmp_path, consent_reviewers=["ghost@contoso.onmicrosoft.com"])
    finding = (await findings(eng))["admin_consent_workflow"]
    assert finding.remediation.value == "guided" and "ghost@contoso.onmicrosoft.com" in finding.reason
    _, plans = await eng.plan("t", [IA])
    await eng.remediate("t", plans)
    assert [w.path for w in sim.writes()] == ["/v1.0/policies/authorizationPolicy"]
    assert workflow_state(sim)["isEnabled"] is False

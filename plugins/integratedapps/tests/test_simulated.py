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

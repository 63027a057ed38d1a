"""The three controls against every shipped profile, through the engine and the real msgraph-sdk pipeline.

The criteria must agree with the tenant's own Secure Score on every profile (the simulator
derives OneAdmin and ManyAdmins from the Global Administrator assignments), and nothing is ever
written: no plan holds an automated item and remediation sends no request that writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scorekeeper import Status
from scorekeeper.simulator import PROFILES, Simulator
from scorekeeper.testing import make_engine

CONTROLS = ["OneAdmin", "ManyAdmins", "RoleOverlap"]
CRITERIA = {"OneAdmin": "more_than_one_global_admin", "ManyAdmins": "fewer_than_five_global_admins"}
BREAK_GLASS_UPN = "breakglass@contoso.onmicrosoft.com"
BREAK_GLASS_ID = "b0f1e1a4-3c0d-4d7e-9a51-2b1c9d8e7f60"


def engine(sim: Simulator, store: Any, tmp_path: Path, **config: Any) -> Any:
    return make_engine({"t": sim}, store, tmp_path, controls={c: dict(config) for c in CONTROLS})


async def findings(eng: Any) -> dict[tuple[str, str], Any]:
    [run] = await eng.assess(["t"], CONTROLS)
    assert not [c.error for c in run.controls if c.error]
    return {(f.control, f.setting): f for f in run.findings}


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_the_criteria_agree_with_the_tenants_secure_score_and_nothing_is_written(
    profile: str, sk_store: Any, tmp_path: Path
) -> None:
    sim = Simulator.from_profiles(profile)
    eng = engine(sim, sk_store, tmp_path)
    found = await findings(eng)
    for control, setting in CRITERIA.items():
        score = found[(control, "secure_score")]
        full = score.status is Status.PASS
        assert (found[(control, setting)].status is Status.PASS) == full, (profile, control, score.reason)
    _, plans = await eng.plan("t", CONTROLS)
    assert [i for p in plans for i in p.automated] == []
    await eng.remediate("t", plans)
    assert sim.writes() == []


async def test_weak_cloud_has_one_global_admin_and_the_steps_name_the_configured_break_glass_account(
    sk_store: Any, tmp_path: Path
) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    found = await findings(engine(sim, sk_store, tmp_path, break_glass=[BREAK_GLASS_UPN]))
    one = found[("OneAdmin", "more_than_one_global_admin")]
    assert one.status is Status.FAIL and "admin@contoso.onmicrosoft.com" in one.reason
    steps = "\n".join(one.steps)
    assert f"configured break-glass account {BREAK_GLASS_UPN} ({BREAK_GLASS_ID})" in steps
    assert f'"principalId": "{BREAK_GLASS_ID}"' in steps
    assert found[("ManyAdmins", "cisa_global_admin_range")].status is Status.FAIL


async def test_hardened_passes_microsofts_criteria_and_shows_the_overlap_as_advice(
    sk_store: Any, tmp_path: Path
) -> None:
    found = await findings(engine(Simulator.from_profiles("hardened"), sk_store, tmp_path))
    assert found[("OneAdmin", "more_than_one_global_admin")].current["enabled_global_admins"] == 4
    assert found[("ManyAdmins", "fewer_than_five_global_admins")].status is Status.PASS
    assert found[("ManyAdmins", "cisa_global_admin_range")].status is Status.PASS
    overlap = found[("RoleOverlap", "global_admins_without_overlapping_roles")]
    assert overlap.status is Status.ADVICE and "isaiahl@contoso.onmicrosoft.com" in overlap.reason
    assert "Conditional Access Administrator" in overlap.reason
    # CISA MS.AAD.7.2v1: four Global Administrators against one eligible Privileged Role Administrator (Alex)
    finer = found[("RoleOverlap", "finer_grained_roles")]
    assert finer.status is Status.FAIL and finer.current == {"global_admins": 4, "other_highly_privileged_users": 1}

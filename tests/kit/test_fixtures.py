"""Simulated tenants from a plugin's own fixture data, and the ``sk_simulator`` fixture built on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.kit.fixtures import FixtureError, FixtureSimulator, simulator_for
from scorekeeper.simulator import Simulator, SimulatorExtension
from scorekeeper.testing import ControlContract

EXT = SimulatorExtension("toy", state={"weak-cloud": {"policy": {"on": False}}, "*": {"policy": {"on": True}}})
ENABLEMENT = "portal.passwordResetPolicies.enablementType"


def policy(sim: Simulator, tenant_id: str | None = None) -> dict[str, Any]:
    return sim.tenant(tenant_id or sim.tenant_id).state["extensions"]["toy"]["policy"]


def enablement(sim: Simulator, tenant_id: str | None = None) -> Any:
    return sim.tenant(tenant_id or sim.tenant_id).state["portal"]["passwordResetPolicies"]["enablementType"]


def test_shipped_profiles_give_the_same_simulator_as_from_profiles() -> None:
    sim = simulator_for("weak-cloud", "hardened", extensions=[])
    assert type(sim) is Simulator
    assert sim.tenant_ids == Simulator.from_profiles("weak-cloud", "hardened", extensions=[]).tenant_ids


def test_set_reaches_core_state_and_an_extensions_state() -> None:
    data = {"extends": "weak-cloud", "set": {ENABLEMENT: 2, "extensions.toy.policy.on": True}}
    sim = simulator_for(profile_data=data, extensions=[EXT])
    assert isinstance(sim, FixtureSimulator)
    assert enablement(sim) == 2
    assert policy(sim) == {"on": True}
    assert sim.state_diff() == [], "the fixture is the starting point, not a change"
    assert sim.tenant(sim.tenant_id).profile == "weak-cloud", "extensions pick their state by the extended profile"


def test_extensions_see_the_fixtures_name() -> None:
    sim = simulator_for(profile_data={"extends": "weak-cloud", "name": "mine"}, extensions=[EXT])
    assert policy(sim) == {"on": True}  # not weak-cloud's: "mine" falls back to "*"


def test_a_whole_tenant_state_with_placeholders() -> None:
    data = {"tenant": {"organization": {"id": "$TENANT_ID", "verifiedDomains": [{"name": "$DOMAIN"}]}}}
    sim = simulator_for(profile_data=data, extensions=[EXT])
    state = sim.tenant(sim.tenant_id).state
    assert state["organization"]["id"] == sim.tenant_id
    assert state["extensions"]["toy"] == {"policy": {"on": True}}


def test_reset_rebuilds_the_fixture_not_the_bare_profile() -> None:
    sim = simulator_for(profile_data={"extends": "weak-cloud", "set": {ENABLEMENT: 2}}, extensions=[EXT])
    sim.tenant(sim.tenant_id).state["portal"]["passwordResetPolicies"]["enablementType"] = 0
    policy(sim)["on"] = "changed"
    sim.reset()
    assert enablement(sim) == 2
    assert policy(sim) == {"on": False}
    assert sim.state_diff() == []


def test_fixtures_and_profiles_mix_with_distinct_tenant_ids(tmp_path: Path) -> None:
    file = tmp_path / "tenant.json"
    file.write_text(json.dumps({"extends": "hardened", "set": {ENABLEMENT: 1}}), encoding="utf-8")
    sim = simulator_for("weak-cloud", profile_data=[file, {"extends": "hardened"}], extensions=[])
    first, from_file, plain = sim.tenant_ids
    assert first == Simulator.from_profiles("weak-cloud", extensions=[]).tenant_id
    assert len({first, from_file, plain}) == 3
    assert (enablement(sim, from_file), enablement(sim, plain)) == (1, 2)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("no-such-profile", "unknown simulator profile 'no-such-profile'"),
        ({"extends": "nope"}, "extends unknown profile 'nope'"),
        ({"set": {}}, "exactly one of 'extends'"),
        ({"extends": "weak-cloud", "tenant": {}}, "exactly one of 'extends'"),
        ({"extends": "weak-cloud", "sett": {}}, "unknown key(s) sett"),
        ({"extends": "weak-cloud", "set": {"users[id=nobody].x": 1}}, "no item with id 'nobody'"),
        (Path("/nonexistent/tenant.json"), "fixture file /nonexistent/tenant.json"),
        (42, "a profile is a name, a dict or a pathlib.Path"),
    ],
)
def test_bad_fixtures_say_what_is_wrong(spec: Any, words: str) -> None:
    with pytest.raises(FixtureError) as caught:
        simulator_for(spec, extensions=[])
    assert words in str(caught.value)


def test_a_fixture_file_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="is not JSON"):
        simulator_for(bad)


def test_the_sk_simulator_fixture_takes_profile_data(sk_simulator: Any) -> None:
    sim = sk_simulator(
        profile_data={"extends": "hardened", "set": {"extensions.toy.policy.on": False}}, extensions=[EXT]
    )
    assert policy(sim) == {"on": False}


def test_the_contract_names_what_to_do_when_the_control_is_not_installed(sk_store: Any, tmp_path: Path) -> None:
    class Missing(ControlContract):
        control_id = "NoSuchControl"

    with pytest.raises(pytest.fail.Exception) as caught:
        Missing().test_hooks_conform(sk_store, tmp_path)
    assert "NoSuchControl" in str(caught.value) and "pip install -e ." in str(caught.value)


def test_the_contract_needs_a_control_id(sk_store: Any, tmp_path: Path) -> None:
    class Unset(ControlContract):
        pass

    with pytest.raises(pytest.fail.Exception, match="must set control_id"):
        Unset().test_hooks_conform(sk_store, tmp_path)

"""A profile (or fixture) adds list items with ``add`` instead of restating the whole list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scorekeeper.errors import ProfileError
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.profiles import add_path, build_state, tenant_id_for


def test_add_appends_and_replaces_by_id() -> None:
    state = {"users": [{"id": "a", "displayName": "A"}]}
    add_path(state, "users", {"id": "b", "displayName": "B"})
    add_path(state, "users", [{"id": "a", "displayName": "A again"}])
    assert state["users"] == [{"id": "a", "displayName": "A again"}, {"id": "b", "displayName": "B"}]


def test_add_creates_a_missing_list_and_reaches_into_items_by_id() -> None:
    state: dict = {"policies": [{"id": "p1", "conditions": {"users": {}}}]}
    add_path(state, "namedLocations", {"id": "n1"})
    add_path(state, "policies[id=p1].conditions.users.excludeUsers", ["u1", "u2"])
    assert state["namedLocations"] == [{"id": "n1"}]
    assert state["policies"][0]["conditions"]["users"]["excludeUsers"] == ["u1", "u2"]


@pytest.mark.parametrize(("state", "path"), [({"a": {"b": 1}}, "a.b"), ({"x": []}, "x[id=missing].y")])
def test_add_refuses_what_is_not_a_list(state: dict, path: str) -> None:
    with pytest.raises(ProfileError):
        add_path(state, path, {"id": "z"})


def test_hardened_adds_its_users_and_keeps_the_inherited_ones() -> None:
    weak = {u["id"] for u in build_state("weak-cloud", tenant_id_for("weak-cloud", 0))["users"]}
    hardened = [u["userPrincipalName"] for u in build_state("hardened", tenant_id_for("hardened", 0))["users"]]
    assert len(hardened) == len(weak) + 2
    assert {"breakglass2@contoso.onmicrosoft.com", "isaiahl@contoso.onmicrosoft.com"} <= set(hardened)


def test_days_ago_placeholders_are_filled_with_past_dates() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    glass = next(
        u for u in sim.tenant(sim.tenant_id).state["users"] if u["userPrincipalName"].startswith("breakglass@")
    )
    expected = (datetime.now(UTC).date() - timedelta(days=21)).isoformat()
    assert glass["signInActivity"]["lastSignInDateTime"].startswith(expected)

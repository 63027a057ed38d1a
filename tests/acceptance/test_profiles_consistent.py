"""The issue-25 profiles say one thing everywhere: their registration report follows their own policies."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.simulator import Simulator
from tests.acceptance import effective as eff

NEW = ("phone-legacy", "migrated", "business-standard", "passkey-users", "trusted-locations")
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


def _state(profile: str) -> dict[str, Any]:
    sim = Simulator.from_profiles(profile, extensions=[])
    return sim.tenant(sim.tenant_id).state


@pytest.mark.parametrize("profile", NEW)
def test_the_report_agrees_with_the_policies(profile: str) -> None:
    state = _state(profile)
    rows = {r["id"]: r for r in state["userRegistrationDetails"]}
    wrong = []
    for person in eff.people(state):
        row = rows[person.id]
        if row["isSsprEnabled"] != eff.in_scope(state, person):
            wrong.append(f"{person.name}: isSsprEnabled {row['isSsprEnabled']}")
        if row["isSsprCapable"] != eff.can_reset(state, person):
            wrong.append(f"{person.name}: isSsprCapable {row['isSsprCapable']}")
        if row["isSsprCapable"] and not row["isSsprRegistered"]:
            wrong.append(f"{person.name}: capable but not registered")
    assert not wrong, wrong
    assert {u["id"] for u in state["users"]} == set(rows), "every user has exactly one report row"


@pytest.mark.parametrize("profile", NEW)
def test_users_licences_roles_and_break_glass(profile: str) -> None:
    state = _state(profile)
    skus = {s["skuId"] for s in state["subscribedSkus"]}
    for user in state["users"]:
        assert user["accountEnabled"] is True and user["userType"] == "Member"
        assert {a["skuId"] for a in user["assignedLicenses"]} <= skus
    admins = {a["principalId"] for a in state["roleAssignments"] if a["roleDefinitionId"] == GLOBAL_ADMINISTRATOR}
    users = {u["id"]: u for u in state["users"]}
    assert admins <= set(users) and len(admins) >= 2
    glass = [users[a] for a in admins if "breakglass" in users[a]["userPrincipalName"]]
    assert glass, "a break-glass Global Administrator"
    members = state["groupMembers"]
    assert all(set(ids) <= set(users) for ids in members.values())
    assert set(members) <= {g["id"] for g in state["groups"]}


def test_only_trusted_locations_has_named_locations() -> None:
    locations = {p: _state(p)["namedLocations"] for p in NEW}
    trusted = [n for n in locations.pop("trusted-locations") if n.get("isTrusted")]
    assert [n["@odata.type"] for n in trusted] == ["#microsoft.graph.ipNamedLocation"]
    assert all(found == [] for found in locations.values())


def test_business_standard_licenses_cloud_reset_but_neither_p1_nor_intune() -> None:
    have = eff.licences(_state("business-standard"))
    assert (have.cloud_sspr, have.p1, have.intune, have.writeback) == (True, False, False, False)

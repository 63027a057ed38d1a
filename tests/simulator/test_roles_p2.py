"""Privileged Identity Management's lists need Entra ID P2; active assignment instances come from roleAssignments."""

from __future__ import annotations

import httpx
import pytest

from scorekeeper.simulator import Simulator, metadata

RBAC = "/v1.0/roleManagement/directory"
PIM_LISTS = ("roleEligibilitySchedules", "roleEligibilityScheduleInstances", "roleAssignmentScheduleInstances")
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


async def get(sim: Simulator, url: str, roles: list[str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        token = sim.issue_token(sim.tenant_id, roles=roles)
        return await client.get(url, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("path", PIM_LISTS)
async def test_a_tenant_without_p2_is_refused_as_graph_refuses_it(path: str) -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])  # Entra ID P1, not P2
    response = await get(sim, f"{RBAC}/{path}")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "AadPremiumLicenseRequired"
    assert (
        error["message"] == "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
    )


@pytest.mark.parametrize("path", PIM_LISTS)
async def test_a_p2_tenant_is_served_with_every_selected_property(path: str) -> None:
    sim = Simulator.from_profiles("hardened", extensions=[])
    response = await get(sim, f"{RBAC}/{path}")
    assert response.status_code == 200, response.text
    assert response.json()["value"], path
    resolved = metadata.resolve(f"/roleManagement/directory/{path}")
    assert resolved is not None
    names = set(resolved[0].properties)
    selected = await get(sim, f"{RBAC}/{path}?$select={','.join(sorted(names))}")
    assert selected.status_code == 200, selected.text
    assert all(set(row) - {"@odata.type"} == names for row in selected.json()["value"])
    unknown = await get(sim, f"{RBAC}/{path}?$select=id,noSuchProperty")
    assert unknown.status_code == 400 and resolved[0].name in unknown.json()["error"]["message"]


async def test_assignment_instances_are_the_role_assignments_as_permanent_direct_ones() -> None:
    sim = Simulator.from_profiles("hardened", extensions=[])
    assignments = sim.tenant(sim.tenant_id).state["roleAssignments"]
    body = (await get(sim, f"{RBAC}/roleAssignmentScheduleInstances")).json()
    rows = {row["id"]: row for row in body["value"]}
    assert set(rows) == {a["id"] for a in assignments}
    for assignment in assignments:
        row = rows[assignment["id"]]
        assert (row["principalId"], row["roleDefinitionId"]) == (
            assignment["principalId"],
            assignment["roleDefinitionId"],
        )
        assert (row["assignmentType"], row["memberType"], row["endDateTime"]) == ("Assigned", "Direct", None)
        assert row["roleAssignmentOriginId"] == assignment["id"]
    every = ",".join(metadata.graph_type("unifiedRoleAssignmentScheduleInstance").properties)
    selected = (await get(sim, f"{RBAC}/roleAssignmentScheduleInstances?$select={every}")).json()["value"][0]
    assert set(selected) == set(every.split(","))


async def test_a_new_assignment_shows_as_an_instance_and_filters_and_expand_work() -> None:
    sim = Simulator.from_profiles("hardened", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    assigned = {a["principalId"] for a in state["roleAssignments"]}
    user = next(u["id"] for u in state["users"] if u["id"] not in assigned)
    state["roleAssignments"].append(
        {"id": "added-1", "principalId": user, "roleDefinitionId": GLOBAL_ADMINISTRATOR, "directoryScopeId": "/"}
    )
    url = f"{RBAC}/roleAssignmentScheduleInstances?$filter=principalId eq '{user}'&$expand=principal"
    rows = (await get(sim, url)).json()["value"]
    assert [r["id"] for r in rows] == ["added-1"] and rows[0]["principal"]["id"] == user
    one = await get(sim, f"{RBAC}/roleAssignmentScheduleInstances/added-1")
    assert one.status_code == 200 and one.json()["roleDefinitionId"] == GLOBAL_ADMINISTRATOR
    assert (await get(sim, f"{RBAC}/roleAssignmentScheduleInstances/nope")).status_code == 404
    bad = await get(sim, f"{RBAC}/roleAssignmentScheduleInstances?$filter=assignmentType eq 'Assigned'&$expand=x")
    assert bad.status_code == 400 and "unifiedRoleAssignmentScheduleInstance" in bad.json()["error"]["message"]


async def test_the_permissions_of_microsofts_page_are_enforced() -> None:
    sim = Simulator.from_profiles("hardened", extensions=[])
    url = f"{RBAC}/roleAssignmentScheduleInstances"
    assert (await get(sim, url, roles=["RoleAssignmentSchedule.Read.Directory"])).status_code == 200
    assert (await get(sim, url, roles=["RoleManagement.Read.All"])).status_code == 200
    assert (await get(sim, url, roles=["User.Read.All"])).status_code == 403

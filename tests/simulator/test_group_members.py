"""Group members from the profiles' ``groupMembers``: direct, transitive, and limited without user read rights."""

from __future__ import annotations

import httpx

from scorekeeper.simulator import Simulator

SMS_GROUP = "9b7e3c2d-8f4a-4b6c-8d1e-f2a3b4c5d6e7"
PRADEEP, DIEGO = "5c1e4f73-9f6a-4dac-9e3f-7a8b9c0d1e23", "6d2f5a84-a07b-4ebd-8f4a-8b9c0d1e2f34"


async def _get(sim: Simulator, url: str, roles: list[str]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        token = sim.issue_token(sim.tenant_id, roles=roles)
        return await client.get(url, headers={"Authorization": f"Bearer {token}"})


async def test_members_and_transitive_members_of_a_profile_group() -> None:
    sim = Simulator.from_profiles("phone-legacy", extensions=[])
    for path in ("members", "transitiveMembers"):
        answer = await _get(sim, f"/v1.0/groups/{SMS_GROUP}/{path}", ["GroupMember.Read.All", "User.Read.All"])
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [m["id"] for m in body["value"]] == [PRADEEP, DIEGO]
        assert body["value"][0]["@odata.type"] == "#microsoft.graph.user"
        assert body["value"][0]["displayName"] == "Pradeep Gupta"


async def test_nested_groups_are_flattened_by_transitive_members_only() -> None:
    sim = Simulator.from_profiles("phone-legacy", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    outer = state["groups"][0]["id"]
    state["groupMembers"][outer] = [SMS_GROUP]
    direct = (await _get(sim, f"/v1.0/groups/{outer}/members", ["Directory.Read.All"])).json()["value"]
    assert [(m["@odata.type"], m["id"]) for m in direct] == [("#microsoft.graph.group", SMS_GROUP)]
    flat = (await _get(sim, f"/beta/groups/{outer}/transitiveMembers", ["Directory.Read.All"])).json()["value"]
    assert [m["id"] for m in flat] == [SMS_GROUP, PRADEEP, DIEGO]


async def test_without_user_read_rights_members_carry_only_type_and_id() -> None:
    sim = Simulator.from_profiles("phone-legacy", extensions=[])
    value = (await _get(sim, f"/v1.0/groups/{SMS_GROUP}/members", ["GroupMember.Read.All"])).json()["value"]
    assert value[0]["id"] == PRADEEP and value[0]["displayName"] is None


async def test_refusals() -> None:
    sim = Simulator.from_profiles("phone-legacy", extensions=[])
    denied = await _get(sim, f"/v1.0/groups/{SMS_GROUP}/members", ["User.Read.All"])
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "Authorization_RequestDenied"
    missing = await _get(sim, "/v1.0/groups/00000000-0000-0000-0000-000000000001/members", ["GroupMember.Read.All"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "Request_ResourceNotFound"
    weak = Simulator.from_profiles("weak-cloud", extensions=[])
    group = next(g["id"] for g in weak.tenant(weak.tenant_id).state["groups"] if g["displayName"] == "Windows devices")
    assert (await _get(weak, f"/v1.0/groups/{group}/members", ["GroupMember.Read.All"])).json()["value"] == []

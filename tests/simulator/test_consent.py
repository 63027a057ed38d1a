"""``/policies/adminConsentRequestPolicy`` as Microsoft's resource, get and update pages describe it.

Expected shapes, permissions and codes are written from those pages (learn.microsoft.com/graph/api/
adminconsentrequestpolicy-get, -update, resources/adminconsentrequestpolicy), not from the route's code.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.simulator import Simulator

PATH = "/v1.0/policies/adminConsentRequestPolicy"
ADELE = "6e7b768e-07e2-4810-8459-485f84f8f204"  # a user of the weak-cloud profile
DOCUMENTED = {"id", "isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers", "version"}


def enabled(*user_ids: str, days: int = 30) -> dict[str, Any]:
    return {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": True,
        "requestDurationInDays": days,
        "reviewers": [{"query": f"/users/{uid}", "queryType": "MicrosoftGraph", "queryRoot": None} for uid in user_ids],
    }


def stored(sim: Simulator) -> dict[str, Any]:
    return dict(sim.tenant(sim.tenant_id).state["adminConsentRequestPolicy"])


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_get_answers_the_documented_object(http: Any, version: str) -> None:
    answer = await http("GET", f"/{version}/policies/adminConsentRequestPolicy", roles=["Policy.Read.All"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["@odata.context"].endswith(f"/{version}/$metadata#policies/adminConsentRequestPolicy/$entity")
    assert set(body) - {"@odata.context"} == DOCUMENTED
    assert (body["isEnabled"], body["reviewers"]) == (False, [])


@pytest.mark.parametrize("permission", ["Policy.Read.All", "Policy.ReadWrite.ConsentRequest", "Directory.Read.All"])
async def test_every_listed_read_permission_is_accepted(http: Any, permission: str) -> None:
    assert (await http("GET", PATH, roles=[permission])).status_code == 200


async def test_a_token_without_a_listed_permission_is_refused(http: Any) -> None:
    answer = await http("GET", PATH, roles=["Policy.Read.ConditionalAccess"])
    assert answer.status_code == 403


async def test_put_enables_the_workflow_and_raises_the_version(http: Any, sim: Simulator) -> None:
    answer = await http("PUT", PATH, roles=["Policy.ReadWrite.ConsentRequest"], json=enabled(ADELE))
    assert answer.status_code == 204
    policy = stored(sim)
    assert policy["isEnabled"] is True and policy["requestDurationInDays"] == 30
    assert policy["reviewers"] == [{"query": f"/users/{ADELE}", "queryType": "MicrosoftGraph", "queryRoot": None}]
    assert policy["version"] == 1
    read_back = (await http("GET", PATH, roles=["Policy.Read.All"])).json()
    assert read_back["reviewers"] == policy["reviewers"]


async def test_put_needs_the_write_permission(http: Any, sim: Simulator) -> None:
    answer = await http("PUT", PATH, roles=["Policy.Read.All"], json=enabled(ADELE))
    assert answer.status_code == 403
    assert stored(sim)["isEnabled"] is False


@pytest.mark.parametrize(
    "missing", ["isEnabled", "notifyReviewers", "remindersEnabled", "requestDurationInDays", "reviewers"]
)
async def test_put_requires_every_property_the_update_page_lists(http: Any, sim: Simulator, missing: str) -> None:
    body = enabled(ADELE)
    del body[missing]
    answer = await http("PUT", PATH, roles=["Policy.ReadWrite.ConsentRequest"], json=body)
    assert answer.status_code == 400
    assert missing in answer.json()["error"]["message"]
    assert stored(sim)["isEnabled"] is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"version": 7}, "read-only"),
        ({"isEnabled": "yes"}, "Edm.Boolean"),
        ({"unknownThing": 1}, "unknownThing"),
        (
            {"reviewers": [{"query": "/users/00000000-0000-0000-0000-000000000001", "queryType": "MicrosoftGraph"}]},
            "does not resolve",
        ),
    ],
)
async def test_put_refuses_what_graph_refuses(http: Any, sim: Simulator, change: dict[str, Any], words: str) -> None:
    answer = await http("PUT", PATH, roles=["Policy.ReadWrite.ConsentRequest"], json=enabled(ADELE) | change)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]["message"]
    assert stored(sim)["isEnabled"] is False


async def test_patch_merges_only_the_fields_sent(http: Any, sim: Simulator) -> None:
    await http("PUT", PATH, roles=["Policy.ReadWrite.ConsentRequest"], json=enabled(ADELE))
    answer = await http("PATCH", PATH, roles=["Policy.ReadWrite.ConsentRequest"], json={"remindersEnabled": False})
    assert answer.status_code == 204
    policy = stored(sim)
    assert (policy["isEnabled"], policy["remindersEnabled"], policy["version"]) == (True, False, 2)


async def test_a_state_without_the_policy_reads_as_the_default_and_is_not_changed_by_reading(
    http: Any, sim: Simulator
) -> None:
    del sim.tenant(sim.tenant_id).state["adminConsentRequestPolicy"]
    body = (await http("GET", PATH, roles=["Policy.Read.All"])).json()
    assert (body["isEnabled"], body["reviewers"], body["version"]) == (False, [], 0)
    assert "adminConsentRequestPolicy" not in sim.tenant(sim.tenant_id).state


async def test_the_hardened_profile_has_the_workflow_on_with_a_reviewer() -> None:
    import httpx

    sim = Simulator.from_profiles("hardened", extensions=[])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {sim.issue_token(roles=['Policy.Read.All'])}"}
        body = (await client.get(PATH, headers=headers)).json()
    assert body["isEnabled"] is True
    assert [r["query"] for r in body["reviewers"]] == [f"/users/{ADELE}"]

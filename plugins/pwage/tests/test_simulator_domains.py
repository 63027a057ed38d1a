"""The simulator extension answers ``/domains`` the way Microsoft's pages describe, over real HTTP (ASGI).

Expected shapes, codes and permissions are written from the List/Get/Update domain pages, not from
the extension's code, so a drift on either side fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from scorekeeper.simulator import GRAPH_AUDIENCE, Simulator
from scorekeeper_pwage.simulated import extension
from scorekeeper_pwage.simulated_state import LARGE_EXTRA_DOMAINS

NEVER = 2147483647
DOMAIN_NAME_ADMINISTRATOR = "8329153b-31d0-4727-b945-745eb3bc5f31"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
#: The Get domain example's properties plus ``manufacturer`` and ``model``, which Microsoft's v1.0
#: metadata also declares on ``domain`` (the simulator serves every declared property, null when unset).
DOCUMENTED = {
    "manufacturer",
    "model",
    "id",
    "authenticationType",
    "availabilityStatus",
    "isAdminManaged",
    "isDefault",
    "isInitial",
    "isRoot",
    "isVerified",
    "supportedServices",
    "passwordValidityPeriodInDays",
    "passwordNotificationWindowInDays",
    "state",
}


def simulator(profile: str = "weak-cloud") -> Simulator:
    return Simulator.from_profiles(profile, extensions=[extension])


async def call(
    sim: Simulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    roles: list[str] | None = None,
    token: str | None = None,
) -> httpx.Response:
    bearer = token or sim.issue_token(roles=roles)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        return await client.request(method, path, json=body, headers={"Authorization": f"Bearer {bearer}"})


def stored(sim: Simulator, name: str) -> dict[str, Any]:
    domains = sim.tenant(sim.tenant_id).state["extensions"]["pwage-domains"]["domains"]
    return next(d for d in domains if d["id"] == name)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
async def test_list_serves_every_domain_with_the_documented_properties_only(version: str) -> None:
    sim = simulator()
    answer = await call(sim, "GET", f"/{version}/domains", roles=["Domain.Read.All"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["@odata.context"] == f"https://graph.microsoft.com/{version}/$metadata#domains"
    names = [d["id"] for d in body["value"]]
    assert names == ["contoso.onmicrosoft.com", "contoso.com", "eu.contoso.com", "fabrikam.com"]
    assert all(set(d) == DOCUMENTED for d in body["value"])
    initial = body["value"][0]
    assert (initial["isInitial"], initial["isDefault"], initial["isRoot"], initial["isVerified"]) == (
        True,
        True,
        True,
        True,
    )
    assert initial["passwordValidityPeriodInDays"] is None  # as in Microsoft's Get domain example


async def test_select_narrows_the_objects_and_the_context_url() -> None:
    sim = simulator()
    answer = await call(sim, "GET", "/v1.0/domains?$select=id,isRoot,passwordValidityPeriodInDays")
    body = answer.json()
    assert body["@odata.context"].endswith("#domains(id,isRoot,passwordValidityPeriodInDays)")
    assert body["value"][1] == {"id": "contoso.com", "isRoot": True, "passwordValidityPeriodInDays": 90}


async def test_select_of_an_unknown_property_is_refused() -> None:
    answer = await call(simulator(), "GET", "/v1.0/domains?$select=id,passwordExpiry")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "Request_BadRequest"
    assert "passwordExpiry" in answer.json()["error"]["message"]


async def test_get_one_domain_by_name_case_insensitively_and_404_for_an_unknown_one() -> None:
    sim = simulator()
    found = await call(sim, "GET", "/v1.0/domains/Contoso.COM?$select=id,authenticationType")
    assert found.status_code == 200
    assert found.json()["@odata.context"].endswith("#domains(id,authenticationType)/$entity")
    assert found.json()["id"] == "contoso.com"
    missing = await call(sim, "GET", "/v1.0/domains/nothere.example")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "Request_ResourceNotFound"
    assert "nothere.example" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        (["Domain.Read.All"], 200),
        (["Domain.ReadWrite.All"], 200),
        (["Directory.Read.All"], 200),
        (["User.Read.All"], 403),
        ([], 403),
    ],
)
async def test_reading_takes_any_permission_the_list_page_names(roles: list[str], status: int) -> None:
    answer = await call(simulator(), "GET", "/v1.0/domains", roles=roles)
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_patch_sets_the_policy_and_answers_204() -> None:
    sim = simulator()
    answer = await call(
        sim,
        "PATCH",
        "/v1.0/domains/contoso.com",
        {"passwordValidityPeriodInDays": NEVER},
        roles=["Domain.ReadWrite.All"],
    )
    assert answer.status_code == 204
    assert answer.content == b""
    assert stored(sim, "contoso.com")["passwordValidityPeriodInDays"] == NEVER
    assert stored(sim, "contoso.com")["passwordNotificationWindowInDays"] == 14


@pytest.mark.parametrize("roles", [["Domain.Read.All"], ["Directory.Read.All"], ["Directory.ReadWrite.All"]])
async def test_patch_needs_domain_readwrite(roles: list[str]) -> None:
    sim = simulator()
    answer = await call(sim, "PATCH", "/v1.0/domains/contoso.com", {"passwordValidityPeriodInDays": NEVER}, roles=roles)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "Authorization_RequestDenied"
    assert stored(sim, "contoso.com")["passwordValidityPeriodInDays"] == 90


async def test_a_delegated_caller_also_needs_a_role_the_update_page_lists() -> None:
    sim = simulator()
    body = {"passwordValidityPeriodInDays": NEVER}
    scopes = ["Domain.ReadWrite.All"]
    without = sim.issue_delegated_token(scopes=scopes, audience=GRAPH_AUDIENCE, directory_roles=[USER_ADMINISTRATOR])
    refused = await call(sim, "PATCH", "/v1.0/domains/contoso.com", body, token=without)
    assert refused.status_code == 403
    with_role = sim.issue_delegated_token(
        scopes=scopes, audience=GRAPH_AUDIENCE, directory_roles=[DOMAIN_NAME_ADMINISTRATOR]
    )
    accepted = await call(sim, "PATCH", "/v1.0/domains/contoso.com", body, token=with_role)
    assert accepted.status_code == 204


@pytest.mark.parametrize(
    ("body", "wording"),
    [
        ({"passwordExpiresNever": True}, "The property 'passwordExpiresNever' does not exist on type"),
        ({"passwordValidityPeriodInDays": "never"}, "Cannot convert the literal 'never' to the expected type"),
        ({"passwordValidityPeriodInDays": 2**31}, "Cannot convert the literal '2147483648'"),
        ({"isVerified": False}, "Property 'isVerified' is read-only"),
        ({"authenticationType": "Federated"}, "Property 'authenticationType' is read-only"),
        ({"id": "other.com"}, "Property 'id' is read-only"),
    ],
)
async def test_patch_refuses_bad_bodies_as_graph_does(body: dict[str, Any], wording: str) -> None:
    sim = simulator()
    answer = await call(sim, "PATCH", "/v1.0/domains/contoso.com", body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert wording in error["message"]
    assert sim.writes() == []


async def test_patch_of_an_unknown_domain_is_404() -> None:
    sim = simulator()
    answer = await call(sim, "PATCH", "/v1.0/domains/nothere.example", {"passwordValidityPeriodInDays": NEVER})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "Request_ResourceNotFound"


@pytest.mark.parametrize("name", ["eu.contoso.com", "fabrikam.com"])
async def test_subdomains_and_unverified_domains_cannot_take_a_policy(name: str) -> None:
    sim = simulator()
    answer = await call(sim, "PATCH", f"/v1.0/domains/{name}", {"passwordValidityPeriodInDays": NEVER})
    assert answer.status_code == 400
    assert "Domain operation is not allowed" in answer.json()["error"]["message"]
    assert stored(sim, name)["passwordValidityPeriodInDays"] is None


async def test_patch_inside_a_batch_writes_too() -> None:
    sim = simulator()
    batch = {
        "requests": [
            {
                "id": "1",
                "method": "PATCH",
                "url": "/domains/contoso.com",
                "headers": {"Content-Type": "application/json"},
                "body": {"passwordValidityPeriodInDays": NEVER},
            }
        ]
    }
    answer = await call(sim, "POST", "/v1.0/$batch", batch)
    assert answer.json()["responses"][0]["status"] == 204
    assert stored(sim, "contoso.com")["passwordValidityPeriodInDays"] == NEVER


async def test_profiles_tell_their_own_story() -> None:
    hybrid = simulator("hybrid-writeback-off")
    federated = stored(hybrid, "contoso.com")
    assert (federated["authenticationType"], federated["passwordValidityPeriodInDays"]) == ("Federated", None)
    hardened = simulator("hardened")
    assert stored(hardened, "contoso.com")["passwordValidityPeriodInDays"] == NEVER
    assert stored(hardened, "contoso.onmicrosoft.com")["passwordValidityPeriodInDays"] == NEVER


async def test_the_large_profile_pages_its_domains() -> None:
    sim = simulator("large")
    seen: list[str] = []
    url = "/v1.0/domains?$select=id"
    pages = 0
    while url:
        body = (await call(sim, "GET", url)).json()
        seen += [d["id"] for d in body["value"]]
        url = body.get("@odata.nextLink", "").removeprefix("http://127.0.0.1")
        pages += 1
    assert len(seen) == len(set(seen)) == 4 + LARGE_EXTRA_DOMAINS
    assert pages == 4


async def test_state_is_kept_per_tenant_and_reset_with_the_rest() -> None:
    sim = Simulator.from_profiles("weak-cloud", "weak-cloud", extensions=[extension])
    first, second = sim.tenant_ids

    def days(tenant: str) -> int | None:
        return sim.tenant(tenant).state["extensions"]["pwage-domains"]["domains"][1]["passwordValidityPeriodInDays"]

    token = sim.issue_token(first)
    await call(sim, "PATCH", "/v1.0/domains/contoso.com", {"passwordValidityPeriodInDays": NEVER}, token=token)
    assert (days(first), days(second)) == (NEVER, 90)
    assert sim.tenant(second).state["extensions"]["pwage-domains"]["domains"][0]["id"] == "contoso1.onmicrosoft.com"
    assert [c.path for c in sim.state_diff()] == [
        "extensions.pwage-domains.domains[id=contoso.com].passwordValidityPeriodInDays"
    ]
    sim.reset()
    assert days(first) == 90


async def test_every_domain_deserializes_into_the_sdk_model_without_leftovers() -> None:
    """msgraph-sdk's Domain model is generated from Graph's metadata: nothing may land in additional_data."""
    from scorekeeper.testing import simulated_tenant
    from scorekeeper_pwage.control import CONTROL

    sim = simulator("weak-cloud")
    graph = simulated_tenant(sim, CONTROL).graph
    listed = await graph.domains.get()
    assert listed is not None and listed.value is not None
    assert [d.id for d in listed.value] == ["contoso.onmicrosoft.com", "contoso.com", "eu.contoso.com", "fabrikam.com"]
    assert all(d.additional_data == {} for d in listed.value)
    one = await graph.domains.by_domain_id("contoso.com").get()
    assert one is not None
    assert (one.password_validity_period_in_days, one.is_root, one.authentication_type) == (90, True, "Managed")
    assert set(one.additional_data) <= {"@odata.context"}

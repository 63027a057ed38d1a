"""Settings Catalog (beta ``configurationPolicies``) and the Intune licence every Intune route needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scorekeeper.simulator import Simulator

POLICIES = "/beta/deviceManagement/configurationPolicies"
DEFINITION = "device_vendor_msft_policy_config_authentication_allowaadpasswordreset"
READ = ["DeviceManagementConfiguration.Read.All"]
WRITE = ["DeviceManagementConfiguration.ReadWrite.All"]


def _policy(value: str = f"{DEFINITION}_1") -> dict[str, Any]:
    return {
        "name": "SSPR at Windows sign-in",
        "description": "reset link on the sign-in screen",
        "platforms": "windows10",
        "technologies": "mdm",
        "roleScopeTagIds": ["0"],
        "settings": [
            {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSetting",
                "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                    "settingDefinitionId": DEFINITION,
                    "choiceSettingValue": {
                        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                        "value": value,
                        "children": [],
                    },
                },
            }
        ],
    }


def _client(sim: Simulator, tenant: str | None = None) -> Callable[..., Any]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1")

    async def call(method: str, url: str, roles: list[str], **kw: Any) -> httpx.Response:
        token = sim.issue_token(tenant or sim.tenant_id, roles=roles)
        return await client.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


async def test_create_assign_read_back_and_delete_a_settings_catalog_policy() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    call = _client(sim)
    assert (await call("GET", POLICIES, READ)).json()["value"] == []

    created = await call("POST", POLICIES, WRITE, json=_policy())
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["settingCount"] == 1 and policy["isAssigned"] is False and "settings" not in policy
    pid = policy["id"]

    assigned = await call(
        "POST",
        f"{POLICIES}/{pid}/assign",
        WRITE,
        json={"assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}]},
    )
    assert assigned.status_code == 200, assigned.text
    assert [a["id"] for a in assigned.json()["value"]] == [f"{pid}_g1"]

    settings = (await call("GET", f"{POLICIES}/{pid}/settings", READ)).json()["value"]
    assert settings[0]["settingInstance"]["choiceSettingValue"]["value"] == f"{DEFINITION}_1"
    expanded = (await call("GET", f"{POLICIES}?$expand=settings,assignments", READ)).json()["value"][0]
    assert expanded["isAssigned"] is True and expanded["assignments"][0]["target"]["groupId"] == "g1"
    assert (await call("GET", f"{POLICIES}/{pid}/assignments", READ)).json()["value"][0]["sourceId"] == pid

    renamed = await call("PATCH", f"{POLICIES}/{pid}", WRITE, json={"name": "renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"
    assert (await call("DELETE", f"{POLICIES}/{pid}", WRITE)).status_code == 204
    assert (await call("GET", f"{POLICIES}/{pid}", READ)).status_code == 404


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"platforms": "windows11"}, "platforms"),
        ({"technologies": "mdm,carrierPigeon"}, "technologies"),
        ({"name": None}, "'name' is required"),
        ({"settings": [{"settingInstance": {"settingDefinitionId": DEFINITION}}]}, "settingInstance"),
        ({"assignments": []}, "assign action"),
        ({"isAssigned": True}, "read-only"),
        ({"colour": "blue"}, "does not exist"),
    ],
)
async def test_bad_bodies_are_refused_with_400(change: dict[str, Any], words: str) -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    refused = await _client(sim)("POST", POLICIES, WRITE, json={**_policy(), **change})
    assert refused.status_code == 400 and words in refused.json()["error"]["message"]
    assert sim.tenant(sim.tenant_id).state.get("configurationPolicies", []) == []


async def test_settings_catalog_is_beta_only_and_needs_a_permission() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    call = _client(sim)
    assert (await call("GET", "/v1.0/deviceManagement/configurationPolicies", READ)).status_code == 400
    denied = await call("POST", POLICIES, READ, json=_policy())
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_intune_routes_refuse_a_tenant_without_an_intune_licence() -> None:
    sim = Simulator.from_profiles("business-standard", "migrated", extensions=[])
    standard, migrated = sim.tenant_ids
    for url in (POLICIES, "/v1.0/deviceManagement/deviceConfigurations"):
        refused = await _client(sim, standard)("GET", url, READ)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["message"] == "Request not applicable to target tenant."
    served = (await _client(sim, migrated)("GET", f"{POLICIES}?$expand=settings", READ)).json()["value"]
    assert served[0]["settings"][0]["settingInstance"]["settingDefinitionId"] == DEFINITION


def test_licences_follow_the_subscriptions() -> None:
    from scorekeeper.simulator.licensing import intune, premium, sspr_cloud_licensed, writeback_licensed

    sim = Simulator.from_profiles("business-standard", "weak-cloud", "o365-only", extensions=[])
    states = [sim.tenant(t).state for t in sim.tenant_ids]
    assert [premium(s) for s in states] == [False, True, False]
    assert [sspr_cloud_licensed(s) for s in states] == [True, True, False]
    assert [writeback_licensed(s) for s in states] == [False, True, False]
    assert [intune(s) for s in states] == [False, True, False]

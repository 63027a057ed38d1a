"""Every endpoint through a plain GraphServiceClient, and every body checked model by model.

Two independent checks per response: kiota's own ``JsonParseNodeFactory`` parse (nothing may land
in ``additional_data`` except annotations and properties Microsoft documents that the SDK does
not model), and the simulator's checking parse node (no value dropped for a wrong type or enum).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.models import lost, model
from tests.simulator.conftest import graph_client

#: Documented on secureScore's controlScores (Graph's example response) but not in the SDK model.
CONTROL_SCORE_EXTRAS = frozenset({"scoreInPercentage", "implementationStatus", "lastSynced", "count", "total"})


def additional_data(obj: Any, path: str = "") -> list[str]:
    """Every key that kiota put in ``additional_data``, anywhere in the object tree."""
    found: list[str] = []
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            found += additional_data(item, f"{path}[{i}]")
        return found
    if not isinstance(obj, Parsable):
        return found
    for key in getattr(obj, "additional_data", None) or {}:
        found.append(f"{path}.{key}" if path else key)
    for name, value in vars(obj).items():
        if name != "additional_data" and isinstance(value, (Parsable, list)):
            found += additional_data(value, f"{path}.{name}" if path else name)
    return found


def assert_lossless(body: dict[str, Any], type_name: str) -> None:
    cls = model(type_name)
    parsed = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(body).encode())
    obj = parsed.get_object_value(cls)
    unexpected = [
        k for k in additional_data(obj) if "@odata." not in k and k.rsplit(".", 1)[-1] not in CONTROL_SCORE_EXTRAS
    ]
    assert unexpected == [], f"{type_name}: left in additional_data: {unexpected}"
    problems = lost(cls, body, CONTROL_SCORE_EXTRAS)
    assert problems == [], f"{type_name}: {[p.message() for p in problems]}"


ENDPOINTS = [
    ("/v1.0/subscribedSkus", "subscribedSkuCollectionResponse"),
    ("/v1.0/organization", "organizationCollectionResponse"),
    ("/v1.0/users", "userCollectionResponse"),
    ("/v1.0/groups", "groupCollectionResponse"),
    ("/v1.0/policies/authenticationMethodsPolicy", "authenticationMethodsPolicy"),
    ("/beta/policies/authenticationMethodsPolicy", "authenticationMethodsPolicy"),
    (
        "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Voice",
        "authenticationMethodConfiguration",
    ),
    (
        "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2",
        "authenticationMethodConfiguration",
    ),
    ("/v1.0/reports/authenticationMethods/userRegistrationDetails", "userRegistrationDetailsCollectionResponse"),
    ("/v1.0/policies/authorizationPolicy", "authorizationPolicy"),
    ("/v1.0/deviceManagement/deviceConfigurations?$expand=assignments", "deviceConfigurationCollectionResponse"),
    ("/v1.0/identity/conditionalAccess/policies", "conditionalAccessPolicyCollectionResponse"),
    ("/v1.0/groupSettings", "groupSettingCollectionResponse"),
    ("/v1.0/groupSettingTemplates", "groupSettingTemplateCollectionResponse"),
    ("/v1.0/groupSettingTemplates/5cf42378-d67d-4f36-ba46-e8b86229381d", "groupSettingTemplate"),
    ("/v1.0/security/secureScores?$top=1", "secureScoreCollectionResponse"),
    ("/v1.0/security/secureScoreControlProfiles", "secureScoreControlProfileCollectionResponse"),
    ("/v1.0/security/secureScoreControlProfiles/SelfServicePasswordReset", "secureScoreControlProfile"),
]


@pytest.mark.parametrize("profile", ["weak-cloud", "hardened"])
async def test_every_read_deserializes_without_loss(profile: str) -> None:
    import httpx

    sim = Simulator.from_profiles(profile, extensions=[])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {sim.issue_token()}"}
        for url, type_name in ENDPOINTS:
            response = await client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.text)
            body = response.json()
            assert body["@odata.context"].startswith("https://graph.microsoft.com/")
            assert_lossless(body, type_name)
        configs = (
            await client.get(
                "/v1.0/deviceManagement/deviceConfigurations/" + body_id(sim, "deviceConfigurations"), headers=headers
            )
        ).json()
        assert_lossless(configs, "deviceConfiguration")


def body_id(sim: Simulator, key: str) -> str:
    return sim.tenant(sim.tenant_id).state[key][0]["id"]


def test_the_checker_notices_loss() -> None:
    """The lossless check itself can fail: unknown property, wrong type, invalid enum."""
    problems = lost(model("authorizationPolicy"), {"allowedToUseSSPR": "yes", "bogus": 1, "allowInvitesFrom": "x"})
    assert {p.kind for p in problems} == {"type", "unknown"}
    assert len(problems) == 3


async def test_graph_service_client_reads_every_endpoint() -> None:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.organization.organization_request_builder import OrganizationRequestBuilder
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    sim = Simulator.from_profiles("hardened", extensions=[])
    g = graph_client(sim)
    skus = await g.subscribed_skus.get()
    assert any(p.service_plan_name == "AAD_PREMIUM" for p in skus.value[0].service_plans)
    query = OrganizationRequestBuilder.OrganizationRequestBuilderGetQueryParameters(
        select=["id", "onPremisesSyncEnabled"]
    )
    org = await g.organization.get(RequestConfiguration(query_parameters=query))
    assert org.value[0].id == sim.tenant_id and org.value[0].display_name is None  # $select honoured
    policy = await g.policies.authentication_methods_policy.get()
    assert policy.policy_migration_state.value == "migrationComplete"
    campaign = policy.registration_enforcement.authentication_methods_registration_campaign
    assert campaign.state.value == "enabled"
    configs_builder = g.policies.authentication_methods_policy.authentication_method_configurations
    voice = await configs_builder.by_authentication_method_configuration_id("Voice").get()
    assert type(voice).__name__ == "VoiceAuthenticationMethodConfiguration"
    authz = await g.policies.authorization_policy.get()
    assert authz.allowed_to_use_s_s_p_r is False
    configs = await g.device_management.device_configurations.get()
    assert {type(c).__name__ for c in configs.value} == {
        "Windows10GeneralConfiguration",
        "Windows10CustomConfiguration",
    }
    one = configs.value[1]
    assignments = await g.device_management.device_configurations.by_device_configuration_id(one.id).assignments.get()
    assert assignments.value[0].target.odata_type == "#microsoft.graph.allDevicesAssignmentTarget"
    ca = await g.identity.conditional_access.policies.get()
    assert any(p.conditions.applications.include_user_actions for p in ca.value)
    settings = await g.group_settings.get()
    assert settings.value[0].template_id == "5cf42378-d67d-4f36-ba46-e8b86229381d"
    template = await g.group_setting_templates.by_group_setting_template_id(
        "5cf42378-d67d-4f36-ba46-e8b86229381d"
    ).get()
    assert template.display_name == "Password Rule Settings"
    scores_query = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=1)
    scores = await g.security.secure_scores.get(RequestConfiguration(query_parameters=scores_query))
    assert len(scores.value) == 1
    sspr = next(c for c in scores.value[0].control_scores if c.control_name == "SelfServicePasswordReset")
    assert sspr.score == 1.0 and sspr.additional_data["count"] == "0"  # count arrives as a string
    profile = await g.security.secure_score_control_profiles.by_secure_score_control_profile_id(
        "SelfServicePasswordReset"
    ).get()
    assert profile.max_score == 1.0
    groups = await g.groups.get()
    group = await g.groups.by_group_id(groups.value[0].id).get()
    assert group.display_name == groups.value[0].display_name
    users = await g.users.get()
    assert users.value and users.value[0].user_principal_name.endswith(".onmicrosoft.com")
    assert sim.writes() == []


async def test_graph_service_client_writes() -> None:
    from msgraph.generated.models.authorization_policy import AuthorizationPolicy

    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    g = graph_client(sim)
    await g.policies.authorization_policy.patch(AuthorizationPolicy(allowed_to_use_s_s_p_r=False))
    made = await g.identity.conditional_access.policies.post(_ca_policy())
    assert made.id and made.state.value == "enabledForReportingButNotEnforced"
    assert [(w.method, w.path) for w in sim.writes()] == [
        ("PATCH", "/v1.0/policies/authorizationPolicy"),
        ("POST", "/v1.0/identity/conditionalAccess/policies"),
    ]
    paths = {c.path.split("[")[0] for c in sim.state_diff()}
    assert paths == {"authorizationPolicy.allowedToUseSSPR", "conditionalAccessPolicies"}
    await g.identity.conditional_access.policies.by_conditional_access_policy_id(made.id).delete()
    assert [c.path for c in sim.state_diff()] == ["authorizationPolicy.allowedToUseSSPR"]


def _ca_policy() -> Any:
    from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
    from msgraph.generated.models.conditional_access_policy import ConditionalAccessPolicy

    body = {
        "displayName": "Securing security info registration",
        "state": "enabledForReportingButNotEnforced",
        "conditions": {
            "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
            "users": {"includeUsers": ["All"]},
            "clientAppTypes": ["all"],
            "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }
    node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(body).encode())
    return node.get_object_value(ConditionalAccessPolicy)

"""What Graph and the portal refuse: tokens, permissions, unknown ids, bad bodies, partial PUTs."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.simulator import PORTAL_AUDIENCE, Simulator

METHODS = "/v1.0/policies/authenticationMethodsPolicy"


def error(response: Any) -> dict[str, Any]:
    body = response.json()["error"]
    assert set(body["innerError"]) == {"date", "request-id", "client-request-id"}
    return body


async def test_tokens_are_checked(http: Any, sim: Simulator) -> None:
    assert error(await http("GET", "/v1.0/organization", token=""))["code"] == "InvalidAuthenticationToken"
    forged = sim.issue_token()[:-4] + "AAAA"
    response = await http("GET", "/v1.0/organization", token=forged)
    assert response.status_code == 401 and "signature" in error(response)["message"]
    other = Simulator.from_profiles("hardened", extensions=[])
    assert (await http("GET", "/v1.0/organization", token=other.issue_token())).status_code == 401
    portal_token = sim.issue_delegated_token()
    assert (await http("GET", "/v1.0/organization", token=portal_token)).status_code == 401  # wrong audience


async def test_each_endpoint_accepts_any_permission_its_table_lists(http: Any) -> None:
    denied = await http("GET", METHODS, roles=["Directory.Read.All"])
    assert denied.status_code == 403 and error(denied)["code"] == "Authorization_RequestDenied"
    for role in ("Policy.Read.AuthenticationMethod", "Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"):
        assert (await http("GET", METHODS, roles=[role])).status_code == 200, role
    write = await http("PATCH", METHODS, roles=["Policy.Read.All"], json={"registrationEnforcement": {}})
    assert write.status_code == 403
    for role in ("LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All"):
        assert (await http("GET", "/v1.0/subscribedSkus", roles=[role])).status_code == 200, role


async def test_delegated_graph_tokens_use_scp(http: Any, sim: Simulator) -> None:
    from scorekeeper.simulator import GRAPH_AUDIENCE

    token = sim.issue_delegated_token(audience=GRAPH_AUDIENCE, scopes=["Policy.Read.All"])
    assert (await http("GET", "/v1.0/policies/authorizationPolicy", token=token)).status_code == 200
    assert (await http("GET", "/v1.0/groupSettings", token=token)).status_code == 403


async def test_unknown_ids_use_each_areas_code(http: Any) -> None:
    missing = "00000000-0000-0000-0000-000000000001"
    cases = {
        f"/v1.0/groups/{missing}": "Request_ResourceNotFound",
        f"/v1.0/groupSettings/{missing}": "Request_ResourceNotFound",
        f"/v1.0/identity/conditionalAccess/policies/{missing}": "ResourceNotFound",
        f"/v1.0/deviceManagement/deviceConfigurations/{missing}": "ResourceNotFound",
        f"{METHODS}/authenticationMethodConfigurations/Carrier": "ResourceNotFound",
        "/v1.0/security/secureScoreControlProfiles/NoSuchControl": "ResourceNotFound",
    }
    for url, code in cases.items():
        response = await http("GET", url)
        assert response.status_code == 404 and error(response)["code"] == code, url
    bad_id = await http("GET", "/v1.0/groups/not-a-guid")
    assert bad_id.status_code == 400 and "Invalid object identifier" in error(bad_id)["message"]
    assert (await http("GET", "/v1.0/noSuchThing")).status_code == 400


@pytest.mark.parametrize(
    ("url", "body", "fragment"),
    [
        ("/v1.0/policies/authorizationPolicy", {"allowedToUseSspr": False}, "does not exist on type"),
        ("/v1.0/policies/authorizationPolicy", {"allowedToUseSSPR": "false"}, "Edm.Boolean"),
        (f"{METHODS}/authenticationMethodConfigurations/Sms", {"state": "on"}, "authenticationMethodState"),
        (METHODS, {"policyMigrationState": "migrationComplete"}, "read-only"),  # only beta may set it
        ("/beta/policies/authenticationMethodsPolicy", {"policyMigrationState": "done"}, "MigrationState"),
        (
            METHODS,
            {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {"snoozeDurationInDays": 30}}},
            "between 0 and 14",
        ),
        (
            f"{METHODS}/authenticationMethodConfigurations/Voice",
            {"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "enabled"},
            "does not match",
        ),
    ],
)
async def test_bad_patch_bodies_are_refused(http: Any, sim: Simulator, url: str, body: Any, fragment: str) -> None:
    response = await http("PATCH", url, json=body)
    assert response.status_code == 400, response.text
    assert fragment in error(response)["message"]
    assert sim.writes() == [] and sim.state_diff() == []


async def test_malformed_json_body(http: Any) -> None:
    response = await http(
        "PATCH", "/v1.0/policies/authorizationPolicy", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "Unable to read JSON" in error(response)["message"]


async def test_beta_patch_sets_the_migration_state_and_v1_answers_204(http: Any, sim: Simulator) -> None:
    response = await http(
        "PATCH", "/beta/policies/authenticationMethodsPolicy", json={"policyMigrationState": "migrationComplete"}
    )
    assert response.status_code == 204 and response.content == b""
    assert (await http("GET", METHODS)).json()["policyMigrationState"] == "migrationComplete"
    authz = await http("GET", "/beta/policies/authorizationPolicy")
    assert isinstance(authz.json()["value"], list)  # beta still answers with a collection
    assert "value" not in (await http("GET", "/v1.0/policies/authorizationPolicy")).json()


async def test_created_resources_answer_201(http: Any, sim: Simulator) -> None:
    config = {
        "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
        "displayName": "SSPR",
        "omaSettings": [
            {
                "@odata.type": "#microsoft.graph.omaSettingInteger",
                "displayName": "AllowAadPasswordReset",
                "omaUri": "./Device/Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset",
                "value": 1,
            }
        ],
    }
    made = await http("POST", "/v1.0/deviceManagement/deviceConfigurations", json=config)
    assert made.status_code == 201 and made.json()["version"] == 1
    abstract = await http("POST", "/v1.0/deviceManagement/deviceConfigurations", json={"displayName": "x"})
    assert abstract.status_code == 400
    assign = await http(
        "POST",
        f"/v1.0/deviceManagement/deviceConfigurations/{made.json()['id']}/assign",
        json={"assignments": [{"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}]},
    )
    assert assign.status_code == 200 and len(assign.json()["value"]) == 1
    template = "5cf42378-d67d-4f36-ba46-e8b86229381d"
    setting = await http(
        "POST",
        "/v1.0/groupSettings",
        json={"templateId": template, "values": [{"name": "EnableBannedPasswordCheck", "value": "True"}]},
    )
    assert setting.status_code == 201 and len(setting.json()["values"]) == 6  # template defaults filled in
    again = await http("POST", "/v1.0/groupSettings", json={"templateId": template, "values": []})
    assert again.status_code == 400 and "conflicting object" in error(again)["message"]
    bad_value = await http(
        "PATCH",
        f"/v1.0/groupSettings/{setting.json()['id']}",
        json={"values": [{"name": "LockoutThreshold", "value": "ten"}]},
    )
    assert bad_value.status_code == 400


async def test_ca_policy_must_name_existing_users(http: Any) -> None:
    body = {
        "displayName": "x",
        "state": "enabled",
        "conditions": {
            "applications": {"includeApplications": ["All"]},
            "users": {"includeUsers": ["All"], "excludeUsers": ["00000000-0000-0000-0000-00000000dead"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    assert (await http("POST", "/v1.0/identity/conditionalAccess/policies", json=body)).status_code == 400


async def test_secure_score_profile_update_needs_vendor_information(http: Any, sim: Simulator) -> None:
    url = "/v1.0/security/secureScoreControlProfiles/SelfServicePasswordReset"
    assert (await http("PATCH", url, json={"state": "Reviewed"})).status_code == 400
    assert (
        await http(
            "PATCH",
            url,
            json={"state": "Bogus", "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"}},
        )
    ).status_code == 400
    ok = await http(
        "PATCH",
        url,
        json={
            "state": "Reviewed",
            "comment": "done",
            "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"},
        },
    )
    assert ok.status_code == 204 and not ok.content  # securescorecontrolprofile-update: 204 without Prefer
    state = sim.tenant(sim.tenant_id).state["secureScoreControlProfiles"][0]
    assert state["controlStateUpdates"][-1]["state"] == "Reviewed"


# ----------------------------------------------------------------------------- portal
PORTAL = "/api/PasswordReset/PasswordResetPolicies"
ONPREM = "/api/PasswordReset/OnPremisesPasswordResetPolicies"


async def test_portal_takes_only_delegated_portal_tokens(http: Any, sim: Simulator) -> None:
    assert (await http("GET", PORTAL)).status_code == 401  # an app-only Graph token
    from scorekeeper.simulator.tokens import issue

    app_only_portal = issue(sim.secret, sim.tenant_id, audience=PORTAL_AUDIENCE, roles=["x"])
    assert (await http("GET", PORTAL, token=app_only_portal)).status_code == 401
    reader = sim.issue_delegated_token(directory_roles=["f2ef992c-3afb-46b9-b7cf-a126ee74c451"])
    assert (await http("GET", PORTAL, token=reader)).status_code == 200
    policy = (await http("GET", PORTAL, token=reader)).json()
    assert (await http("PUT", PORTAL, token=reader, json=policy)).status_code == 403  # Global Reader cannot write


async def test_portal_put_must_send_the_whole_valid_object(http: Any, sim: Simulator) -> None:
    token = sim.issue_delegated_token()
    policy = (await http("GET", PORTAL, token=token)).json()
    partial = await http("PUT", PORTAL, token=token, json={"enablementType": 2})
    assert partial.status_code == 400 and "whole policy" in partial.json()["message"]
    too_few = {**policy, "numberOfAuthenticationMethodsRequired": 2, "securityQuestionsOptionEnabled": False}
    assert (await http("PUT", PORTAL, token=token, json=too_few)).status_code == 400  # 1 method offered, 2 needed
    wrong_type = {**policy, "notifyUsersOnPasswordReset": "yes"}
    assert (await http("PUT", PORTAL, token=token, json=wrong_type)).status_code == 400
    good = {**policy, "enablementType": 2, "notifyUsersOnPasswordReset": True}
    done = await http("PUT", PORTAL, token=token, json=good)
    assert done.status_code == 200 and done.json()["enablementType"] == 2
    assert [c.path for c in sim.state_diff()] == [
        "portal.passwordResetPolicies.enablementType",
        "portal.passwordResetPolicies.notifyUsersOnPasswordReset",
    ]


async def test_onprem_flags_need_a_synced_tenant() -> None:
    import httpx

    for profile, expected in (("weak-cloud", 400), ("hybrid-writeback-off", 200)):
        sim = Simulator.from_profiles(profile, extensions=[])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as c:
            headers = {"Authorization": f"Bearer {sim.issue_delegated_token()}"}
            unlock_first = await c.put(ONPREM, json={"accountUnlockEnabled": True}, headers=headers)
            assert unlock_first.status_code == 400
            writeback = await c.put(ONPREM, json={"passwordWriteBackSupported": True}, headers=headers)
            assert writeback.status_code == expected, writeback.text
            if expected == 200:
                assert (await c.put(ONPREM, json={"accountUnlockEnabled": True}, headers=headers)).status_code == 200
                state = (await c.get(ONPREM, headers=headers)).json()
                assert state["passwordWritebackSupported"] and state["accountUnlockEnabled"]


async def test_passkey_campaigns_and_the_beta_opt_out(http: Any) -> None:
    campaign = {
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "state": "enabled",
                "snoozeDurationInDays": 1,
                "includeTargets": [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "fido2"}],
            }
        }
    }
    assert (await http("PATCH", METHODS, json=campaign)).status_code == 204  # how-to-mfa-registration-campaign
    other = {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": {"includeTargets": [
        {"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "sms"}]}}}  # fmt: skip
    assert (await http("PATCH", METHODS, json=other)).status_code == 400
    opt_out = {"optOutSettings": {"passkeyDynamicMigration": True}}
    assert (await http("PATCH", "/beta/policies/authenticationMethodsPolicy", json=opt_out)).status_code == 204
    assert (await http("PATCH", METHODS, json=opt_out)).status_code == 400  # beta only
    beta = (await http("GET", "/beta/policies/authenticationMethodsPolicy")).json()
    assert beta["optOutSettings"] == {"passkeyDynamicMigration": True}
    assert "optOutSettings" not in (await http("GET", METHODS)).json()

"""Regression tests for the fidelity audit: each pins a behaviour to the Microsoft page it was checked against.

docs/simulator.md ("Fidelity audit") lists the page behind each test.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.simulator import GRAPH_AUDIENCE, Simulator
from scorekeeper.simulator.securescore import history

SETTINGS = "/v1.0/groupSettings"
PASSWORD_RULES = "5cf42378-d67d-4f36-ba46-e8b86229381d"
ADELE = "6e7b768e-07e2-4810-8459-485f84f8f204"


async def test_directory_settings_take_the_groupsettings_permissions(http: Any) -> None:
    """group-list-settings / groupsetting-get: GroupSettings.Read.All first, then Directory.* and Group.*."""
    for role in ("GroupSettings.Read.All", "GroupSettings.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All"):
        assert (await http("GET", SETTINGS, roles=[role])).status_code == 200, role
        assert (await http("GET", "/beta/settings", roles=[role])).status_code == 200, role
    assert (await http("GET", SETTINGS, roles=["Policy.Read.All"])).status_code == 403

    body = {"templateId": PASSWORD_RULES, "values": [{"name": "EnableBannedPasswordCheck", "value": "True"}]}
    # group-post-settings: GroupSettings.ReadWrite.All, then Directory.ReadWrite.All; nothing else.
    for role in ("GroupSettings.Read.All", "Group.ReadWrite.All", "Policy.ReadWrite.Authorization"):
        assert (await http("POST", SETTINGS, roles=[role], json=body)).status_code == 403, role
    created = await http("POST", SETTINGS, roles=["GroupSettings.ReadWrite.All"], json=body)
    assert created.status_code == 201
    url = f"{SETTINGS}/{created.json()['id']}"
    # groupsetting-update / -delete: GroupSettings.ReadWrite.All, Directory.ReadWrite.All, Policy.ReadWrite.Authz.
    patch = {"values": [{"name": "LockoutThreshold", "value": "5"}]}
    assert (await http("PATCH", url, roles=["Group.ReadWrite.All"], json=patch)).status_code == 403
    for role in ("GroupSettings.ReadWrite.All", "Policy.ReadWrite.Authorization"):
        assert (await http("PATCH", url, roles=[role], json=patch)).status_code == 204, role
    assert (await http("DELETE", url, roles=["GroupSettings.ReadWrite.All"])).status_code == 204


async def test_setting_templates_take_the_permissions_each_page_lists(http: Any) -> None:
    """groupsettingtemplate-list: GroupSettings.Read.All, Directory.*; -get also GroupSettings.ReadWrite.All."""
    listing, one = "/v1.0/groupSettingTemplates", f"/v1.0/groupSettingTemplates/{PASSWORD_RULES}"
    for role in ("GroupSettings.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"):
        assert (await http("GET", listing, roles=[role])).status_code == 200, role
        assert (await http("GET", one, roles=[role])).status_code == 200, role
    assert (await http("GET", one, roles=["GroupSettings.ReadWrite.All"])).status_code == 200
    assert (await http("GET", listing, roles=["GroupSettings.ReadWrite.All"])).status_code == 403
    assert (await http("GET", listing, roles=["Group.Read.All"])).status_code == 403


async def test_user_readbasic_all_reads_users_only_when_delegated(http: Any, sim: Simulator) -> None:
    """user-list / user-get: User.ReadBasic.All is a delegated row; the Application rows start at User.Read.All."""
    for url in ("/v1.0/users", f"/v1.0/users/{ADELE}"):
        denied = await http("GET", url, roles=["User.ReadBasic.All"])
        assert denied.status_code == 403, url
        assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
        assert (await http("GET", url, roles=["User.Read.All"])).status_code == 200, url
        delegated = sim.issue_delegated_token(audience=GRAPH_AUDIENCE, scopes=["User.ReadBasic.All"])
        assert (await http("GET", url, token=delegated)).status_code == 200, url


def _organization(profile: str) -> dict[str, Any]:
    sim = Simulator.from_profiles(profile, extensions=[])
    return sim.tenants[sim.tenant_id].state["organization"]


@pytest.mark.parametrize(
    ("profile", "custom"),
    [
        ("weak-cloud", {"contoso.com": "Managed", "eu.contoso.com": "Managed"}),
        ("o365-only", {"contoso.com": "Managed", "eu.contoso.com": "Managed"}),
        ("hardened", {"contoso.com": "Managed", "eu.contoso.com": "Managed"}),
        ("hybrid-writeback-off", {"contoso.com": "Federated"}),
    ],
)
async def test_verified_domains_list_each_profiles_custom_domains(profile: str, custom: dict[str, str]) -> None:
    """organization.verifiedDomains: the initial domain first (default), then the custom domains the tenant verified."""
    domains = _organization(profile)["verifiedDomains"]
    assert domains[0]["name"].endswith(".onmicrosoft.com")
    assert domains[0]["isInitial"] and domains[0]["isDefault"] and domains[0]["type"] == "Managed"
    assert {d["name"]: d["type"] for d in domains[1:]} == custom
    assert [d["isDefault"] for d in domains].count(True) == 1
    assert [d["isInitial"] for d in domains].count(True) == 1
    assert set(domains[0]) == {"capabilities", "isDefault", "isInitial", "name", "type"}  # verifiedDomain's properties


def test_large_profile_verifies_its_generated_brand_domains() -> None:
    names = [d["name"] for d in _organization("large")["verifiedDomains"]]
    assert names[:3] == ["contoso.onmicrosoft.com", "contoso.com", "eu.contoso.com"]
    assert len(names) == 303 and names[3] == "brand001.com" and names[-1] == "brand300.com"
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("profile", ["weak-cloud", "hybrid-writeback-off", "hardened", "o365-only", "large"])
def test_verified_domains_agree_with_the_pwage_domains_extension(profile: str) -> None:
    """The domains a plugin serves from /domains and the organization's verifiedDomains are one tenant's view."""
    pytest.importorskip("scorekeeper_pwage")
    from scorekeeper_pwage.simulated_state import initial_state

    sim = Simulator.from_profiles(profile, extensions=[])
    org = sim.tenants[sim.tenant_id].state["organization"]
    initial = org["verifiedDomains"][0]["name"]
    served = initial_state(profile)["domains"]
    verified = {d["id"].replace("$DOMAIN", initial): d["authenticationType"] for d in served if d["isVerified"]}
    assert {d["name"]: d["type"] for d in org["verifiedDomains"]} == verified


@pytest.mark.parametrize("profile", ["weak-cloud", "hybrid-writeback-off", "hardened", "o365-only", "large"])
def test_control_max_scores_match_observed_tenants(profile: str) -> None:
    """SelfServicePasswordReset is worth 1 point and PWAgePolicyNew 8 (controlScores of real tenants at 100%)."""
    sim = Simulator.from_profiles(profile, extensions=[])
    state = sim.tenants[sim.tenant_id].state
    maxima = {p["id"]: p["maxScore"] for p in state["secureScoreControlProfiles"]}
    assert maxima["SelfServicePasswordReset"] == 1.0 and maxima["PWAgePolicyNew"] == 8.0
    for score in history(state):  # all 90 daily entries, the expanded older ones too
        assert score["maxScore"] == pytest.approx(sum(maxima.values()))
        assert score["currentScore"] == pytest.approx(sum(c["score"] for c in score["controlScores"]))
        for control in score["controlScores"]:
            assert control["score"] <= maxima[control["controlName"]]
            assert control["scoreInPercentage"] == pytest.approx(
                100.0 * control["score"] / maxima[control["controlName"]]
            )


VENDOR = {"provider": "SecureScore", "vendor": "Microsoft"}
SSPR_PROFILE = "/v1.0/security/secureScoreControlProfiles/SelfServicePasswordReset"


async def test_control_profile_update_answers_204_or_the_object_when_preferred(http: Any) -> None:
    """securescorecontrolprofile-update: 204 No Content; 200 with the profile under Prefer: return=representation."""
    plain = await http("PATCH", SSPR_PROFILE, json={"state": "Ignored", "vendorInformation": VENDOR})
    assert plain.status_code == 204 and not plain.content
    preferred = await http(
        "PATCH",
        SSPR_PROFILE,
        json={"state": "Reviewed", "comment": "checked", "vendorInformation": VENDOR},
        headers={"Prefer": "return=representation"},
    )
    assert preferred.status_code == 200
    body = preferred.json()
    assert body["@odata.context"].endswith("$metadata#security/secureScoreControlProfiles/$entity")
    assert [u["state"] for u in body["controlStateUpdates"]] == ["Ignored", "Reviewed"]


async def test_a_batched_update_honours_its_own_prefer_header(http: Any) -> None:
    requests = [
        {
            "id": str(n),
            "method": "PATCH",
            "url": "/security/secureScoreControlProfiles/PWAgePolicyNew",
            "headers": {"Content-Type": "application/json", **extra},
            "body": {"state": "Reviewed", "vendorInformation": VENDOR},
        }
        for n, extra in enumerate(({}, {"Prefer": "return=representation"}))
    ]
    answer = await http("POST", "/v1.0/$batch", json={"requests": requests})
    items = {item["id"]: item for item in answer.json()["responses"]}
    assert items["0"]["status"] == 204 and "body" not in items["0"]
    assert items["1"]["status"] == 200 and items["1"]["body"]["id"] == "PWAgePolicyNew"


async def test_a_403_fault_answers_like_a_refused_permission(http: Any, sim: Simulator) -> None:
    """Graph's 403 says the caller lacks privileges; it is never worded as an outage."""
    sim.faults.add(status=403, method="PATCH", path="/v1.0/policies/authorizationPolicy", times=1)
    refused = await http("PATCH", "/v1.0/policies/authorizationPolicy", json={"allowedToUseSSPR": False})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "Authorization_RequestDenied"
    assert error["message"] == "Insufficient privileges to complete the operation."


async def test_secure_score_lists_take_skip_as_documented(http: Any, sim: Simulator) -> None:
    """security-list-securescores shows GET /security/secureScores?$top=1&$skip=7; the profiles list documents $skip."""
    scores = [s["id"] for s in history(sim.tenant(sim.tenant_id).state)]
    yesterday = await http("GET", "/v1.0/security/secureScores?$top=1&$skip=1")
    assert [s["id"] for s in yesterday.json()["value"]] == scores[1:2]
    profiles = (await http("GET", "/v1.0/security/secureScoreControlProfiles")).json()["value"]
    paged = (await http("GET", "/v1.0/security/secureScoreControlProfiles?$skip=1&$top=2")).json()
    assert [p["id"] for p in paged["value"]] == [p["id"] for p in profiles[1:3]]
    rest = (await http("GET", paged["@odata.nextLink"].removeprefix("http://127.0.0.1"))).json()
    assert [p["id"] for p in rest["value"]] == [p["id"] for p in profiles[3:5]]
    bad = await http("GET", "/v1.0/security/secureScores?$skip=-1")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BadRequest"


@pytest.mark.parametrize("url", ["/v1.0/organization", "/beta/organization"])
async def test_user_read_reads_only_the_organizations_basic_properties(http: Any, sim: Simulator, url: str) -> None:
    """organization-list / -get: delegated User.Read reads id, displayName, verifiedDomains; the rest is null."""
    basic = sim.issue_delegated_token(audience=GRAPH_AUDIENCE, scopes=["User.Read"])
    org = (await http("GET", url, token=basic)).json()["value"][0]
    assert org["displayName"] == "Contoso (simulated)" and org["verifiedDomains"][0]["isInitial"]
    assert org["city"] is None and org["onPremisesSyncEnabled"] is None and org["technicalNotificationMails"] is None
    one = (await http("GET", f"{url}/{org['id']}", token=basic)).json()
    assert one["id"] == org["id"] and one["street"] is None
    full = sim.issue_delegated_token(audience=GRAPH_AUDIENCE, scopes=["User.Read", "Organization.Read.All"])
    assert (await http("GET", url, token=full)).json()["value"][0]["city"] == "Redmond"
    assert (await http("GET", url, roles=["User.Read"])).status_code == 403  # no application row for User.Read


CA = "/v1.0/identity/conditionalAccess/policies"
CA_POLICY = {
    "displayName": "Block registration from untrusted places",
    "state": "enabledForReportingButNotEnforced",
    "conditions": {
        "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
        "users": {"includeUsers": ["All"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
}


async def test_conditional_access_writes_need_the_documented_permission_pairs(http: Any) -> None:
    """conditionalaccesspolicy-update / -delete: Policy.ReadWrite.ConditionalAccess *and* Policy.Read.All
    (update and create also take it with Application.Read.All); the write permission alone is refused."""
    alone = ["Policy.ReadWrite.ConditionalAccess"]
    assert (await http("POST", CA, roles=alone, json=CA_POLICY)).status_code == 403
    created = await http("POST", CA, roles=[*alone, "Application.Read.All"], json=CA_POLICY)
    assert created.status_code == 201
    url = f"{CA}/{created.json()['id']}"
    assert (await http("PATCH", url, roles=alone, json={"state": "disabled"})).status_code == 403
    assert (await http("PATCH", url, roles=[*alone, "Policy.Read.All"], json={"state": "disabled"})).status_code == 204
    assert (await http("DELETE", url, roles=[*alone, "Application.Read.All"])).status_code == 403
    assert (await http("DELETE", url, roles=[*alone, "Policy.Read.All"])).status_code == 204
    assert (await http("GET", CA, roles=["Policy.Read.ConditionalAccess"])).status_code == 200  # reads unchanged

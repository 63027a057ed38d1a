"""The core directory endpoints (issue 27): shapes, permissions, 404s, paging and derived data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from scorekeeper.simulator import GRAPH_AUDIENCE, Simulator
from scorekeeper.simulator.models import check, model

GA = "62e90394-69f5-4237-9190-012177145e10"
ADMIN = "4782e723-f4f4-4af3-a76e-25e3bab0d896"
ADELE = "6e7b768e-07e2-4810-8459-485f84f8f204"
BREAK_GLASS = ("b0f1e1a4-3c0d-4d7e-9a51-2b1c9d8e7f60", "c2d4e6f8-0a1b-4c3d-8e5f-7a9b0c1d2e3f")
MISSING = "00000000-0000-0000-0000-0000000000ff"

#: (path, a permission the page lists, the SDK model of one item, a list?)
READS = [
    ("/directoryRoles", "RoleManagement.Read.Directory", "directoryRole", True),
    ("/roleManagement/directory/roleDefinitions", "RoleManagement.Read.Directory", "unifiedRoleDefinition", True),
    (f"/roleManagement/directory/roleDefinitions/{GA}", "Directory.Read.All", "unifiedRoleDefinition", False),
    ("/roleManagement/directory/roleAssignments", "RoleManagement.Read.All", "unifiedRoleAssignment", True),
    (
        "/roleManagement/directory/roleEligibilitySchedules",
        "RoleEligibilitySchedule.Read.Directory",
        "unifiedRoleEligibilitySchedule",
        True,
    ),
    (
        "/roleManagement/directory/roleEligibilityScheduleInstances",
        "RoleManagement.Read.Directory",
        "unifiedRoleEligibilityScheduleInstance",
        True,
    ),
    ("/identity/conditionalAccess/namedLocations", "Policy.Read.All", "namedLocation", True),
    (
        "/policies/identitySecurityDefaultsEnforcementPolicy",
        "Policy.Read.All",
        "identitySecurityDefaultsEnforcementPolicy",
        False,
    ),
    (
        "/policies/defaultAppManagementPolicy",
        "Policy.Read.ApplicationConfiguration",
        "tenantAppManagementPolicy",
        False,
    ),
    ("/policies/deviceRegistrationPolicy", "Policy.Read.DeviceConfiguration", "deviceRegistrationPolicy", False),
    (
        "/policies/crossTenantAccessPolicy/default",
        "Policy.Read.All",
        "crossTenantAccessPolicyConfigurationDefault",
        False,
    ),
    ("/servicePrincipals", "Application.Read.All", "servicePrincipal", True),
    ("/applications", "Application.Read.All", "application", True),
    (
        "/deviceManagement/deviceCompliancePolicies",
        "DeviceManagementConfiguration.Read.All",
        "deviceCompliancePolicy",
        True,
    ),
    ("/deviceManagement/managedDevices", "DeviceManagementManagedDevices.Read.All", "managedDevice", True),
    ("/identityGovernance/accessReviews/definitions", "AccessReview.Read.All", "accessReviewScheduleDefinition", True),
    ("/auditLogs/directoryAudits", "AuditLog.Read.All", "directoryAudit", True),
]


@pytest.fixture
def sim() -> Simulator:
    return Simulator.from_profiles("hardened", extensions=[])


def _problems(type_name: str, item: dict[str, Any]) -> list[str]:
    kind = str(item.get("@odata.type", f"#microsoft.graph.{type_name}")).rsplit(".", 1)[-1]
    _, problems = check(model(kind), item)
    return [f"{p.path}: {p.kind} {p.detail}" for p in problems if p.kind != "annotation"]


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize(("path", "permission", "type_name", "listed"), READS)
async def test_each_read_answers_with_the_documented_shape_and_permission(
    http: Any, path: str, permission: str, type_name: str, listed: bool, version: str
) -> None:
    response = await http("GET", f"/{version}{path}", roles=[permission])
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["value"] if listed else [body]
    assert items, f"{path} serves nothing on the hardened profile"
    if version == "v1.0":
        for item in items:
            assert _problems(type_name, item) == [], path
    refused = await http("GET", f"/{version}{path}", roles=["User.Read.All"])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"


@pytest.mark.parametrize(
    "path",
    [
        f"/directoryRoles/{MISSING}",
        f"/roleManagement/directory/roleDefinitions/{MISSING}",
        f"/identity/conditionalAccess/namedLocations/{MISSING}",
        f"/servicePrincipals/{MISSING}",
        f"/applications/{MISSING}",
        f"/deviceManagement/managedDevices/{MISSING}",
        f"/identityGovernance/accessReviews/definitions/{MISSING}",
        f"/auditLogs/signIns/{MISSING}",
    ],
)
async def test_an_unknown_id_answers_404(http: Any, path: str) -> None:
    response = await http("GET", f"/v1.0{path}")
    assert response.status_code == 404
    assert "error" in response.json()


async def test_role_members_come_from_the_role_assignments(http: Any, sim: Simulator) -> None:
    by_template = await http("GET", f"/v1.0/directoryRoles/{GA}/members", roles=["RoleManagement.Read.Directory"])
    members = {m["id"] for m in by_template.json()["value"]}
    assert members == {ADMIN, *BREAK_GLASS, "e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8b"}
    state = sim.tenant(sim.tenant_id).state
    state["roleAssignments"] = [a for a in state["roleAssignments"] if a["principalId"] != ADMIN]
    again = await http("GET", f"/v1.0/directoryRoles/{GA}/members")
    assert ADMIN not in {m["id"] for m in again.json()["value"]}


async def test_role_assignments_filter_and_expand_the_principal(http: Any) -> None:
    response = await http(
        "GET",
        "/v1.0/roleManagement/directory/roleAssignments",
        params={"$filter": f"roleDefinitionId eq '{GA}'", "$expand": "principal"},
    )
    rows = response.json()["value"]
    assert len(rows) == 4 and all(r["roleDefinitionId"] == GA for r in rows)
    assert {r["principal"]["@odata.type"] for r in rows} == {"#microsoft.graph.user"}
    assert {r["principal"]["userPrincipalName"].split("@")[0] for r in rows} >= {"admin", "breakglass"}
    bad = await http("GET", "/v1.0/roleManagement/directory/roleAssignments", params={"$expand": "nothing"})
    assert bad.status_code == 400


async def test_role_management_policy_assignments_require_their_filter(http: Any) -> None:
    path = "/v1.0/policies/roleManagementPolicyAssignments"
    assert (await http("GET", path)).status_code == 400
    scoped = await http(
        "GET",
        path,
        params={"$filter": f"scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{GA}'"},
    )
    assert scoped.status_code == 200
    [row] = scoped.json()["value"]
    assert row["roleDefinitionId"] == GA and row["policyId"].startswith("DirectoryRole_")


async def test_lists_page_with_top_and_next_link(http: Any) -> None:
    first = await http("GET", "/v1.0/servicePrincipals", params={"$top": "2"})
    body = first.json()
    assert len(body["value"]) == 2 and "@odata.nextLink" in body
    seen = [sp["id"] for sp in body["value"]]
    while "@odata.nextLink" in body:
        body = (await http("GET", body["@odata.nextLink"].replace("http://127.0.0.1", ""))).json()
        seen += [sp["id"] for sp in body["value"]]
    everything = (await http("GET", "/v1.0/servicePrincipals")).json()["value"]
    assert seen == [sp["id"] for sp in everything]


async def test_license_details_are_derived_and_delegated_only(http: Any, sim: Simulator) -> None:
    path = f"/v1.0/users/{ADELE}/licenseDetails"
    app_only = await http("GET", path, roles=["User.Read.All", "Directory.Read.All", "LicenseAssignment.Read.All"])
    assert app_only.status_code == 403  # the page's Application row: "Not supported"
    delegated = sim.issue_delegated_token(scopes=["LicenseAssignment.Read.All"], audience=GRAPH_AUDIENCE)
    [detail] = (await http("GET", path, token=delegated)).json()["value"]
    assert detail["skuPartNumber"] == "SPE_E3"
    assert "AAD_PREMIUM" in {p["servicePlanName"] for p in detail["servicePlans"]}
    user = next(u for u in sim.tenant(sim.tenant_id).state["users"] if u["id"] == ADELE)
    user["assignedLicenses"][0]["disabledPlans"] = ["41781fb2-bc02-4b7c-bd55-b576c07bb09d"]
    [again] = (await http("GET", path, token=delegated)).json()["value"]
    assert "AAD_PREMIUM" not in {p["servicePlanName"] for p in again["servicePlans"]}


async def test_service_principals_are_addressed_by_app_id(http: Any) -> None:
    graph = await http("GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')")
    assert graph.json()["displayName"] == "Microsoft Graph"
    assert "User.Read.All" in {r["value"] for r in graph.json()["appRoles"]}


async def test_named_locations_are_created_updated_and_deleted(http: Any) -> None:
    path = "/v1.0/identity/conditionalAccess/namedLocations"
    write = ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"]
    body = {
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "displayName": "Branch office",
        "isTrusted": True,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.51.100.0/24"}],
    }
    assert (await http("POST", path, json=body, roles=["Policy.ReadWrite.ConditionalAccess"])).status_code == 403
    created = await http("POST", path, json=body, roles=write)
    assert created.status_code == 201
    new_id = created.json()["id"]
    untyped = {"displayName": "Renamed"}
    assert (await http("PATCH", f"{path}/{new_id}", json=untyped, roles=write)).status_code == 400
    renamed = {"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": False}
    assert (await http("PATCH", f"{path}/{new_id}", json=renamed, roles=write)).status_code == 204
    assert (await http("GET", f"{path}/{new_id}")).json()["isTrusted"] is False
    assert (await http("DELETE", f"{path}/{new_id}", roles=write)).status_code == 204
    assert (await http("GET", f"{path}/{new_id}")).status_code == 404
    no_type = await http("POST", path, json={"displayName": "x"}, roles=write)
    assert no_type.status_code == 400


async def test_security_defaults_cannot_be_enabled_beside_conditional_access(http: Any, sim: Simulator) -> None:
    path = "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"
    assert (await http("GET", path)).json()["isEnabled"] is False
    on = {"isEnabled": True}
    assert (await http("PATCH", path, json=on, roles=["Policy.Read.All"])).status_code == 403
    assert (await http("PATCH", path, json=on, roles=["Policy.ReadWrite.SecurityDefaults"])).status_code == 400
    for policy in sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"]:
        policy["state"] = "disabled"
    assert (await http("PATCH", path, json=on, roles=["Policy.ReadWrite.SecurityDefaults"])).status_code == 204
    assert (await http("GET", path)).json()["isEnabled"] is True


async def test_a_state_without_the_new_keys_reads_empty_lists_and_defaults(http: Any, sim: Simulator) -> None:
    state = sim.tenant(sim.tenant_id).state
    for key in ("directoryRoles", "roleAssignments", "namedLocations", "managedDevices", "signIns", "applications"):
        state.pop(key, None)
    for key in (
        "identitySecurityDefaultsEnforcementPolicy",
        "deviceRegistrationPolicy",
        "crossTenantAccessPolicyDefault",
    ):
        state.pop(key, None)
    sim.mark()
    for path in ("/directoryRoles", "/roleManagement/directory/roleAssignments", "/deviceManagement/managedDevices"):
        assert (await http("GET", f"/v1.0{path}")).json()["value"] == []
    defaults = (await http("GET", "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).json()
    assert defaults["isEnabled"] is False  # hardened holds enabled CA policies, which exclude security defaults
    assert (await http("GET", "/v1.0/policies/crossTenantAccessPolicy/default")).json()["isServiceDefault"] is True
    assert sim.state_diff() == [], "a read must not write the default into the state"


async def test_sign_ins_need_both_permissions_and_filter_by_user(http: Any) -> None:
    path = "/v1.0/auditLogs/signIns"
    assert (await http("GET", path, roles=["AuditLog.Read.All"])).status_code == 403
    both = ["AuditLog.Read.All", "Directory.Read.All"]
    rows = (await http("GET", path, roles=both, params={"$filter": f"userId eq '{ADELE}'"})).json()["value"]
    assert rows and {r["userId"] for r in rows} == {ADELE}
    times = [r["createdDateTime"] for r in rows]
    assert times == sorted(times, reverse=True), "Graph lists the most recent sign-ins first"
    legacy = [r for r in rows if r["clientAppUsed"] == "Exchange ActiveSync"]
    assert legacy and legacy[0]["status"]["errorCode"] == 53003  # hardened blocks legacy authentication
    for row in rows:
        assert _problems("signIn", row) == []


async def test_report_only_policies_have_report_only_results() -> None:
    sim = Simulator.from_profiles("modern-cloud", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    policy = next(p for p in state["conditionalAccessPolicies"] if p["state"] == "enabledForReportingButNotEnforced")
    results = {
        entry["result"]
        for sign_in in state["signIns"]
        for entry in sign_in["appliedConditionalAccessPolicies"]
        if entry["id"] == policy["id"]
    }
    assert results == {"reportOnlyFailure", "reportOnlyNotApplied"}
    added = sim.add_sign_in(ADELE, client_app="IMAP4", mfa=False)
    [entry] = [e for e in added["appliedConditionalAccessPolicies"] if e["id"] == policy["id"]]
    assert entry["result"] == "reportOnlyFailure" and added["status"]["errorCode"] == 0  # report-only never blocks
    policy["state"] = "enabled"
    blocked = sim.add_sign_in(ADELE, client_app="IMAP4", created="2026-01-01T00:00:00Z")
    assert blocked["status"]["errorCode"] == 53003 and blocked in state["signIns"]


async def test_sign_ins_need_entra_id_p1() -> None:
    sim = Simulator.from_profiles("o365-only", extensions=[])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        token = sim.issue_token(roles=["AuditLog.Read.All", "Directory.Read.All"])
        response = await client.get("/v1.0/auditLogs/signIns", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


async def test_a_served_write_is_audited_with_its_initiator(http: Any, sim: Simulator) -> None:
    before = (await http("GET", "/v1.0/auditLogs/directoryAudits")).json()["value"]
    sim.mark()
    body = {
        "@odata.type": "#microsoft.graph.countryNamedLocation",
        "displayName": "Nordics",
        "countriesAndRegions": ["NO", "SE"],
    }
    created = await http(
        "POST",
        "/v1.0/identity/conditionalAccess/namedLocations",
        json=body,
        roles=["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"],
    )
    audits = (
        await http(
            "GET",
            "/v1.0/auditLogs/directoryAudits",
            params={"$filter": "category eq 'Policy' and operationType eq 'Add'"},
        )
    ).json()["value"]
    newest = audits[0]
    assert len(audits) > len([a for a in before if a["category"] == "Policy" and a["operationType"] == "Add"])
    assert newest["activityDisplayName"] == "Add named location"
    assert newest["targetResources"][0]["id"] == created.json()["id"]
    assert newest["initiatedBy"]["app"]["appId"] and newest["initiatedBy"]["user"] is None
    assert _problems("directoryAudit", newest) == []
    assert [c.path for c in sim.state_diff()] and all("directoryAudits" not in c.path for c in sim.state_diff())


async def test_report_only_results_need_the_prefer_header_for_unknown_enum_members() -> None:
    sim = Simulator.from_profiles("modern-cloud", extensions=[])
    policy = next(
        p["id"]
        for p in sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"]
        if p["state"] == "enabledForReportingButNotEnforced"
    )
    token = sim.issue_token(roles=["AuditLog.Read.All", "Directory.Read.All"])
    query = {"$filter": f"appliedConditionalAccessPolicies/any(p:p/id eq '{policy}')"}

    async def results(headers: dict[str, str]) -> set[str]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
            response = await client.get(
                "/v1.0/auditLogs/signIns", params=query, headers={"Authorization": f"Bearer {token}", **headers}
            )
        assert response.status_code == 200
        return {
            entry["result"]
            for sign_in in response.json()["value"]
            for entry in sign_in["appliedConditionalAccessPolicies"]
            if entry["id"] == policy
        }

    assert await results({}) == {"unknownFutureValue"}
    assert await results({"Prefer": "include-unknown-enum-members"}) == {"reportOnlyFailure", "reportOnlyNotApplied"}

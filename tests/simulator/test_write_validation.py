"""Write bodies are checked against Microsoft's v1.0 metadata (not the SDK's models), once for every route."""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator import Simulator, metadata
from scorekeeper.simulator.models import body_problems, read_only_properties


def kinds(type_name: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.kind) for p in body_problems(type_name, body)[1] if p.kind != "annotation"]


def test_a_nested_unknown_property_is_named_with_the_type_that_lacks_it() -> None:
    _, problems = body_problems("conditionalAccessPolicy", {"conditions": {"userRisk": ["high"]}})
    assert [p.path for p in problems] == ["conditions.userRisk"]
    assert "'microsoft.graph.conditionalAccessConditionSet'" in problems[0].message()
    assert "mark the type as open type" in problems[0].message()


def test_values_are_typed_as_the_metadata_types_them() -> None:
    assert kinds("authorizationPolicy", {"allowedToUseSSPR": "true"}) == [("allowedToUseSSPR", "type")]
    assert kinds("conditionalAccessPolicy", {"state": "on"}) == [("state", "type")]
    assert kinds("conditionalAccessPolicy", {"state": "enabledForReportingButNotEnforced"}) == []
    too_big = {"passwordValidityPeriodInDays": 2**31}
    assert kinds("domain", too_big) == [("passwordValidityPeriodInDays", "type")]
    assert kinds("domain", {"passwordValidityPeriodInDays": 2**31 - 1}) == []


def test_a_flags_enum_takes_a_comma_list_and_another_enum_does_not() -> None:
    assert metadata.is_flags("authenticationMethodModes") and not metadata.is_flags("conditionalAccessPolicyState")
    assert kinds("authenticationStrengthPolicy", {"allowedCombinations": "password,sms"}) == []
    assert kinds("conditionalAccessPolicy", {"state": "enabled,disabled"}) == [("state", "type")]


def test_a_derived_type_named_by_odata_type_brings_its_properties() -> None:
    body = {"@odata.type": "#microsoft.graph.ipNamedLocation", "isTrusted": True, "ipRanges": []}
    own, _ = body_problems("namedLocation", body)
    assert own.name == "microsoft.graph.ipNamedLocation" and kinds("namedLocation", body) == []
    assert kinds("namedLocation", {"isTrusted": True}) == [("isTrusted", "unknown")]
    assert kinds("namedLocation", {"@odata.type": "#microsoft.graph.user"}) == [("@odata.type", "type")]


def test_directory_objects_take_only_extension_properties_as_dynamic_ones() -> None:
    assert kinds("user", {"extension_0123456789abcdef0123456789abcdef_costCentre": "A1"}) == []
    assert kinds("user", {"costCentre": "A1"}) == [("costCentre", "unknown")]


def test_read_only_properties_are_what_the_csdl_marks_computed_or_read() -> None:
    fixed = read_only_properties(metadata.graph_type("windowsUpdateForBusinessConfiguration"))
    assert {"id", "qualityUpdatesPauseStartDate", "featureUpdatesPauseStartDate"} <= fixed
    assert "qualityUpdatesPaused" not in fixed  # writable: the CSDL does not mark it
    assert read_only_properties(metadata.graph_type("authorizationPolicy")) == {"id"}


async def test_bad_patches_over_http_are_refused_and_change_nothing(http: Any, sim: Simulator) -> None:
    url = "/v1.0/policies/authorizationPolicy"
    cases = {
        "Property 'id' is read-only": {"id": "other"},
        "'costCentre' does not exist on type 'microsoft.graph.authorizationPolicy'": {"costCentre": "A1"},
        "to the expected type 'Edm.Boolean'": {"defaultUserRolePermissions": {"allowedToCreateApps": "no"}},
    }
    for wording, body in cases.items():
        response = await http("PATCH", url, json=body)
        assert response.status_code == 400 and wording in response.json()["error"]["message"], body
    assert sim.writes() == [] and sim.state_diff() == []
    accepted = await http("PATCH", url, json={"defaultUserRolePermissions": {"allowedToCreateApps": False}})
    assert accepted.status_code == 204

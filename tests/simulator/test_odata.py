"""The OData layer every simulated route shares: metadata, shapes, $select, $filter, $orderby, $count, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.simulator import metadata, odata
from scorekeeper.simulator.csdl import DEFAULT_CSDL, OUTPUT
from scorekeeper.simulator.errors import Area, GraphError

USER = metadata.graph_type("user")
GROUP = metadata.graph_type("group")


# ----------------------------------------------------------------------------- metadata
def test_the_packaged_metadata_is_generated_from_the_csdl() -> None:
    """Regenerating from ../shared/graph/v1.0-Prod.csdl gives the packaged file byte for byte."""
    if not DEFAULT_CSDL.is_file():
        pytest.skip(f"no CSDL at {DEFAULT_CSDL}")
    result = subprocess.run(
        [sys.executable, "-m", "scorekeeper.simulator.csdl", "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert OUTPUT.stat().st_size < 2_000_000


def test_the_generator_refuses_a_missing_csdl_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scorekeeper.simulator.csdl", "--check", "--csdl", str(tmp_path / "none.csdl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_types_inherit_their_base_properties_and_know_their_derived_types() -> None:
    assert {"id", "deletedDateTime", "accountEnabled", "userType"} <= set(USER.properties)
    assert USER.properties["accountEnabled"].type == "Edm.Boolean"
    assert USER.properties["assignedLicenses"].collection and not USER.properties["assignedLicenses"].nullable
    assert "manager" in USER.navigation
    config = metadata.graph_type("authenticationMethodConfiguration")
    assert "microsoft.graph.fido2AuthenticationMethodConfiguration" in config.derived
    assert metadata.is_subtype("user", "directoryObject")


def test_paths_resolve_through_entity_sets_singletons_and_navigation() -> None:
    assert metadata.resolve("/users") == (USER, True)
    assert metadata.resolve("/users/{id}") == (USER, False)
    policies = metadata.resolve("/identity/conditionalAccess/policies")
    assert policies is not None and policies[0].short == "conditionalAccessPolicy" and policies[1]
    authz = metadata.resolve("/policies/authorizationPolicy")
    assert authz is not None and authz[0].short == "authorizationPolicy" and not authz[1]
    assert metadata.resolve("/settings") is None  # beta only
    assert metadata.resolve("/users/{id}/noSuchThing") is None


def test_default_sets_and_filterable_properties_follow_the_pages() -> None:
    assert USER.default == metadata.DOCUMENTED_DEFAULTS["microsoft.graph.user"]
    assert "accountEnabled" not in USER.default
    assert {"membershipRule", "isAssignableToRole", "securityEnabled"} <= set(GROUP.default)
    assert "allowExternalSenders" not in GROUP.default  # "Returned only on $select"
    assert USER.filterable["accountEnabled"] == {"eq", "ne", "not", "in"}
    assert "userType" in USER.filterable and "aboutMe" not in USER.filterable
    assert {"displayName", "userPrincipalName"} <= USER.sortable
    sku = metadata.graph_type("subscribedSku")
    assert sku.filterable == {} and sku.countable is False


# ----------------------------------------------------------------------------- shapes and $select
def test_the_default_shape_fills_nulls_and_users_serve_only_their_default_set() -> None:
    stored = {"id": "1", "displayName": "Adele", "accountEnabled": True}
    user = odata.shape(stored, USER, None)
    assert set(user) == set(USER.default) and user["displayName"] == "Adele" and user["mail"] is None
    group = odata.shape({"id": "g", "displayName": "G"}, GROUP, None)
    assert group["membershipRule"] is None and group["isAssignableToRole"] is None and group["id"] == "g"


def test_a_derived_item_gets_its_own_type_default_set() -> None:
    config = metadata.graph_type("authenticationMethodConfiguration")
    item = {"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration", "id": "Fido2"}
    shaped = odata.shape(item, config, None)
    assert shaped["@odata.type"] == item["@odata.type"] and "isAttestationEnforced" in shaped


def test_select_returns_exactly_the_selected_properties_and_refuses_unknown_ones() -> None:
    shaped = odata.shape({"id": "1", "displayName": "A", "mail": "a@x"}, USER, ["id", "userType"])
    assert shaped == {"id": "1", "userType": None}
    with pytest.raises(GraphError) as caught:
        odata.check_select_type(["id", "bogus"], USER, Area.DIRECTORY)
    assert caught.value.status == 400 and caught.value.code == "Request_BadRequest"
    assert caught.value.message == "Could not find a property named 'bogus' on type 'microsoft.graph.user'."


# ----------------------------------------------------------------------------- $filter
ITEMS: list[dict[str, Any]] = [
    {"id": "a", "displayName": "Adele", "accountEnabled": True, "userType": "Member", "businessPhones": ["+1 1"]},
    {"id": "b", "displayName": "Ben", "accountEnabled": False, "userType": "Guest", "businessPhones": []},
    {"id": "c", "displayName": "O'Brien", "userType": "Member"},
]


def ids(raw: str, info: metadata.TypeInfo = USER, allowed: tuple[str, ...] = ()) -> list[str]:
    return [i["id"] for i in odata.apply_filter(ITEMS, raw, allowed, Area.DIRECTORY, "user", info)]


def test_filters_on_documented_properties() -> None:
    assert ids("accountEnabled eq true") == ["a"]
    assert ids("userType eq 'member'") == ["a", "c"]  # case-insensitive, as the directory compares
    assert ids("accountEnabled ne true") == ["b", "c"]
    assert ids("userType in ('Guest', 'Nobody')") == ["b"]
    assert ids("startswith(displayName,'o''b')") == ["c"]
    assert ids("businessPhones/any(p:p eq '+1 1')") == ["a"]
    assert ids("not (userType eq 'Member') or displayName eq 'Adele'") == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("aboutMe eq 'x'", "Request_UnsupportedQuery", "property 'aboutMe' of resource 'User'"),
        ("startswith(accountEnabled,'t')", "Request_UnsupportedQuery", "property 'accountEnabled'"),
        ("bogus eq 1", "Request_BadRequest", "Could not find a property named 'bogus'"),
        ("accountEnabled eq 'true'", "Request_BadRequest", "'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'"),
        ("displayName eq", "Request_BadRequest", "Invalid filter clause"),
    ],
)
def test_filters_graph_refuses(raw: str, code: str, words: str) -> None:
    with pytest.raises(GraphError) as caught:
        ids(raw)
    assert caught.value.status == 400 and caught.value.code == code and words in caught.value.message


def test_enum_literals_are_checked_against_the_enum() -> None:
    policy = metadata.graph_type("conditionalAccessPolicy")
    rows = [{"id": "p", "state": "enabled"}]
    assert odata.apply_filter(rows, "state eq 'enabled'", (), Area.POLICY, "conditionalAccessPolicy", policy) == rows
    with pytest.raises(GraphError, match="not a valid enumeration type constant"):
        odata.apply_filter(rows, "state eq 'on'", (), Area.POLICY, "conditionalAccessPolicy", policy)


def test_guid_and_date_literals_parse_unquoted() -> None:
    parsed = odata.parse_filter(
        "assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900) and createdDateTime ge 2024-01-01"
    )
    item = {"assignedLicenses": [{"skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900"}], "createdDateTime": "2025-02-01"}
    assert parsed.test(item) and parsed.properties == {"assignedLicenses", "createdDateTime"}


# ----------------------------------------------------------------------------- $orderby, $count
def test_orderby_on_sortable_properties_only() -> None:
    ordered = odata.apply_orderby(ITEMS, "displayName desc", (), Area.DIRECTORY, USER)
    assert [i["id"] for i in ordered] == ["c", "b", "a"]
    with pytest.raises(GraphError):
        odata.apply_orderby(ITEMS, "userType", (), Area.DIRECTORY, USER)


def test_count_values() -> None:
    assert odata.wants_count("true", Area.DIRECTORY) and not odata.wants_count(None, Area.DIRECTORY)
    with pytest.raises(GraphError):
        odata.wants_count("yes", Area.DIRECTORY)


# ----------------------------------------------------------------------------- through HTTP
async def test_count_on_directory_objects_needs_consistency_level(http: Any) -> None:
    refused = await http("GET", "/v1.0/users", params={"$count": "true"})
    assert refused.status_code == 400 and refused.json()["error"]["message"] == "$count is not currently supported."
    counted = await http("GET", "/v1.0/users", params={"$count": "true"}, headers={"ConsistencyLevel": "eventual"})
    body = counted.json()
    assert counted.status_code == 200 and body["@odata.count"] == len(body["value"]) > 0


async def test_an_unknown_path_names_the_segment_that_failed(http: Any) -> None:
    for url, segment in (
        ("/v1.0/identity/conditionalAccess/bogus", "bogus"),
        ("/v1.0/nothing/here", "nothing"),
        ("/v1.0/policies/authenticationMethodsPolicy/nope", "nope"),
    ):
        answer = await http("GET", url)
        assert answer.status_code == 400
        assert answer.json()["error"]["message"] == f"Resource not found for the segment '{segment}'."


async def test_select_on_core_routes_is_checked_and_filled(http: Any) -> None:
    refused = await http("GET", "/v1.0/groups", params={"$select": "id,nope"})
    assert refused.status_code == 400
    assert (
        refused.json()["error"]["message"] == "Could not find a property named 'nope' on type 'microsoft.graph.group'."
    )
    groups = await http("GET", "/v1.0/groups", params={"$select": "id,membershipRule,isAssignableToRole"})
    assert all(set(g) == {"id", "membershipRule", "isAssignableToRole"} for g in groups.json()["value"])

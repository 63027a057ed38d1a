"""The remembered request forms are exactly what the SDK's fluent builders give, on every tenant's own root."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.plugin import reads as plumbing
from scorekeeper.testing import simulated_tenant, simulator_for
from scorekeeper_sspr import reads
from scorekeeper_sspr.control import CONTROL


def _entries(tenant: Any, requests: dict[str, Any]) -> dict[str, Any]:
    from scorekeeper.graph.batch import batch_entries

    return {key: (version, entry) for key, (version, entry) in batch_entries(tenant.graph, requests).items()}


@pytest.fixture
def tenant() -> Any:
    plumbing._FORMS.clear()
    return simulated_tenant(simulator_for("weak-cloud"), CONTROL)


def test_each_fixed_read_is_the_builders_request_first_and_later(tenant: Any) -> None:
    built = {key: build(tenant.graph) for key, build in reads._FIXED.items()}
    first = {
        key: plumbing.remembered_request(tenant, ("t", key), lambda b=b: b(tenant.graph))
        for key, b in reads._FIXED.items()
    }
    later = {key: plumbing.remembered_request(tenant, ("t", key), lambda: pytest.fail("built again")) for key in built}
    assert _entries(tenant, first) == _entries(tenant, built) == _entries(tenant, later)
    assert "%24select=id,createdDateTime" in _entries(tenant, later)["organization"][1]["url"]
    assert _entries(tenant, later)["skus"][1]["headers"] == {"accept": "application/json"}


def test_each_call_gets_its_own_request_object(tenant: Any) -> None:
    one = plumbing.remembered_request(tenant, "skus", lambda: tenant.graph.subscribed_skus.to_get_request_information())
    two = plumbing.remembered_request(tenant, "skus", lambda: pytest.fail("built again"))
    assert one is not two and one.headers is not two.headers


@pytest.mark.parametrize(
    "gid",
    [
        "6f1c2a34-9b7e-4d21-8c3f-0a1b2c3d4e5f",
        "ABCDEF01-2345-6789-ABCD-EF0123456789",
        "{6f1c2a34-9b7e-4d21-8c3f-0a1b2c3d4e5f}",
    ],
)
def test_members_form_serves_every_group_id(tenant: Any, gid: str) -> None:
    plumbing.remembered_request_for_id(
        tenant, "m", "11111111-2222-3333-4444-555555555555", lambda g: reads._members(tenant, g)
    )
    got = reads._members_requests(tenant, [gid])
    want = {f"{reads.MEMBERS}{gid}": reads._members(tenant, gid)}
    assert _entries(tenant, got) == _entries(tenant, want)


def test_a_tenant_on_another_root_reads_its_own_root(tenant: Any) -> None:
    from scorekeeper.engine.auth import StaticTokenCredential
    from scorekeeper.graph.client import build_graph_client

    reads._requests(tenant, tenant.desired)  # remembered on the first tenant's root
    other = simulated_tenant(simulator_for("weak-cloud"), CONTROL)
    other.graph_factory = lambda: build_graph_client(StaticTokenCredential("t"), "https://graph.microsoft.us")
    entries = _entries(other, reads._requests(other, other.desired))
    built = _entries(other, {key: build(other.graph) for key, build in reads._FIXED.items()})
    assert {k: entries[k] for k in built} == built
    from scorekeeper.graph.batch import request_url

    info = reads._requests(other, other.desired)["skus"]
    assert request_url(info) == "https://graph.microsoft.us/v1.0/subscribedSkus"


def test_the_assessments_reads_are_the_builders_in_the_same_order(tenant: Any) -> None:
    from scorekeeper.reads import get_request
    from scorekeeper_sspr.settings import CONTROL_ID

    reference = {key: build(tenant.graph) for key, build in reads._FIXED.items()}
    reference |= {
        plumbing.SCORES: plumbing._latest_score_request(tenant),
        plumbing.PROFILE: plumbing._profile_request(tenant, CONTROL_ID),
    }  # the builders themselves
    reference["registration_details"] = reads._details(tenant)
    reference |= {key: get_request(tenant, path, version="beta") for key, path in reads._BETA.items()}
    for _ in range(2):  # the first call remembers, the second uses the forms
        got = reads._requests(tenant, tenant.desired)
        assert list(got) == list(reference)
        assert _entries(tenant, got) == _entries(tenant, reference)


def test_only_a_plain_get_has_a_form(tenant: Any) -> None:
    from kiota_abstractions.method import Method

    def patch() -> Any:
        info = tenant.graph.policies.authorization_policy.to_get_request_information()
        info.http_method = Method.PATCH
        return info

    with pytest.raises(ValueError, match="only a GET"):
        plumbing.remembered_request(tenant, "patch", patch)

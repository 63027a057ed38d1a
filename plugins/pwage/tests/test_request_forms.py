"""The reads in their remembered forms are exactly the SDK builders' requests, call after call."""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper.plugin import reads as plumbing
from scorekeeper.testing import simulated_tenant, simulator_for
from scorekeeper_pwage import reads
from scorekeeper_pwage.control import CONTROL


def _entries(tenant: Any, requests: dict[str, Any]) -> dict[str, Any]:
    from scorekeeper.graph.batch import batch_entries

    return dict(batch_entries(tenant.graph, requests))


@pytest.mark.parametrize("only", [(), ("domains",), ("domains", "organization")])
def test_reads_are_the_builders_requests_first_and_later(only: tuple[str, ...]) -> None:

    plumbing._FORMS.clear()
    tenant = simulated_tenant(simulator_for("weak-cloud"), CONTROL)
    reference = {"domains": reads._domains(tenant), "organization": reads._organization(tenant)}
    reference |= {
        plumbing.SCORES: plumbing._latest_score_request(tenant),
        plumbing.PROFILE: plumbing._profile_request(tenant, CONTROL.id),
    }  # the builders themselves
    reference = {key: info for key, info in reference.items() if not only or key in only}
    for _ in range(2):
        got = reads._requests(tenant, only)
        assert list(got) == list(reference)
        assert _entries(tenant, got) == _entries(tenant, reference)
    assert "%24select=id,isVerified" in _entries(tenant, got)["domains"][1]["url"]

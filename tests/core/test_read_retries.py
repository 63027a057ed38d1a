"""A read that gets no answer is sent again; a write is not (``graph/retry.py``), over a real socket.

The simulator's ``kind="timeout"`` fault keeps the connection silent until the client's own read
timeout fires, exactly what a slow server does to a client; ``times=1`` makes only the first
matching request silent, so a retry is answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scorekeeper.engine.auth import StaticTokenCredential
from scorekeeper.graph import retry
from scorekeeper.graph.batch import send_batch
from scorekeeper.graph.client import build_graph_client, graph_request
from scorekeeper.graph.errors import GraphCallError, PortalError
from scorekeeper.graph.portal import PortalClient
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.wire import server

PORTAL_POLICY = "PasswordReset/PasswordResetPolicies"
POLICY = "/v1.0/policies/authorizationPolicy"
#: The client's read timeout: the silent server is given up on after this long.
TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def no_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The waits between attempts are the rule's business, not the test's: keep their count, drop the time."""
    monkeypatch.setattr(retry, "READ_RETRY_DELAYS", (0.0,) * len(retry.READ_RETRY_DELAYS))


@pytest.fixture
async def served() -> AsyncIterator[tuple[Simulator, str]]:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    with server(sim.app) as url:
        sim.request_log.clear()
        yield sim, url


def _graph(sim: Simulator, url: str) -> Any:
    return build_graph_client(StaticTokenCredential(sim.issue_token(sim.tenant_id)), url, timeout=TIMEOUT)


def _portal(sim: Simulator, url: str) -> PortalClient:
    token = StaticTokenCredential(sim.issue_delegated_token(sim.tenant_id))
    return PortalClient(token, f"{url}/api", timeout=TIMEOUT)


def _seen(sim: Simulator, method: str, path: str) -> int:
    return sum(1 for r in sim.request_log if r.method == method and r.path == path and not r.batched)


def test_only_reads_count_as_reads() -> None:
    batch_of_gets = b'{"requests": [{"id": "1", "method": "GET", "url": "/organization"}]}'
    batch_with_a_write = (
        b'{"requests": [{"id": "1", "method": "GET", "url": "/a"}, {"id": "2", "method": "PATCH", "url": "/b"}]}'
    )
    assert retry.is_read("GET", "/v1.0/organization")
    assert retry.is_read("POST", "/v1.0/$batch", batch_of_gets)
    assert not retry.is_read("POST", "/v1.0/$batch", batch_with_a_write)
    assert not retry.is_read("POST", "/v1.0/$batch", b"not json")
    assert not retry.is_read("POST", "/v1.0/groups", b"{}")
    assert not retry.is_read("PATCH", "/v1.0/policies/authorizationPolicy", b"{}")
    assert not retry.is_read("PUT", "/api/PasswordReset/PasswordResetPolicies")


async def test_a_portal_read_that_timed_out_is_sent_again_and_answered(served: tuple[Simulator, str]) -> None:
    sim, url = served
    rule = sim.faults.add(kind="timeout", timeout_after=2, path=f"/api/{PORTAL_POLICY}", times=1)
    portal = _portal(sim, url)
    try:
        policy = await portal.get(PORTAL_POLICY)
    finally:
        await portal.aclose()
    assert isinstance(policy, dict) and "enablementType" in policy
    assert rule.hits == 1 and _seen(sim, "GET", f"/api/{PORTAL_POLICY}") == 2


async def test_a_portal_read_that_never_answers_gives_up_after_its_retries(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(kind="timeout", timeout_after=2, path=f"/api/{PORTAL_POLICY}")
    portal = _portal(sim, url)
    try:
        with pytest.raises(PortalError) as raised:
            await portal.get(PORTAL_POLICY)
    finally:
        await portal.aclose()
    assert raised.value.code == "Timeout"
    assert _seen(sim, "GET", f"/api/{PORTAL_POLICY}") == 1 + len(retry.READ_RETRY_DELAYS)


async def test_a_portal_write_that_timed_out_is_not_sent_again(served: tuple[Simulator, str]) -> None:
    sim, url = served
    portal = _portal(sim, url)
    try:
        policy = await portal.get(PORTAL_POLICY)
        sim.faults.add(kind="timeout", timeout_after=2, method="PUT", times=1)
        with pytest.raises(PortalError) as raised:
            await portal.put(PORTAL_POLICY, policy)
    finally:
        await portal.aclose()
    assert raised.value.code == "Timeout"
    assert _seen(sim, "PUT", f"/api/{PORTAL_POLICY}") == 1  # the outcome is unknown: the write helpers look first


async def test_a_graph_get_that_timed_out_is_sent_again_through_the_sdk_pipeline(served: tuple[Simulator, str]) -> None:
    sim, url = served
    rule = sim.faults.add(kind="timeout", timeout_after=2, path="/v1.0/organization", times=1)
    client = _graph(sim, url)
    try:
        answer = await graph_request(client, "GET", "organization")
    finally:
        await client.request_adapter._http_client.aclose()
    assert answer["value"][0]["id"] == sim.tenant_id
    assert rule.hits == 1 and _seen(sim, "GET", "/v1.0/organization") == 2


async def test_a_batch_of_reads_that_timed_out_is_sent_again(served: tuple[Simulator, str]) -> None:
    sim, url = served
    client = _graph(sim, url)
    rule = sim.faults.add(kind="timeout", timeout_after=2, path="/v1.0/$batch", times=1)
    try:
        items = await send_batch(client, {"org": client.organization.to_get_request_information()})
    finally:
        await client.request_adapter._http_client.aclose()
    assert items["org"].ok and items["org"].body["value"][0]["id"] == sim.tenant_id
    assert rule.hits == 1 and _seen(sim, "POST", "/v1.0/$batch") == 2


async def test_a_graph_write_that_timed_out_is_not_sent_again(served: tuple[Simulator, str]) -> None:
    sim, url = served
    token = sim.issue_token(sim.tenant_id)
    async with httpx.AsyncClient(base_url=url, timeout=120) as warm:  # the first write imports the SDK models: slow
        answer = await warm.patch(POLICY, json={"allowedToUseSSPR": True}, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 204
    sim.request_log.clear()
    sim.faults.add(kind="timeout", timeout_after=2, method="PATCH", times=1)
    client = _graph(sim, url)
    try:
        with pytest.raises(GraphCallError) as raised:
            await graph_request(client, "PATCH", "policies/authorizationPolicy", {"allowedToUseSSPR": False})
    finally:
        await client.request_adapter._http_client.aclose()
    assert raised.value.code == "Timeout"
    assert _seen(sim, "PATCH", POLICY) == 1

"""A fleet's tenants reuse HTTP clients slot by slot (``scorekeeper.graph.pool``), each request with its own token."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from scorekeeper.config.model import load_config
from scorekeeper.engine import Engine
from scorekeeper.engine.auth import StaticTokenCredential
from scorekeeper.graph.client import build_graph_client
from scorekeeper.graph.pool import PoolSlots, current_pool
from scorekeeper.graph.portal import PortalClient
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.store import HistoryStore

from .test_serve_fleet import served  # noqa: F401  (the fixture: three tenants served on loopback)

GRAPH, PORTAL = "https://graph.microsoft.com", "https://main.iam.ad.ext.azure.com/api"


async def test_one_slot_lends_its_clients_to_each_tenant_in_turn_and_closes_them_at_the_end() -> None:
    slots = PoolSlots(2)
    built = []
    for token in ("tenant-a", "tenant-b"):
        async with slots.slot() as pool:
            assert current_pool() is pool
            graph = build_graph_client(StaticTokenCredential(token), GRAPH)
            portal = PortalClient(StaticTokenCredential(token), PORTAL)
            await portal.aclose()  # a session's close leaves a pooled client open
            built.append((pool, graph.request_adapter._http_client, portal._http))  # type: ignore[attr-defined]
        assert current_pool() is None
    (pool_a, graph_a, portal_a), (pool_b, graph_b, portal_b) = built
    assert pool_a is pool_b and graph_a is graph_b and portal_a is portal_b, "the warm slot is lent again"
    assert not graph_a.is_closed and not portal_a.is_closed
    await slots.aclose()
    assert graph_a.is_closed and portal_a.is_closed


async def test_every_slot_of_an_operation_sends_through_one_pre_built_pipeline() -> None:
    """Tenants running at once in different slots share one client and SDK middleware pipeline per service."""
    slots, seen = PoolSlots(3), []
    entered = asyncio.Event()
    inside = [0]

    async def tenant(token: str) -> None:
        async with slots.slot() as pool:
            inside[0] += 1
            if inside[0] == 3:
                entered.set()
            await entered.wait()  # all three hold a slot of their own at once
            graph = build_graph_client(StaticTokenCredential(token), GRAPH)
            portal = PortalClient(StaticTokenCredential(token), PORTAL)
            http = graph.request_adapter._http_client  # type: ignore[attr-defined]
            seen.append((pool, http, portal._http))

    await asyncio.gather(*(tenant(t) for t in ("a", "b", "c")))
    assert len({id(pool) for pool, _, _ in seen}) == 3, "three slots in use"
    assert len({id(graph) for _, graph, _ in seen}) == 1 and len({id(portal) for _, _, portal in seen}) == 1
    graph, portal = seen[0][1], seen[0][2]
    assert all(pool.holds(graph) and pool.holds(portal) for pool, _, _ in seen), "no session closes a shared one"
    await slots.aclose()
    assert graph.is_closed and portal.is_closed


async def test_outside_a_slot_and_with_its_own_transport_a_session_keeps_its_own_clients() -> None:
    first, second = (build_graph_client(StaticTokenCredential("t"), GRAPH) for _ in range(2))
    assert first.request_adapter._http_client is not second.request_adapter._http_client  # type: ignore[attr-defined]
    slots = PoolSlots(1)
    async with slots.slot() as pool:
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        build_graph_client(StaticTokenCredential("t"), GRAPH, transport=transport)
        assert len(pool) == 0, "an in-process simulator's transport is that tenant's alone"
    await slots.aclose()


async def test_slots_bound_how_many_tenants_run_at_once() -> None:
    slots, running, most = PoolSlots(2), [0], [0]

    async def tenant() -> None:
        async with slots.slot():
            running[0] += 1
            most[0] = max(most[0], running[0])
            await asyncio.sleep(0)
            running[0] -= 1

    await asyncio.gather(*(tenant() for _ in range(6)))
    assert most[0] == 2
    await slots.aclose()


async def test_tenants_one_after_another_share_connections_yet_each_reads_its_own_tenant(
    served: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, snippet = served
    config_file = tmp_path / "scorekeeper.toml"
    config_file.write_text("[scorekeeper]\nconcurrency = 1\n\n" + snippet)
    config = load_config(config_file, data_dir=tmp_path)
    names = sorted(n for n in config.tenants if n.startswith("sim-"))
    store = HistoryStore.open(str(tmp_path / "history.db"))
    try:
        engine = Engine(config, load_plugins(), store, tmp_path)
        _, plans = await engine.plan("sim-0002", ["PWAgePolicyNew"])  # make one tenant differ from the others
        assert (await engine.remediate("sim-0002", plans)).status == "completed"
        clients, original = [0], httpx.AsyncClient.__init__

        def counted(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
            clients[0] += 1
            original(self, *args, **kwargs)

        monkeypatch.setattr(httpx.AsyncClient, "__init__", counted)
        runs = await engine.assess(names, ["PWAgePolicyNew"])
    finally:
        store.close()
    assert clients[0] == 2, "one Graph and one portal client for three tenants in one slot"
    failing = {run.tenant: sum(f.status.value == "fail" for f in run.findings) for run in runs}
    assert failing["sim-0002"] < failing["sim-0001"] == failing["sim-0003"], "each request carried its own token"
    assert {store.tenant_ids()[n] for n in names} == {config.tenant(n).tenant_id for n in names}


async def test_a_lent_client_never_carries_one_tenant_s_cookies_to_the_next() -> None:
    """A front end's Set-Cookie (affinity, a session slice) for tenant A must not ride on tenant B's request."""
    seen: list[str | None] = []

    def front_end(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"set-cookie": "x-ms-gateway-slice=tenant-a; Path=/"})

    transport = httpx.MockTransport(front_end)
    slots = PoolSlots(1)
    for _tenant in ("tenant-a", "tenant-b"):
        async with slots.slot():
            portal = PortalClient(StaticTokenCredential(_tenant), PORTAL)
            portal._http._transport = transport  # the pooled client itself, answering from the mock
            await portal._http.get("PasswordReset/PasswordResetPolicies")
            assert not portal._http.cookies, "the lent client kept nothing of the Set-Cookie"
    await slots.aclose()
    assert seen == [None, None]
    async with httpx.AsyncClient(transport=transport, base_url=PORTAL + "/") as own:  # what the jar prevents
        await own.get("a")
        await own.get("b")
    assert seen[-1] == "x-ms-gateway-slice=tenant-a"

"""An assessment of every shipped control costs about one round trip, over a real socket (issue 29).

Counted, not timed: every HTTP request the engine sends is logged at its transport with the
requests already *answered* when it left, so a request sent only after another's answer is one
wave later. The waves are the round trips a person waits for, whatever the machine's speed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.graph.transport import AiohttpTransport
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.wire import server
from scorekeeper.store import HistoryStore


@dataclass
class Sent:
    """One HTTP request: its path, the reads a ``$batch`` carried, and how many requests had been answered."""

    method: str
    path: str
    reads: list[str]
    answered_before: set[int]
    wave: int = 0


@dataclass
class Wire:
    sent: list[Sent] = field(default_factory=list)
    answered: set[int] = field(default_factory=set)

    def waves(self) -> int:
        for request in self.sent:
            request.wave = 1 + max((self.sent[i].wave for i in request.answered_before), default=0)
        return max((r.wave for r in self.sent), default=0)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    """Log each request leaving the engine's own transport (below the SDK's middleware)."""
    log = Wire()
    original = AiohttpTransport.handle_async_request
    original_exchange = AiohttpTransport.exchange  # the lean path's (graph/lean.py)

    async def record(method: str, path: str, content: bytes | None, send: Any) -> Any:
        batch = path.endswith("$batch")
        reads = [r["url"] for r in json.loads(content or b"")["requests"]] if batch else []
        index = len(log.sent)
        log.sent.append(Sent(method, path, reads, set(log.answered)))
        try:
            return await send()
        finally:
            log.answered.add(index)

    async def logged(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
        return await record(request.method, request.url.path, request.content, lambda: original(self, request))  # type: ignore[no-any-return]

    async def logged_exchange(
        self: AiohttpTransport, method: str, url: Any, headers: Any, body: Any, timeout: Any
    ) -> Any:
        return await record(
            method, url.path, body, lambda: original_exchange(self, method, url, headers, body, timeout)
        )

    monkeypatch.setattr(AiohttpTransport, "handle_async_request", logged)
    monkeypatch.setattr(AiohttpTransport, "exchange", logged_exchange)
    yield log


@pytest.fixture
async def served() -> AsyncIterator[tuple[Simulator, str]]:
    sim = Simulator.from_profiles("weak-cloud")
    with server(sim.app) as url:
        yield sim, url


def _engine(sim: Simulator, url: str, tmp: Path, controls: dict[str, Any] | None = None) -> Engine:
    tenant = {
        "tenant_id": sim.tenant_id,
        "auth": "static",
        "token": sim.issue_token(sim.tenant_id),
        "portal_auth": "static",
        "portal_token": sim.issue_delegated_token(sim.tenant_id),
        "graph_url": url,
        "portal_url": f"{url}/api",
    }
    config = parse_config({"tenants": {"t": tenant}, "controls": controls or {}}, None, data_dir=tmp)
    return Engine(config, load_plugins(), HistoryStore.open(str(tmp / "history.db")), tmp)


async def _assess_twice(engine: Engine, wire: Wire) -> Any:
    """The second assessment of every control: the first imports the tenant's Secure Score history."""
    try:
        await engine.assess(["t"])
        wire.sent.clear()
        wire.answered.clear()
        [run] = await engine.assess(["t"])
    finally:
        engine.store.close()
    assert run.status == "completed" and not any(c.error for c in run.controls), run
    assert len(run.controls) >= 11, "every shipped control was assessed"
    return run


def _pilot_group(sim: Simulator) -> str:
    return str(sim.tenant(sim.tenant_id).state["portal"]["passwordResetPolicies"]["passwordResetEnabledGroupIds"][0])


async def test_every_read_of_every_control_leaves_in_the_first_round_trip_when_the_config_names_the_group(
    served: tuple[Simulator, str], wire: Wire, tmp_path: Path
) -> None:
    sim, url = served
    sspr = {"enablement": "selected", "enablement_group": _pilot_group(sim)}
    await _assess_twice(_engine(sim, url, tmp_path, {"SelfServicePasswordReset": sspr}), wire)

    assert wire.waves() == 1, [(r.wave, r.path, r.reads) for r in wire.sent]
    paths = sorted(r.path for r in wire.sent)
    # The two portal reads, every v1.0 read in as few $batch calls as 20 per batch allows, the beta rows in one.
    assert paths == [
        "/api/PasswordReset/OnPremisesPasswordResetPolicies",
        "/api/PasswordReset/PasswordResetPolicies",
        "/beta/$batch",
        "/v1.0/$batch",
        "/v1.0/$batch",
    ], paths
    v1 = [len(r.reads) for r in wire.sent if r.path == "/v1.0/$batch"]
    assert sorted(v1)[-1] == 20 and sum(v1) <= 40, v1
    reads = [(r.path, u) for r in wire.sent for u in r.reads]  # (the version's $batch, the URL in it)
    assert len(reads) == len(set(reads)), "each distinct read sent once"
    assert any(u.startswith(f"/groups/{_pilot_group(sim)}/transitiveMembers") for _, u in reads)


async def test_a_group_only_the_tenant_names_costs_one_more_round_trip_and_nothing_else(
    served: tuple[Simulator, str], wire: Wire, tmp_path: Path
) -> None:
    sim, url = served
    await _assess_twice(_engine(sim, url, tmp_path), wire)

    assert wire.waves() == 2
    [later] = [r for r in wire.sent if r.wave == 2]
    # The portal names SSPR's pilot group; its members can be asked only then. Nobody else waits:
    # role holders come expanded with the assignments, break-glass accounts are read up front.
    assert later.reads == [f"/groups/{_pilot_group(sim)}/transitiveMembers?%24select=id&%24top=999"]
    assert not any("/users/" in u for r in wire.sent for u in r.reads)


async def test_reads_issued_a_few_turns_of_the_loop_apart_share_one_batch() -> None:
    """A plugin that reads from inside ``asyncio.gather`` issues its batch a turn or two after one that
    calls directly: the shared reads wait for the loop to settle, so both go in one ``$batch``."""
    import asyncio

    from scorekeeper.engine.auth import StaticTokenCredential
    from scorekeeper.graph.client import build_graph_client
    from scorekeeper.graph.shared import QUIET_TURNS, SharedReads

    sim = Simulator.from_profiles("weak-cloud")
    client = build_graph_client(
        StaticTokenCredential(sim.issue_token(sim.tenant_id)),
        "http://127.0.0.1",
        transport=httpx.ASGITransport(app=sim.app),
    )
    reads = SharedReads()

    async def after(turns: int, request: Any) -> Any:
        for _ in range(turns):
            await asyncio.sleep(0)
        return await reads.batch(client, {"r": request})

    g = client
    sim.request_log.clear()
    answers = await asyncio.gather(
        after(0, g.organization.to_get_request_information()),
        after(2, g.domains.to_get_request_information()),  # a turn with nothing new between
        after(4, g.subscribed_skus.to_get_request_information()),
    )
    assert all(a["r"].ok for a in answers)
    sent = [r for r in sim.request_log if not r.batched]
    assert [r.path for r in sent] == ["/v1.0/$batch"], [r.path for r in sent]
    assert reads.sent == 3

    sim.request_log.clear()  # a read that comes after quiet turns goes in a batch of its own
    late = await asyncio.gather(
        after(0, g.policies.authorization_policy.to_get_request_information()),
        after(QUIET_TURNS + 4, g.groups.to_get_request_information()),
    )
    assert all(a["r"].ok for a in late)
    assert [r.path for r in sim.request_log if not r.batched] == ["/v1.0/$batch", "/v1.0/$batch"]
    assert reads.sent == 5

"""Round trips of one assessment: the plugin's batched reads beside a one-request-per-read baseline.

Every HTTP exchange with the simulator is delayed by ``--latency`` seconds (a fault rule with no
path: the network), so wall time divided by that latency is the number of round trips a person
waits for. The assessment runs through the real engine, plugin and msgraph-sdk pipeline; the
baseline replays exactly the reads that assessment made, one HTTP request each, in sequence, as a
tool without ``$batch`` or concurrency would. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/assess_round_trips.py [--latency 0.1] [--control SelfServicePasswordReset]
        [--profile weak-cloud] [--repeat 3] [--in-process]

``--control all`` assesses every installed control at once, as ``scorekeeper assess`` does: the
engine's shared reads send each distinct read once per tenant, so the figure to watch is still
about one round trip per tenant. What the first round trip cannot carry is read after it: on the
``weak-cloud`` profile, SSPR's portal policy names a pilot group whose members are known only
once the portal has answered. ``--name-groups`` configures that group by id
(``enablement = "selected"``), as an MSP that pilots SSPR on a group would, and SSPR reads its
members up front. The listing of HTTP requests gives each one's start and end (ms after the
assessment began), so a second wave shows as a later start.

By default everything goes through a socket: ``scorekeeper simulator serve --latency`` in its own
process, the engine's real httpx clients over TCP (what a user waits for, TLS set-up included);
``--in-process`` measures over the ASGI transport instead, which skips the sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine


def control_ids(control: str) -> list[str] | None:
    """The engine's control filter: ``None`` (every installed control) for ``all``."""
    return None if control == "all" else [control]


async def batched(sim: Simulator, control: str) -> tuple[float, list[Any]]:
    """Wall time of one engine assessment, and the requests it made (top level and batched)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore.open(str(Path(tmp) / "history.db"))
        try:
            engine = make_engine({"bench": sim}, store, Path(tmp))
            await engine.assess(["bench"], control_ids(control))  # warm-up: imports, token, first connection
            sim.request_log.clear()
            started = time.perf_counter()
            [run] = await engine.assess(["bench"], control_ids(control))
            elapsed = time.perf_counter() - started
        finally:
            store.close()
    if run.status != "completed" or any(c.error for c in run.controls):
        raise SystemExit(f"the assessment did not complete: {[c.error for c in run.controls]}")
    return elapsed, list(sim.request_log)


async def sequential(sim: Simulator, reads: list[Any]) -> float:
    """Wall time of the same reads sent one after another, one HTTP request each."""
    graph = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id)}"}
    portal = {"Authorization": f"Bearer {sim.issue_delegated_token(sim.tenant_id)}"}
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        started = time.perf_counter()
        for read in reads:
            query = f"?{urlencode(read.query)}" if read.query else ""
            headers = portal if read.path.startswith("/api/") else graph
            answer = await client.get(read.path + query, headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"baseline read {read.path} answered {answer.status_code}")
        return time.perf_counter() - started


async def one_round_trip(sim: Simulator) -> float:
    token = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id)}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        started = time.perf_counter()
        await client.get("/v1.0/organization", headers=token)
        return time.perf_counter() - started


async def over_socket(args: argparse.Namespace) -> None:
    """The same figures through real HTTP: ``simulator serve --latency`` in its own process, httpx over TCP."""
    import json
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fleet import start_server

    from scorekeeper.config.model import load_config
    from scorekeeper.engine import Engine
    from scorekeeper.graph.transport import AiohttpTransport
    from scorekeeper.plugin.manager import load_plugins

    # The engine's requests leave through its own aiohttp transport (scorekeeper.graph.transport),
    # not httpx's: log there, so the baseline's plain httpx client below is not counted as the engine's.
    wire: list[tuple[str, str, list[str]]] = []  # method, path, reads inside a $batch
    spans: list[tuple[float, float]] = []  # each request's start and end, seconds after `t0[0]`
    t0 = [0.0]
    original = AiohttpTransport.handle_async_request

    async def logged(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
        inner = []
        if request.url.path.endswith("/$batch"):
            inner = [r["url"] for r in json.loads(request.content)["requests"]]
        wire.append((request.method, request.url.path, inner))
        start = time.perf_counter() - t0[0]
        spans.append((start, start))
        index = len(spans) - 1
        try:
            return await original(self, request)
        finally:
            spans[index] = (start, time.perf_counter() - t0[0])

    original_exchange = AiohttpTransport.exchange  # the lean request path's (graph/lean.py)

    async def logged_exchange(
        self: AiohttpTransport, method: str, url: Any, headers: Any, body: Any, timeout: Any
    ) -> Any:
        inner = [r["url"] for r in json.loads(body)["requests"]] if url.path.endswith("/$batch") else []
        wire.append((method, url.path, inner))
        start = time.perf_counter() - t0[0]
        spans.append((start, start))
        index = len(spans) - 1
        try:
            return await original_exchange(self, method, url, headers, body, timeout)
        finally:
            spans[index] = (start, time.perf_counter() - t0[0])

    AiohttpTransport.handle_async_request = logged  # type: ignore[method-assign]
    AiohttpTransport.exchange = logged_exchange  # type: ignore[method-assign]
    server, snippet, port = start_server(1, args.latency * 1000, args.profile)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["SCOREKEEPER_DATA_DIR"] = tmp
            if args.name_groups:
                snippet += pilot_group_config(args.profile)
            (Path(tmp) / "c.toml").write_text(snippet)
            config = load_config(Path(tmp) / "c.toml", data_dir=Path(tmp))
            store = HistoryStore.open(str(Path(tmp) / "history.db"))
            engine = Engine(config, load_plugins(), store, Path(tmp))
            await engine.assess(["sim-0001"], control_ids(args.control))  # warm-up
            times = []
            for _ in range(args.repeat):
                wire.clear()
                spans.clear()
                started = t0[0] = time.perf_counter()
                await engine.assess(["sim-0001"], control_ids(args.control))
                times.append(time.perf_counter() - started)
            store.close()
            tenant = config.tenant("sim-0001")
            base = f"http://127.0.0.1:{port}"
            reads = [("/api/" + p.split("/api/", 1)[1] if "/api/" in p else p) for m, p, inner in wire if not inner]
            # An inner URL is relative to its batch's version root (/v1.0/$batch or /beta/$batch).
            reads += [p.removesuffix("$batch").rstrip("/") + url for _, p, inner in wire for url in inner]
            async with httpx.AsyncClient(base_url=base) as client:
                graph = {"Authorization": f"Bearer {tenant.token}"}
                portal = {"Authorization": f"Bearer {tenant.portal_token}"}
                rtt = []
                for _ in range(3):
                    began = time.perf_counter()
                    await client.get("/v1.0/organization", headers=graph)
                    rtt.append(time.perf_counter() - began)
                began = time.perf_counter()
                for path in reads:
                    answer = await client.get(path, headers=portal if path.startswith("/api/") else graph)
                    # A 4xx is the tenant's answer too (say, a P2 read on a tenant without P2); a 5xx is not.
                    if answer.status_code >= 500:
                        raise SystemExit(f"baseline read {path} answered {answer.status_code}")
                sequential_time = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()
    r, b = statistics.median(rtt), statistics.median(times)
    print(f"through a socket (simulator serve on loopback, {args.latency * 1000:.0f} ms latency):")
    print(f"  one round trip (GET /organization):   {r * 1000:7.1f} ms")
    batched = f"{len(wire):3d} HTTP requests carrying {len(reads)} reads, {b * 1000:7.1f} ms"
    print(f"  batched (scorekeeper):  {batched} = {b / r:4.2f} round trips")
    seq = sequential_time
    print(f"  sequential baseline:    {len(reads):3d} HTTP requests, {seq * 1000:7.1f} ms = {seq / r:4.2f} round trips")
    print(f"  round trips on the wire (waves of requests, each after an answer): {waves(spans)}")
    for (method, path, inner), (start, end) in zip(wire, spans, strict=True):
        carried = f" ({len(inner)} reads)" if inner else ""
        print(f"    {start * 1000:5.0f}-{end * 1000:4.0f} ms  {method} {path}{carried}")


def waves(spans: list[tuple[float, float]]) -> int:
    """How many requests a tenant waited for one after another: a request sent after another's answer
    arrived is one wave later than it (the longest such chain is the round trips a person waits for)."""
    depth: list[int] = []
    for start, _ in spans:
        depth.append(1 + max((d for d, (_, end) in zip(depth, spans, strict=False) if end <= start), default=0))
    return max(depth, default=0)


def pilot_group_config(profile: str) -> str:
    """``[controls.SelfServicePasswordReset]`` naming, by id, the group the profile's SSPR policy targets."""
    sim = Simulator.from_profiles(profile)
    policy = sim.tenant(sim.tenant_id).state["portal"]["passwordResetPolicies"]
    groups = policy.get("passwordResetEnabledGroupIds") or []
    if policy.get("enablementType") != 1 or not groups:
        return ""
    return f'\n[controls.SelfServicePasswordReset]\nenablement = "selected"\nenablement_group = "{groups[0]}"\n'


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every HTTP exchange")
    parser.add_argument("--control", default="SelfServicePasswordReset", help="a control id, or 'all'")
    parser.add_argument("--profile", default="weak-cloud")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-process", action="store_true", help="the in-process simulator (no socket) only")
    parser.add_argument("--name-groups", action="store_true", help="configure SSPR's pilot group by id (read up front)")
    args = parser.parse_args()
    if not args.in_process:
        await over_socket(args)
        return

    sim = Simulator.from_profiles(args.profile)
    sim.faults.add(latency=args.latency)
    rtt = statistics.median([await one_round_trip(sim) for _ in range(3)])

    batched_times, sequential_times = [], []
    requests: list[Any] = []
    for _ in range(args.repeat):
        elapsed, requests = await batched(sim, args.control)
        batched_times.append(elapsed)
    top_level = [r for r in requests if not r.batched]
    reads = [r for r in requests if r.method == "GET"]
    for _ in range(args.repeat):
        sequential_times.append(await sequential(sim, reads))

    b, s = statistics.median(batched_times), statistics.median(sequential_times)
    print(f"assessment of {args.control} on simulated profile {args.profile}, {args.latency * 1000:.0f} ms latency")
    print(f"  one round trip (GET /organization):   {rtt * 1000:7.1f} ms")
    print(
        f"  batched (scorekeeper):  {len(top_level):3d} HTTP requests carrying {len(reads)} reads, "
        f"{b * 1000:7.1f} ms = {b / rtt:4.2f} round trips"
    )
    print(f"  sequential baseline:    {len(reads):3d} HTTP requests, {s * 1000:7.1f} ms = {s / rtt:4.2f} round trips")
    print(f"  speed-up: {s / b:.1f}x (target: batched <= 2 round trips)")
    for r in top_level:
        print(f"    {r.method} {r.path} -> {r.status}")


if __name__ == "__main__":
    asyncio.run(main())

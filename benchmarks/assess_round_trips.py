"""Round trips of one assessment: the plugin's batched reads beside a one-request-per-read baseline.

Every HTTP exchange with the simulator is delayed by ``--latency`` seconds (a fault rule with no
path: the network), so wall time divided by that latency is the number of round trips a person
waits for. The assessment runs through the real engine, plugin and msgraph-sdk pipeline; the
baseline replays exactly the reads that assessment made, one HTTP request each, in sequence, as a
tool without ``$batch`` or concurrency would. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/assess_round_trips.py [--latency 0.1] [--control SelfServicePasswordReset]
        [--profile weak-cloud] [--repeat 3]
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


async def batched(sim: Simulator, control: str) -> tuple[float, list[Any]]:
    """Wall time of one engine assessment, and the requests it made (top level and batched)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore.open(str(Path(tmp) / "history.db"))
        try:
            engine = make_engine({"bench": sim}, store, Path(tmp))
            await engine.assess(["bench"], [control])  # warm-up: imports, token, first connection
            sim.request_log.clear()
            started = time.perf_counter()
            [run] = await engine.assess(["bench"], [control])
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every HTTP exchange")
    parser.add_argument("--control", default="SelfServicePasswordReset")
    parser.add_argument("--profile", default="weak-cloud")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

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

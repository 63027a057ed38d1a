"""The shipped plugins' own CPU per tenant: one recorded tenant assessed many times in-process.

A fleet assessment spends part of each tenant in the plugins themselves: building their read
requests, judging the answers into findings. This benchmark isolates that part. It records one
simulated tenant's answers once (every ``$batch`` item by its read key, every portal GET by its
path), then calls each control's ``assess`` hook ``--tenants`` times against a replay of them, in
one event loop, with no network and no history store.

The replay does what the engine's shared reads do with a plugin's requests (``batch_entries``:
request → version, relative URL, headers), so a request form that is cheaper for the engine to
read counts too; it hands each answer back as a fresh copy (a decoded JSON body, as the network
would). Printed per tenant: the whole hook, the part spent turning requests into ``$batch`` entries
(engine code a plugin's request form decides), the replay's own copying (not the plugin's), and
what is left: the plugin's own CPU. The findings' digest must not change between two versions of
the plugins that claim identical findings.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python plugins/benchmarks/assess_replay.py [--tenants 2000] [--repeat 5]
        [--controls SelfServicePasswordReset PWAgePolicyNew | --all-controls] [--profile weak-cloud]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

from scorekeeper.graph.batch import BatchItem, batch_entries, send_entries
from scorekeeper.graph.shared import Key, read_key
from scorekeeper.plugin.context import TenantContext
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.testing import simulated_tenant, simulator_for

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


class Recorder:
    """Stands in for the engine's shared reads while recording: sends for real, keeps each answer."""

    def __init__(self) -> None:
        self.answers: dict[Key, tuple[int, dict[str, str], str]] = {}

    async def batch(self, client: Any, requests: Mapping[str, Any]) -> dict[str, BatchItem]:
        entries = batch_entries(client, requests)
        items = await send_entries(client, entries)
        for request_id, (version, entry) in entries.items():
            item = items[request_id]
            self.answers[read_key(version, entry)] = (item.status, dict(item.headers), json.dumps(item.body))
        return items


class RecordingPortal:
    """The real portal client, its GET answers kept by path."""

    def __init__(self, portal: Any) -> None:
        self._portal = portal
        self.answers: dict[str, str] = {}

    async def get(self, path: str) -> Any:
        answer = await self._portal.get(path)
        self.answers[path] = json.dumps(answer)
        return answer


class Replay:
    """The recorded answers, looked up the way the engine's shared reads key them; timed apart."""

    def __init__(self, answers: Mapping[Key, tuple[int, dict[str, str], str]]) -> None:
        self.answers = answers
        self.entries_s = 0.0  # requests → $batch entries and read keys (engine code)
        self.copy_s = 0.0  # fresh copies of the answers (the replay's own cost)

    async def batch(self, client: Any, requests: Mapping[str, Any]) -> dict[str, BatchItem]:
        start = time.process_time()
        keys = {rid: read_key(version, entry) for rid, (version, entry) in batch_entries(client, requests).items()}
        middle = time.process_time()
        items = {}
        for rid, key in keys.items():
            status, headers, body = self.answers[key]
            items[rid] = BatchItem(rid, status, dict(headers), json.loads(body))
        self.entries_s += middle - start
        self.copy_s += time.process_time() - middle
        return items


class ReplayPortal:
    def __init__(self, answers: Mapping[str, str], replay: Replay) -> None:
        self.answers, self.replay = answers, replay

    async def get(self, path: str) -> Any:
        start = time.process_time()
        value = json.loads(self.answers[path])
        self.replay.copy_s += time.process_time() - start
        return value


def digest(findings: list[Any]) -> str:
    """What must not change: every finding's judgement, words and values."""
    text = repr(
        [
            (f.setting, f.status.value, f.reason, f.current, f.desired, f.remediation, f.missing_permissions)
            for f in findings
        ]
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


async def record(sim: Any, control: Any, controller: Any) -> tuple[Recorder, RecordingPortal, Any, list[Any]]:
    tenant = simulated_tenant(sim, control)
    recorder, portal = Recorder(), RecordingPortal(tenant.portal)
    tenant._shared_reads = recorder
    tenant.portal = portal  # type: ignore[assignment]
    paged: list[str] = []
    real_request = tenant.graph_request

    async def graph_request(method: str, path: str, body: Any = None, *, version: str = "v1.0") -> Any:
        paged.append(path)
        return await real_request(method, path, body, version=version)

    tenant.graph_request = graph_request  # type: ignore[method-assign]
    assessment = await controller.assess(tenant)
    if paged:
        raise SystemExit(f"{control.id}: the recorded tenant pages ({paged}); choose a profile that does not")
    return recorder, portal, tenant, list(assessment.findings)


async def replay(control: Any, controller: Any, rec: Recorder, portal: RecordingPortal, base: Any, n: int) -> Any:
    graph = base.graph
    replayed = Replay(rec.answers)
    replay_portal = ReplayPortal(portal.answers, replayed)
    last: list[Any] = []
    start = time.process_time()
    for _ in range(n):
        tenant = TenantContext(
            name=base.name,
            tenant_id=base.tenant_id,
            control=control.id,
            desired=base.desired,
            graph_factory=lambda: graph,
            portal=replay_portal,  # type: ignore[arg-type]
            portal_unavailable="",
            declaration=control,
        )
        tenant._shared_reads = replayed
        last = list((await controller.assess(tenant)).findings)
    total = time.process_time() - start
    return total, replayed.entries_s, replayed.copy_s, last


async def main(args: argparse.Namespace) -> None:
    plugins = load_plugins()
    ids = sorted(c.id for c in plugins.controls.values()) if args.all_controls else args.controls
    sim = simulator_for(args.profile)
    print(f"{args.tenants} replays of one {args.profile} tenant, {args.repeat} rounds; ms CPU per tenant")
    sums: list[list[float]] = []
    for control_id in ids:
        control = plugins.control(control_id)
        controller = plugins.controller(control)
        start = time.process_time()
        rec, portal, base, findings = await record(sim, control, controller)
        first = time.process_time() - start
        rounds = []
        for _ in range(args.repeat):
            total, entries, copy, last = await replay(control, controller, rec, portal, base, args.tenants)
            if digest(last) != digest(findings):
                raise SystemExit(f"{control_id}: replayed findings differ from the recorded run's")
            rounds.append((total, entries, copy))
        per = [
            ((t - e - c) / args.tenants * 1000, e / args.tenants * 1000, t / args.tenants * 1000) for t, e, c in rounds
        ]
        own = sorted(p[0] for p in per)
        sums.append([p[0] for p in per])
        print(
            f"  {control_id:28s} plugin {own[0]:.3f} / {statistics.median(own):.3f} (min / median)"
            f"   + $batch entries {statistics.median(p[1] for p in per):.3f}"
            f"   whole hook {statistics.median(p[2] for p in per):.3f}"
            f"   first call {first * 1000:.1f} (with imports and the real reads)"
            f"   {len(findings)} findings, digest {digest(findings)}"
        )
    together = sorted(sum(r) for r in zip(*sums, strict=True))
    print(f"  {'together':28s} plugin {together[0]:.3f} / {statistics.median(together):.3f} (min / median)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=2000, help="replays per round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (min and median reported)")
    parser.add_argument("--controls", nargs="+", default=CONTROLS)
    parser.add_argument("--all-controls", action="store_true", help="every installed control")
    parser.add_argument("--profile", default="weak-cloud", help="the simulator profile of the recorded tenant")
    asyncio.run(main(parser.parse_args()))

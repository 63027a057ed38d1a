"""The distributed engine: jobs in PostgreSQL, two workers, one tenant at a time, throttling re-queued."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

from scorekeeper.fleet import tasks
from scorekeeper.fleet.app import open_app
from scorekeeper.fleet.enqueue import enqueue
from scorekeeper.fleet.status import fleet_status
from scorekeeper.fleet.worker import run_worker
from scorekeeper.testing import make_engine, simulator_for

from .conftest import assert_never_twice_at_once

CONTROL = "PWAgePolicyNew"


async def _two_workers_until(url: str, store: Any, done: asyncio.Event, *, concurrency: int = 4) -> None:
    """Two procrastinate workers (each its own connection pool) until ``done`` is set."""
    async with open_app(url) as first, open_app(url) as second:
        workers = [
            asyncio.create_task(
                run_worker(
                    app,
                    store,
                    concurrency=concurrency,
                    name=name,
                    install_signal_handlers=False,
                    heartbeat_seconds=0.5,
                    # generous: a loaded CI machine can block the loop for seconds, and a live worker
                    # judged dead would have its job run twice
                    stalled_seconds=30.0,
                )
            )
            for app, name in ((first, "w1"), (second, "w2"))
        ]
        try:
            await asyncio.wait_for(done.wait(), 120)
        finally:
            for worker in workers:
                worker.cancel()
            for worker in workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await worker


def _runtime(engine: Any, expected: Counter[str], done: asyncio.Event, max_wait: float = 5.0) -> tasks.Runtime:
    """Sets ``done`` once every tenant has as many finished runs as ``expected`` says."""
    seen: Counter[str] = Counter()

    def on_run(tenant: str, run_id: int) -> None:
        seen[tenant] += 1
        if all(seen[t] >= n for t, n in expected.items()):
            done.set()

    return tasks.Runtime(engine=lambda: engine, max_wait=max_wait, on_run=on_run)


async def test_two_workers_assess_fifty_tenants_exactly_once(fleet_url: str, fleet_store: Any, tmp_path: Path) -> None:
    names = [f"t{n:02d}" for n in range(50)]
    engine = make_engine({name: simulator_for("weak-cloud") for name in names}, fleet_store, tmp_path)
    done = asyncio.Event()
    tasks.install(_runtime(engine, Counter(names), done))
    async with open_app(fleet_url) as app:
        queued = await enqueue(app, names, [CONTROL])
        assert [q.tenant for q in queued] == names and all(q.job_id for q in queued)
        assert (await fleet_status(app)).waiting == 50

    await _two_workers_until(fleet_url, fleet_store, done)

    runs = fleet_store.runs(limit=1000)
    assert Counter(r.tenant for r in runs if r.status == "completed") == Counter(names)
    assert len(runs) == 50
    assert_never_twice_at_once(fleet_store)
    async with open_app(fleet_url) as app:
        status = await fleet_status(app)
    assert (status.waiting, status.running, status.succeeded, status.failed) == (0, 0, 50, 0)


async def test_one_tenant_never_runs_twice_at_once(fleet_url: str, fleet_store: Any, tmp_path: Path) -> None:
    """Three jobs each for four tenants, eight slots: the tenant lock runs each tenant's jobs one by one."""
    names = ["a", "b", "c", "d"]
    engine = make_engine({name: simulator_for("weak-cloud") for name in names}, fleet_store, tmp_path)
    done = asyncio.Event()
    tasks.install(_runtime(engine, Counter({n: 3 for n in names}), done))
    async with open_app(fleet_url) as app:
        for _ in range(3):
            await enqueue(app, names, [CONTROL])

    await _two_workers_until(fleet_url, fleet_store, done, concurrency=4)

    assert Counter(r.tenant for r in fleet_store.runs(limit=100) if r.status == "completed") == Counter(
        {n: 3 for n in names}
    )
    assert_never_twice_at_once(fleet_store)


async def test_the_scheduler_queueing_lock_keeps_one_job_waiting(fleet_url: str) -> None:
    async with open_app(fleet_url) as app:
        first = await enqueue(app, ["a", "b"], [CONTROL], scheduled=True, dedupe=True)
        again = await enqueue(app, ["a", "b"], [CONTROL], scheduled=True, dedupe=True)
        other = await enqueue(app, ["a"], ["SelfServicePasswordReset"], scheduled=True, dedupe=True)
        status = await fleet_status(app)
    assert all(q.job_id for q in first) and all(q.waiting and q.job_id is None for q in again)
    assert other[0].job_id  # another control is another job
    assert status.waiting == 3 and status.oldest_waiting and status.oldest_waiting["tenant"] == "a"


async def test_a_throttled_tenant_is_requeued_after_retry_after_and_frees_the_worker(
    fleet_url: str, fleet_store: Any, tmp_path: Path
) -> None:
    """A 429 with Retry-After longer than a job may sleep ends the job; it runs again after that."""
    names = ["slow", "other1", "other2"]
    sims = {name: simulator_for("weak-cloud") for name in names}
    sims["slow"].faults.add(status=429, retry_after=1, path="/v1.0/domains*", times=1)
    engine = make_engine(sims, fleet_store, tmp_path)
    done = asyncio.Event()
    tasks.install(_runtime(engine, Counter({"slow": 1, "other1": 1, "other2": 1}), done, max_wait=0.1))
    async with open_app(fleet_url) as app:
        await enqueue(app, names, [CONTROL])

    await _two_workers_until(fleet_url, fleet_store, done, concurrency=1)

    slow = sorted(fleet_store.runs("slow"), key=lambda r: r.id)
    assert [r.status for r in slow] == ["interrupted", "completed"]
    assert "Retry-After 1 s" in slow[0].error
    assert (slow[1].started_at - slow[0].finished_at).total_seconds() >= 0.9  # not before Retry-After
    others = [r for n in ("other1", "other2") for r in fleet_store.runs(n)]
    assert all(r.status == "completed" for r in others) and len(others) == 2
    assert_never_twice_at_once(fleet_store)


async def test_a_remediation_job_waits_for_the_tenants_writer_lease(
    fleet_url: str, fleet_store: Any, tmp_path: Path
) -> None:
    """The queue's lock and the writer lease agree: an admin writing by hand makes the job come back later."""
    from scorekeeper.safety.lease import writer_lease
    from scorekeeper.store import HistoryStore

    engine = make_engine({"a": simulator_for("weak-cloud")}, fleet_store, tmp_path)
    tasks.install(tasks.Runtime(engine=lambda: engine))
    admin = HistoryStore.open(fleet_url)  # another writer's connection to the same history
    with writer_lease(admin, "a", "remediate by hand", key=engine.lease_key("a")):  # keyed as every writer is
        async with open_app(fleet_url) as app:
            await enqueue(app, ["a"], [CONTROL], kind="remediate")
            await run_worker(app, fleet_store, wait=False, install_signal_handlers=False, stalled_seconds=30)
            status = await fleet_status(app)
    admin.close()
    assert (status.waiting, status.scheduled_later, status.failed) == (0, 1, 0)  # retried later, not failed
    assert fleet_store.runs("a") == []  # nothing was assessed, planned or written under someone else's lease

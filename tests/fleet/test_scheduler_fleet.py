"""The scheduler in fleet mode: fires enqueue (one waiting job per schedule), workers run them."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from scorekeeper.fleet import tasks
from scorekeeper.fleet.app import open_app
from scorekeeper.fleet.schedule import QueueingRunner
from scorekeeper.fleet.status import fleet_status
from scorekeeper.scheduler.daemon import Daemon, DaemonOptions
from scorekeeper.scheduler.runner import FireOutcome, Runner
from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.testing import make_engine, simulator_for

from .test_queue import _runtime, _two_workers_until


async def _nothing(event: dict[str, Any]) -> None:
    return None


async def test_fires_are_queued_once_while_waiting_and_run_by_a_worker(
    fleet_url: str, fleet_store: Any, tmp_path: Path
) -> None:
    engine = make_engine({"slow": simulator_for("weak-cloud")}, fleet_store, tmp_path)
    schedules = ScheduleStore(fleet_store)
    schedule = schedules.add("slow", control="PWAgePolicyNew", interval_seconds=0.2)
    daemon = Daemon(
        QueueingRunner(fleet_url, engine, schedules, _nothing),
        schedules,
        DaemonOptions(reload_seconds=0.05, grace_seconds=5, misfire_grace_seconds=300),
    )
    outcomes: list[FireOutcome] = []
    enough = asyncio.Event()

    def done(outcome: FireOutcome) -> None:
        outcomes.append(outcome)
        if len(outcomes) >= 3:
            enough.set()

    daemon.on_fire_done = done
    stop = asyncio.Event()
    running = asyncio.create_task(daemon.run(stop))
    await asyncio.wait_for(enough.wait(), 30)
    stop.set()
    await running

    # no worker yet: the first fire queued a job, the later ones found it still waiting
    assert outcomes[0].status == "queued" and all(o.status == "skipped" for o in outcomes[1:3])
    async with open_app(fleet_url) as app:
        assert (await fleet_status(app)).waiting == 1

    ran = asyncio.Event()
    runtime = _runtime(engine, Counter({"slow": 1}), ran)
    runtime.runner = lambda: Runner(engine, schedules, _nothing)
    tasks.install(runtime)
    await _two_workers_until(fleet_url, fleet_store, ran)

    [run] = fleet_store.runs("slow")
    assert run.status == "completed" and run.scheduled
    assert schedules.get(schedule.id).last_run_id == run.id  # recorded on the schedule, as in-process

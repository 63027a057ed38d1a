"""The daemon in-process over the toy plugin: fires, restarts, overlap, pause, shutdown, remediation."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

from scorekeeper.domain.model import Outcome
from tests.core import toy_plugins


async def test_jobs_fire_and_are_recorded_as_scheduled_runs(harness) -> None:
    engine = harness.engine()
    schedule = harness.schedules.add("t1", interval_seconds=0.1)

    outcomes, report = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 2)

    assert [o.status for o in outcomes[:2]] == ["completed", "completed"]
    runs = harness.store.runs("t1")
    assert len(runs) >= 2
    assert all(r.scheduled and r.kind == "assess" and r.status == "completed" for r in runs)
    stored = harness.schedules.get(schedule.id)
    assert stored.last_run_id == runs[0].id and stored.last_status == "completed"
    assert stored.next_run_at is not None
    assert report.interrupted == 0


async def test_schedules_survive_a_restart(harness, sk_store, tmp_path) -> None:
    from scorekeeper.scheduler.store import ScheduleStore
    from scorekeeper.store import HistoryStore

    schedule = harness.schedules.add("t1", interval_seconds=0.1)
    first, _ = await harness.run_until(harness.daemon(harness.engine()), lambda o: len(o) >= 1)

    # A new process: a fresh connection to the same file, a new engine and daemon.
    with HistoryStore.open(sk_store.url) as reopened:
        harness.store, harness.schedules = reopened, ScheduleStore(reopened)
        assert [s.id for s in harness.schedules.list()] == [schedule.id]
        second, _ = await harness.run_until(harness.daemon(harness.engine()), lambda o: len(o) >= 1)
        assert second[0].run_id > first[0].run_id
        # the daemon may fire once more while it stops; the schedule points at its newest run
        assert harness.schedules.get(schedule.id).last_run_id == max(r.id for r in reopened.runs("t1"))
        assert all(r.scheduled for r in reopened.runs("t1"))


async def test_a_run_missed_while_stopped_runs_once_within_the_misfire_grace(harness) -> None:
    engine = harness.engine()
    long_ago = datetime.now(UTC) - timedelta(seconds=90)
    harness.schedules.add("t1", interval_seconds=60, now=long_ago)  # was due 30 s ago

    outcomes, _ = await harness.run_until(harness.daemon(engine, misfire_grace_seconds=300), lambda o: len(o) >= 1)

    assert outcomes[0].status == "completed"


async def test_a_run_missed_beyond_the_misfire_grace_is_skipped(harness) -> None:
    engine = harness.engine()
    long_ago = datetime.now(UTC) - timedelta(seconds=90)
    late = harness.schedules.add("t1", interval_seconds=60, now=long_ago)  # due 30 s ago: too late
    harness.schedules.add("t2", interval_seconds=0.2)  # a witness that the daemon did run jobs meanwhile
    engine = harness.engine(tenants=("t1", "t2"))

    outcomes, _ = await harness.run_until(harness.daemon(engine, misfire_grace_seconds=5), lambda o: len(o) >= 2)

    assert {o.tenant for o in outcomes} == {"t2"}
    assert harness.store.runs("t1") == []
    assert harness.schedules.get(late.id).next_run_at > datetime.now(UTC)


async def test_two_jobs_of_one_tenant_never_overlap_but_tenants_run_in_parallel(harness) -> None:
    harness.toy.delay = 0.15
    engine = harness.engine(tenants=("t1", "t2"))
    for tenant in ("t1", "t1", "t2", "t2"):
        harness.schedules.add(tenant, interval_seconds=0.05)

    await harness.run_until(
        harness.daemon(engine), lambda o: sum(x.tenant == "t1" for x in o) >= 4 and any(x.tenant == "t2" for x in o)
    )

    assert harness.toy.max_per_tenant["t1"] == 1
    assert harness.toy.max_per_tenant["t2"] == 1
    assert harness.toy.max_overall == 2  # the lock is per tenant, not global
    t1_runs = sorted(harness.store.runs("t1"), key=lambda r: r.id)
    for earlier, later in itertools.pairwise(t1_runs):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at


async def test_pause_and_resume_reach_a_running_daemon(harness) -> None:
    engine = harness.engine()
    schedule = harness.schedules.add("t1", interval_seconds=0.05)
    daemon = harness.daemon(engine)
    fired = asyncio.Event()
    count = 0

    def on_done(_outcome: object) -> None:
        nonlocal count
        count += 1
        fired.set()

    daemon.on_fire_done = on_done
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    await asyncio.wait_for(fired.wait(), 10)

    harness.schedules.set_paused(schedule.id, True)
    daemon.sync()  # what the reload loop does every reload_seconds
    paused_at = count
    assert daemon._scheduler.get_job(str(schedule.id)) is None
    harness.schedules.set_paused(schedule.id, False)
    fired.clear()
    await asyncio.wait_for(fired.wait(), 10)  # resumed by the reload loop, without our help

    stop.set()
    await task
    assert count > paused_at


async def test_shutdown_lets_a_running_assessment_finish_within_the_grace(harness) -> None:
    harness.toy.delay = 0.3
    engine = harness.engine()
    harness.schedules.add("t1", interval_seconds=0.05)
    daemon = harness.daemon(engine, grace_seconds=30)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    await asyncio.wait_for(harness.toy.started.wait(), 10)  # the assessment is in flight

    stop.set()
    report = await task

    assert (report.finished, report.interrupted) == (1, 0)
    [run] = harness.store.runs("t1")
    assert run.status == "completed" and run.scheduled


async def test_shutdown_past_the_grace_records_the_run_as_interrupted(harness) -> None:
    harness.toy.delay = 30
    engine = harness.engine()
    schedule = harness.schedules.add("t1", interval_seconds=0.05)
    daemon = harness.daemon(engine, grace_seconds=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    await asyncio.wait_for(harness.toy.started.wait(), 10)

    stop.set()
    report = await asyncio.wait_for(task, 10)

    assert (report.finished, report.interrupted) == (0, 1)
    [run] = harness.store.runs("t1")
    assert run.status == "interrupted" and run.scheduled
    assert harness.schedules.get(schedule.id).last_status == "interrupted"


async def test_unattended_remediation_needs_the_flag_and_auto_remediate(harness) -> None:
    # the flag without auto_remediate: assessed only, nothing written
    engine = harness.engine()
    harness.schedules.add("t1", interval_seconds=0.05, remediate=True)
    await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 1)
    assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}
    assert harness.store.runs("t1", kind="remediate") == []


async def test_unattended_remediation_obeys_exceptions_and_is_recorded(harness) -> None:
    engine = harness.engine(
        controls={"ToyControl": {"auto_remediate": True}},
        exceptions=[{"control": "ToyControl", "setting": "size", "reason": "legacy kit", "expires": "2999-01-01"}],
    )
    harness.schedules.add("t1", interval_seconds=0.05, remediate=True)
    outcomes, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 1)

    assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 1}  # size is an accepted risk
    outcome = outcomes[0]
    [remediation] = harness.store.runs("t1", kind="remediate")
    assert remediation.id == outcome.remediation_run_id
    assert remediation.scheduled and remediation.parent_run_id == outcome.run_id
    changes = harness.store.changes_for_run(remediation.id)
    assert [(c, ch.setting, ch.before, ch.after, ch.outcome) for c, ch in changes] == [
        ("ToyControl", "colour", "red", "green", Outcome.APPLIED)
    ]
    [event] = [e for e in outcome.events if e["kind"] == "remediation"]
    assert "1 change applied" in event["summary"] and f"rollback {remediation.id}" in event["summary"]


async def test_without_the_flag_auto_remediate_alone_writes_nothing(harness) -> None:
    engine = harness.engine(controls={"ToyControl": {"auto_remediate": True}})
    harness.schedules.add("t1", interval_seconds=0.05)
    await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 1)
    assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}


async def test_expired_exception_is_notified_once(harness) -> None:
    engine = harness.engine(
        exceptions=[{"control": "ToyControl", "setting": "colour", "reason": "vendor says so", "expires": "2020-01-31"}]
    )
    engine.today = lambda: date(2025, 6, 1)
    harness.schedules.add("t1", interval_seconds=0.05)
    outcomes, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 3)

    expired = [e for o in outcomes for e in o.events if e["kind"] == "exception_expired"]
    assert len(expired) == 1
    [item] = expired[0]["items"]
    assert item == {
        "control": "ToyControl",
        "setting": "colour",
        "reason": "vendor says so",
        "expires": "2020-01-31",
        "status": "fail",  # no longer excepted: it counts as failing again
    }
    assert "1 of them now count as failing" in expired[0]["summary"]


async def test_an_unreadable_tenant_is_notified_when_it_starts_and_when_it_clears(harness) -> None:
    engine = harness.engine()
    harness.toy.unreadable = True
    harness.schedules.add("t1", interval_seconds=0.05)

    def recovered_after_three(outcomes: list) -> bool:
        if len(outcomes) == 3:
            harness.toy.unreadable = False  # an admin granted the permission
        return len(outcomes) >= 5

    outcomes, _ = await harness.run_until(harness.daemon(engine), recovered_after_three)

    kinds = [e["kind"] for o in outcomes for e in o.events]
    assert kinds.count("run_failed") == 1
    assert kinds.count("run_recovered") == 1
    failed = next(e for o in outcomes for e in o.events if e["kind"] == "run_failed")
    assert "missing permission(s): Toy.Read.All" in failed["summary"]
    assert failed["severity"] == "error"

"""Group commit of a fleet's assessments (issue 30): several runs in one transaction, all or none.

``HistoryStore.record_runs`` records what ``record_run`` records, for several runs at once;
``HistoryWrites.record_in_group`` gathers the assessments finishing in one loop turn into it. What
a crash can lose is the uncommitted group, and those runs must never look completed: they stay
``running`` until ``interrupt_stale_runs`` closes them as ``interrupted``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.store import HistoryStore, StoreError
from scorekeeper.store.loopwrites import HistoryWrites
from scorekeeper.store.results import RunRecord

C = "SelfServicePasswordReset"
ROOT = Path(__file__).resolve().parents[2]


def _result(n: int) -> ControlResult:
    findings = tuple(Finding(C, f"s{s}", Status.PASS if (n + s) % 2 else Status.FAIL, n + s, 1) for s in range(3))
    return ControlResult(C, "SSPR", findings, score=SecureScore(C, float(n), 9.0, datetime(2026, 12, 1, tzinfo=UTC)))


def _seen(store: HistoryStore, run_id: int) -> tuple[Any, ...]:
    """What readers see of a run (status, error, each control's findings and score)."""
    run = store.get_run(run_id)
    assert run is not None
    with store._engine.connect() as connection:
        error = connection.execute(text("SELECT error FROM runs WHERE id = :r"), {"r": run_id}).scalar()
    return (
        run.status,
        error,
        [
            (c.control, c.score.score if c.score else None, [(f.setting, f.status, f.current) for f in c.findings])
            for c in run.controls
        ],
    )


def test_record_runs_stores_what_record_run_stores(store: HistoryStore) -> None:
    alone = [store.start_run(f"a{n}", "assess", controls=[C]) for n in range(3)]
    grouped = [store.start_run(f"g{n}", "assess", controls=[C]) for n in range(3)]
    for n, run_id in enumerate(alone):
        store.record_run(run_id, [_result(n)], detect_drift=True, identity=f"app {n}")
    actors = store.record_runs(
        [
            RunRecord(run_id, [_result(n)], options={"detect_drift": True, "identity": f"app {n}"})
            for n, run_id in enumerate(grouped)
        ]
    )
    assert [a.identity for a in actors] == ["app 0", "app 1", "app 2"]
    for a, g in zip(alone, grouped, strict=True):
        assert _seen(store, a) == _seen(store, g)
        assert _seen(store, g)[0] == "completed"
    cells = {cell.tenant: cell for cell in store.overview()}
    assert set(cells) == {"a0", "a1", "a2", "g0", "g1", "g2"}
    for n in range(3):
        alone_cell, grouped_cell = cells[f"a{n}"], cells[f"g{n}"]
        assert (alone_cell.counts, alone_cell.score, alone_cell.trend) == (
            grouped_cell.counts,
            grouped_cell.score,
            grouped_cell.trend,
        )
        assert grouped_cell.last_run_id == grouped[n]


def test_a_group_is_recorded_whole_or_not_at_all(store: HistoryStore) -> None:
    good = [store.start_run(f"t{n}", "assess", controls=[C]) for n in range(2)]
    with pytest.raises(StoreError, match="no run 999999"):
        store.record_runs(
            [RunRecord(good[0], [_result(0)]), RunRecord(999999, [_result(1)]), RunRecord(good[1], [_result(1)])]
        )
    for run_id in good:
        run = store.get_run(run_id)
        assert run is not None and run.status == "running" and not run.controls, "the failed group wrote nothing"


async def test_the_tenants_finishing_in_one_loop_turn_share_one_commit(store: HistoryStore) -> None:
    writes = HistoryWrites(store.one_writer_at_a_time)
    runs = [store.start_run(f"t{n}", "assess", controls=[C]) for n in range(5)]
    actors = await asyncio.gather(
        *(writes.record_in_group(store, RunRecord(run_id, [_result(n)])) for n, run_id in enumerate(runs))
    )
    assert writes.group_sizes == [5]
    assert all(a.os_user for a in actors)
    assert all(_seen(store, run_id)[0] == "completed" for run_id in runs)
    later = store.start_run("t9", "assess", controls=[C])
    await writes.record_in_group(store, RunRecord(later, [_result(9)]))
    assert writes.group_sizes == [5, 1], "a run finishing alone is committed alone, without waiting for company"


async def test_a_bad_run_fails_alone_and_its_group_is_recorded(store: HistoryStore) -> None:
    writes = HistoryWrites(store.one_writer_at_a_time)
    runs = [store.start_run(f"t{n}", "assess", controls=[C]) for n in range(3)]
    records = [RunRecord(runs[0], [_result(0)]), RunRecord(424242, [_result(1)]), RunRecord(runs[2], [_result(2)])]
    answers = await asyncio.gather(*(writes.record_in_group(store, r) for r in records), return_exceptions=True)
    assert isinstance(answers[1], StoreError) and "no run 424242" in str(answers[1])
    assert not isinstance(answers[0], BaseException) and not isinstance(answers[2], BaseException)
    assert [_seen(store, r)[0] for r in (runs[0], runs[2])] == ["completed", "completed"]
    assert writes.group_sizes == [1, 1], "after the group failed, each was committed alone"


def test_run_starts_and_before_values_commit_before_they_return(store: HistoryStore) -> None:
    """What precedes a tenant write (a run's start, a before-value) is its own transaction, committed on return."""
    from scorekeeper.domain.model import Change, Outcome

    run_id = store.start_run("t", "remediate", controls=[C])
    change_id = store.change_started(run_id, C, Change("s0", 1, 2, Outcome.SKIPPED))
    other = HistoryStore.open(_url(store))  # another connection sees both at once: committed
    try:
        with other._engine.connect() as connection:
            status = connection.execute(text("SELECT status FROM runs WHERE id = :r"), {"r": run_id}).scalar()
            ids = connection.execute(text("SELECT id FROM changes WHERE run_id = :r"), {"r": run_id}).scalars()
            assert status == "running" and list(ids) == [change_id]
    finally:
        other.close()


def _url(store: HistoryStore) -> str:
    return store._engine.url.render_as_string(hide_password=False)


CRASH = textwrap.dedent(
    """
    import asyncio, json, os, sys
    from datetime import UTC, datetime
    from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
    from scorekeeper.store import HistoryStore
    from scorekeeper.store.loopwrites import HistoryWrites
    from scorekeeper.store.results import RunRecord

    C = "SelfServicePasswordReset"
    store = HistoryStore.open(sys.argv[1])
    writes = HistoryWrites(store.one_writer_at_a_time)

    def result(n):
        findings = (Finding(C, "s", Status.FAIL, n, 1),)
        score = SecureScore(C, float(n), 9.0, datetime(2026, 12, 1, tzinfo=UTC))
        return ControlResult(C, "SSPR", findings, score=score)

    async def main():
        runs = [store.start_run(f"t{n}", "assess", controls=[C]) for n in range(4)]
        await writes.record_in_group(store, RunRecord(runs[0], [result(0)]))  # committed before the crash
        print(json.dumps(runs), flush=True)
        real = store._record
        def crash_on_last(core, run_id, *args, **kwargs):
            actor = real(core, run_id, *args, **kwargs)  # written inside the group's transaction...
            if run_id == runs[3]:
                os._exit(9)  # ...and the process dies before the commit
            return actor
        store._record = crash_on_last
        group = [RunRecord(r, [result(n)]) for n, r in enumerate(runs[1:], 1)]
        await asyncio.gather(*(writes.record_in_group(store, record) for record in group))

    asyncio.run(main())
    """
)


def test_a_crash_loses_only_the_uncommitted_group_and_its_runs_end_interrupted(store: HistoryStore) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CRASH, _url(store)], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 9, done.stderr
    runs = json.loads(done.stdout.splitlines()[0])
    assert _seen(store, runs[0])[0] == "completed"
    for run_id in runs[1:]:
        run = store.get_run(run_id)
        assert run is not None and run.status == "running" and not run.controls, "nothing of the lost group was kept"
    with store._engine.connect() as connection:
        rows = connection.execute(
            text("SELECT count(*) FROM control_results WHERE run_id IN (:a, :b, :c)"),
            {"a": runs[1], "b": runs[2], "c": runs[3]},
        ).scalar()
    assert rows == 0
    assert store.interrupt_stale_runs() == 3, "its process is gone: the group's runs are closed"
    for run_id in runs[1:]:
        status, error, _ = _seen(store, run_id)
        assert status == "interrupted" and "before the run finished" in error
    assert _seen(store, runs[0])[0] == "completed"
    assert store.interrupt_stale_runs() == 0


def test_one_writer_serves_several_loops_one_after_another(store: HistoryStore) -> None:
    """A command runs a loop per step (plan, then apply): each loop's records are committed by its own flusher."""
    writes = HistoryWrites(store.one_writer_at_a_time)
    for n in range(3):
        run_id = store.start_run(f"t{n}", "assess", controls=[C])
        actor = asyncio.run(writes.record_in_group(store, RunRecord(run_id, [_result(n)])))
        assert actor.os_user
        assert _seen(store, run_id)[0] == "completed"
    assert writes.group_sizes == [1, 1, 1]

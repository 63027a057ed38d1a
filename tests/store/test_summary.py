"""The overview read from the summaries kept on ``latest_results`` equals the overview computed from history.

The oracle below recomputes every cell from the history tables in plain Python (pointers, the
pointed-at run's findings, every score snapshot of the pair, drift), the way ``overview()`` did
before the summaries existed. It is compared with ``store.overview()`` after each kind of write,
out-of-order and tied snapshot times, the one-result-at-a-time write path, pruning, rebuilding
and migrating down and up, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from alembic import command
from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import alembic_config, create_store_engine
from scorekeeper.store.records import TREND_POINTS, empty_counts

A, B = "SelfServicePasswordReset", "PWAgePolicyNew"
T0 = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


def _utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite read without the store's column types
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def reference_overview(store: HistoryStore) -> list[tuple[Any, ...]]:
    """Every cell as computed from history alone (what the summaries must equal)."""
    engine = create_store_engine(str(store._engine.url.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            q = connection.exec_driver_sql
            runs = {i: (s, f) for i, s, f in q("SELECT id, started_at, finished_at FROM runs")}
            pointers = sorted(q("SELECT tenant, control, run_id FROM latest_results"))
            findings = list(
                q("SELECT f.run_id, b.control, b.status FROM findings f JOIN finding_bodies b ON b.id = f.body_id")
            )
            snapshots = sorted(
                ((t, c, _utc(at), i, s, m) for i, t, c, s, m, at in q(
                    "SELECT id, tenant, control, score, max_score, taken_at FROM score_snapshots"
                )),
                key=lambda row: (row[0], row[1], row[2], row[3]),
            )  # fmt: skip
            drift = Counter((r, c) for r, c in q("SELECT run_id, control FROM drift_events"))
    finally:
        engine.dispose()
    cells = []
    for tenant, control, run_id in pointers:
        counts = {**empty_counts(), **Counter(s for r, c, s in findings if r == run_id and c == control)}
        points = [(s, m) for t, c, _, _, s, m in snapshots if (t, c) == (tenant, control)][-TREND_POINTS:]
        started, finished = runs[run_id]
        score, max_score = points[-1] if points else (None, None)
        trend = [s for s, _ in points if s is not None]
        cells.append(
            (
                tenant,
                control,
                score,
                max_score,
                counts,
                run_id,
                _utc(finished or started),
                trend,
                drift[(run_id, control)],
            )
        )
    return cells


def overview(store: HistoryStore) -> list[tuple[Any, ...]]:
    return [
        (o.tenant, o.control, o.score, o.max_score, o.counts, o.last_run_id, o.last_run_at, o.trend, o.drift)
        for o in store.overview()
    ]


def _result(control: str, day: int, score: float | None = 1.0, at: datetime | None = None) -> ControlResult:
    statuses = [Status.PASS, Status.FAIL, Status.MANUAL][day % 3], Status.PASS
    findings = tuple(Finding(control=control, setting=f"s{i}", status=s, current=day) for i, s in enumerate(statuses))
    return ControlResult(control, control, findings, score=SecureScore(control, score, 10.0, taken_at=at))


def _run(store: HistoryStore, tenant: str, kind: str, results: list[ControlResult], **kw: Any) -> int:
    run_id = store.start_run(tenant, kind, controls=[r.control for r in results])
    store.record_run(run_id, results, **kw)
    return run_id


def _history(store: HistoryStore) -> dict[str, int]:
    """A history that exercises every rule of the summary; returns notable run ids."""
    ids: dict[str, int] = {}
    # A score reported by a remediation before the pair's first assessment belongs to its trend.
    ids["early_fix"] = _run(store, "t1", "remediate", [_result(B, 0, score=3.0, at=T0)])
    for day in range(TREND_POINTS + 8):  # more points than the trend keeps
        score = None if day == 20 else float(day % 7)
        results = [_result(A, day, score, T0 + timedelta(days=day)), _result(B, day, 2.0, T0 + timedelta(days=day))]
        ids["last"] = _run(store, "t1", "assess" if day % 4 else "plan", results, detect_drift=True)
        assert overview(store) == reference_overview(store)
    # A verification's score joins the trend but does not move the pointer or the counts.
    ids["verify"] = _run(store, "t1", "verify", [_result(A, 99, 9.0, T0 + timedelta(days=60))])
    # A late snapshot older than every kept point stays out; one tied with the newest sorts after it.
    _run(store, "t1", "assess", [_result(B, 1, 4.0, T0 - timedelta(days=3))])
    _run(store, "t1", "assess", [_result(A, 2, 5.0, T0 + timedelta(days=60))])
    # A second tenant with few runs (its trend holds all its snapshots), one failed control.
    _run(store, "t2", "assess", [_result(A, 0, 1.0, T0), ControlResult(B, B, error="boom")])
    _run(store, "t2", "assess", [_result(A, 1, 2.0, T0 + timedelta(days=1))], detect_drift=True)  # s0 regressed
    return ids


def test_summaries_follow_every_kind_of_write(store: HistoryStore) -> None:
    _history(store)
    cells = overview(store)
    assert cells == reference_overview(store)
    by = {(c[0], c[1]): c for c in cells}
    assert by[("t1", A)][2] == 5.0 and by[("t1", A)][7][-2:] == [9.0, 5.0], "tie after the verify point"
    assert len(by[("t1", A)][7]) == TREND_POINTS - 1, "the None score is kept out of the trend shown"
    assert by[("t2", B)][7] == [] and by[("t2", B)][4] == empty_counts()
    assert any(c[8] for c in cells), "drift was recorded and counted"


def test_the_one_result_at_a_time_path_keeps_summaries_right(store: HistoryStore) -> None:
    _run(store, "t", "remediate", [_result(A, 0, 7.0, T0)])
    for day in range(3):
        run_id = store.start_run("t", "assess", controls=[A, B])
        store.record_control_result(run_id, _result(A, day, float(day), T0 + timedelta(days=day)))
        store.record_control_result(run_id, _result(B, day, None))
        store.finish_run(run_id)
        assert overview(store) == reference_overview(store)
    assert {c[1]: c[7] for c in overview(store)} == {A: [7.0, 0.0, 1.0, 2.0], B: []}


def test_prune_keeps_summaries_right(store: HistoryStore) -> None:
    _history(store)
    before = {(c[0], c[1]): c[7] for c in overview(store)}
    newest = max(r.started_at for r in store.runs(limit=1000))
    for keep in (1_000, 1):  # nothing pruned, then every run no pointer holds
        store.prune(keep, now=newest + timedelta(days=2))
        assert overview(store) == reference_overview(store)
    after = {(c[0], c[1]): c[7] for c in overview(store)}
    assert len(after[("t1", A)]) < len(before[("t1", A)]), "pruned points left a kept trend"
    assert after[("t2", A)] == before[("t2", A)] == [1.0, 2.0], "t2's first run holds B's pointer, so it stays"


def test_rebuild_recomputes_summaries(store: HistoryStore) -> None:
    _history(store)
    expected = overview(store)
    engine = create_store_engine(str(store._engine.url.render_as_string(hide_password=False)))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE latest_results SET counts = '{}', trend = NULL, trend_at = NULL"))
    finally:
        engine.dispose()
    assert overview(store) != expected
    assert store.rebuild_latest_results() == 4
    assert overview(store) == expected == reference_overview(store)


def _counts(url: str) -> dict[str, int]:
    engine = create_store_engine(url)
    tables = ("runs", "control_results", "findings", "finding_bodies", "score_snapshots", "drift_events")
    try:
        with engine.connect() as connection:
            return {
                t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in (*tables, "latest_results")
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["plain", "migration_connection"])
def test_migration_backfills_and_drops_without_losing_history(store: HistoryStore, how: str) -> None:
    """Down to 0008 and up again: nothing else changes, and the backfill equals what the writes kept."""
    _history(store)
    expected = overview(store)
    url = str(store._engine.url.render_as_string(hide_password=False))
    rows = _counts(url)
    store.close()
    engine = create_store_engine(url)
    try:
        from scorekeeper.store.db import migration_connection

        # "plain" keeps SQLite's foreign keys on, as the tests of other migrations do: a table
        # rebuild that cascaded would show here as missing rows.
        opener = engine.begin if how == "plain" else (lambda: migration_connection(engine))
        with opener() as connection:
            command.downgrade(alembic_config(connection), "0008")
        assert _counts(url) == rows
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("latest_results")}
        assert columns == {"id", "tenant", "control", "run_id"}
        with opener() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()
    with HistoryStore.open(url) as again:
        assert overview(again) == expected == reference_overview(again)
        assert _counts(url) == rows


def test_two_writers_of_one_pair_lose_no_point(store: HistoryStore) -> None:
    """Runs of one tenant recorded from two threads at once: every score reaches the kept trend.

    On PostgreSQL the summary rows are read ``FOR UPDATE``; without it one writer's point is
    overwritten by the other's read-modify-write. SQLite serialises writers by itself.
    """
    import threading

    runs = 20
    ready = threading.Barrier(2, timeout=60)
    store.record_tenant_id("t", "tid")  # the tenant row exists before the writers race
    failures: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            ids = [store.start_run("t", "assess", controls=[A]) for _ in range(runs)]
            ready.wait()
            for n, run_id in enumerate(ids):
                store.record_run(run_id, [_result(A, n, float(offset + n), T0 + timedelta(minutes=offset + n))])
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(offset,)) for offset in (0, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    [cell] = overview(store)
    assert cell == reference_overview(store)[0]
    assert len(cell[7]) == TREND_POINTS and cell[7][-1] == 119.0

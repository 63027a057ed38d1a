"""The history queries the CLI and TUI make seek through indexes: none reads a whole history table.

At 1,000 tenants × 365 runs a full scan of ``findings`` (10 million rows), ``score_snapshots`` or
``drift_events`` is what turns a 5 ms query into seconds, and a small test database would never
show it in a timing. So the statements each query sends are captured and SQLite's own plan for
them is checked (``EXPLAIN QUERY PLAN``): a table may only be searched or scanned through an index
(``latest_results`` is the exception the overview exists for: one row per tenant × control).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.prepared import OBSERVERS

C = "SelfServicePasswordReset"
HISTORY_TABLES = ("runs", "findings", "finding_bodies", "control_results", "score_snapshots", "drift_events", "changes")


@pytest.fixture
def filled(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(str(tmp_path / "history.db"))
    for day in range(3):
        for tenant in ("a", "b"):
            run_id = store.start_run(tenant, "assess", controls=[C])
            status = Status.PASS if day % 2 else Status.FAIL
            finding = Finding(control=C, setting="s", status=status, current=day)
            store.record_run(
                run_id, [ControlResult(C, C, (finding,), score=SecureScore(C, day, 9.0))], detect_drift=True
            )
    return store


def assert_no_full_scan(plans: list[str], tables: Iterable[str], what: str) -> None:
    """Every ``SCAN`` of one of ``tables`` in SQLite's plans goes through an index (``USING``)."""
    watched = set(tables)
    for line in plans:
        words = line.split()
        if words[:1] == ["SCAN"] and words[1] in watched:
            assert "USING" in words, f"{what}: full scan of {words[1]}: {plans}"


def _plans(store: HistoryStore, call: Callable[[], Any]) -> list[str]:
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    def prepared(statement: str, parameters: Any, many: bool) -> None:  # the write path's own (store/prepared.py)
        capture(None, None, statement, parameters, None, many)

    event.listen(store._engine, "before_cursor_execute", capture)
    OBSERVERS.append(prepared)
    try:
        call()
    finally:
        OBSERVERS.remove(prepared)
        event.remove(store._engine, "before_cursor_execute", capture)
    assert seen, "the query sent no SELECT"
    plans: list[str] = []
    with store._engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for statement, parameters in seen:
            plans += [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    return plans


QUERIES: dict[str, Callable[[HistoryStore], Any]] = {
    "overview": lambda s: s.overview(),
    "runs": lambda s: s.runs(limit=50),
    "runs of a tenant": lambda s: s.runs("a", limit=50),
    "get_run": lambda s: s.get_run(3),
    "score_history": lambda s: s.score_history("a", C),
    "drift_events": lambda s: s.drift_events(limit=100),
    "drift_events of a tenant": lambda s: s.drift_events("a", limit=100),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_history_queries_never_scan_a_history_table(filled: HistoryStore, name: str) -> None:
    assert_no_full_scan(_plans(filled, lambda: QUERIES[name](filled)), HISTORY_TABLES, name)
    filled.close()


def test_the_check_notices_a_full_scan(filled: HistoryStore) -> None:
    """Guards the guard: a query by an unindexed column shows up as a bare SCAN."""
    from sqlalchemy import text

    plans = _plans(
        filled, lambda: filled._engine.connect().execute(text("SELECT * FROM findings WHERE body_id + 0 = 1"))
    )
    assert any(line.split()[:2] == ["SCAN", "findings"] and "USING" not in line for line in plans), plans
    filled.close()

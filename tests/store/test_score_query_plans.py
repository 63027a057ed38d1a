"""The whole-score reads and ``record_run``'s own selects seek through indexes (migration 0011 dropped two).

Migration 0011 moved each row's control-score map to ``score_controls`` and dropped the indexes
``ix_tenant_scores_profiles_id`` and ``ix_control_results_control``, which no query used. This
checks SQLite's plan (``EXPLAIN QUERY PLAN``) of every statement the whole-score reads and a
steady-state ``record_run`` with drift send: no history table, map or profile set is read whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.domain.securescore import AssessedScore, ControlScore, DailyScore
from scorekeeper.store import HistoryStore
from tests.store.test_query_plans import HISTORY_TABLES, _plans, assert_no_full_scan

C = "SelfServicePasswordReset"
TABLES = (*HISTORY_TABLES, "tenant_scores", "score_controls", "score_profiles")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _record(store: HistoryStore, tenant: str, day: int) -> None:
    run_id = store.start_run(tenant, "assess", controls=[C])
    finding = Finding(control=C, setting="s", status=Status.PASS if day % 2 else Status.FAIL, current=day)
    today = DailyScore(T0 + timedelta(days=day), 10.0 + day, 50.0, controls={C: float(day), "Other": 1.0})
    profiles = (ControlScore(C, "SSPR", "Identity", "AzureAD", float(day), 9.0),)
    store.record_run(
        run_id,
        [ControlResult(C, C, (finding,), score=SecureScore(C, day, 9.0))],
        detect_drift=True,
        tenant_score=AssessedScore(today, profiles),
    )


@pytest.fixture
def scored(tmp_path: Path) -> HistoryStore:
    store = HistoryStore.open(str(tmp_path / "history.db"))
    for day in range(3):
        for tenant in ("a", "b"):
            _record(store, tenant, day)
    return store


QUERIES: dict[str, Callable[[HistoryStore], Any]] = {
    "latest_tenant_score": lambda s: s.latest_tenant_score("a"),
    "latest_tenant_scores": lambda s: s.latest_tenant_scores(["a", "b"]),
    "score_trends": lambda s: s.score_trends(["a", "b"]),
    "record_run": lambda s: _record(s, "a", 3),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_whole_score_queries_never_scan_a_table(scored: HistoryStore, name: str) -> None:
    assert_no_full_scan(_plans(scored, lambda: QUERIES[name](scored)), TABLES, name)
    scored.close()

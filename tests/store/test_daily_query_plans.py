"""The read-side queries of the control view, reports and history paging seek through indexes too.

The same check as ``test_query_plans.py`` (SQLite's own plan, ``EXPLAIN QUERY PLAN``, for every
statement a query sends), for the queries added beside it: no history table is read whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scorekeeper.store import HistoryStore
from scorekeeper.store.runpages import RunCursor
from tests.store.test_query_plans import HISTORY_TABLES, C, _plans, assert_no_full_scan, filled  # noqa: F401  (filled: a fixture)

QUERIES: dict[str, Callable[[HistoryStore], Any]] = {
    "control_cell": lambda s: s.control_cell("a", C),
    "organizations_known_at": lambda s: s.organizations_known_at([3, 4]),
    "runs_page": lambda s: s.runs_page(2, tenants=["a", "b"], exclude_kinds=("plan",)),
    "runs_page after a run": lambda s: s.runs_page(
        2, tenants=["a"], after=RunCursor(s.get_run(5).started_at, 5)  # type: ignore[union-attr]
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_daily_queries_never_scan_a_history_table(filled: HistoryStore, name: str) -> None:  # noqa: F811
    assert_no_full_scan(_plans(filled, lambda: QUERIES[name](filled)), HISTORY_TABLES, name)
    filled.close()

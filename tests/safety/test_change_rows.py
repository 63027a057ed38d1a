"""Change rows on both backends: each committed before its write, read back whole, marked once rolled back.

``store/changes.py`` sends compiled statements on a bare connection (no ORM session); these tests
pin that the rows it stores and reads are the ones rollback depends on, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scorekeeper.domain.model import Change, Outcome
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import resolve_url
from scorekeeper.store.records import StoreError

C = "SelfServicePasswordReset"


@pytest.fixture
def url(history_url: str) -> str:
    """The project's two-backend history (tests/conftest.py), as an SQLAlchemy URL."""
    return resolve_url(history_url)


def test_a_change_round_trips_with_every_field(url: str) -> None:
    before = {"nested": [1, "two", None], "flag": False}
    resource = {"read": {"method": "GET", "path": "policies/x"}, "request": {"api": "graph"}}
    with HistoryStore.open(url) as store:
        run_id = store.start_run("t", "remediate", controls=[C])
        pending = Change("methods", before, {"nested": []}, Outcome.SKIPPED, resource, error="write started")
        change_id = store.change_started(run_id, C, pending)
        assert store.changes_for_run(run_id) == [(C, Change(**{**pending.__dict__, "id": change_id}))]
        done = Change(
            "methods", before, {"nested": [3]}, Outcome.APPLIED, {**resource, "path": "p/1"}, True, "", change_id
        )
        store.change_finished(done)
        second = store.change_started(run_id, "Other", Change("s", None, 1, Outcome.SKIPPED))
        assert store.changes_for_run(run_id) == [
            (C, done),
            ("Other", Change("s", None, 1, Outcome.SKIPPED, id=second)),
        ]
        rollback = store.start_run("t", "rollback", controls=[C], parent_run_id=run_id)
        store.mark_rolled_back([change_id, change_id], rollback)
        marked = dict((c.id, c.rolled_back_by) for _, c in store.changes_for_run(run_id))
        assert marked == {change_id: rollback, second: None}


def test_refusals_store_nothing(url: str) -> None:
    with HistoryStore.open(url) as store:
        run_id = store.start_run("t", "remediate", controls=[C])
        with pytest.raises(StoreError, match=f"no run {run_id + 99} in history"):
            store.change_started(run_id + 99, C, Change("s", 0, 1, Outcome.SKIPPED))
        with pytest.raises(StoreError, match="no change 12345"):
            store.change_finished(Change("s", 0, 1, Outcome.APPLIED, id=12345))
        change_id = store.change_started(run_id, C, Change("s", 0, 1, Outcome.SKIPPED))
        rollback = store.start_run("t", "rollback", controls=[C])
        with pytest.raises(StoreError, match="none were marked"):
            store.mark_rolled_back([change_id, 12345], rollback)
        with pytest.raises(StoreError, match=f"no run {rollback + 99}"):
            store.mark_rolled_back([change_id], rollback + 99)
        assert [c.rolled_back_by for _, c in store.changes_for_run(run_id)] == [None]


def test_the_pending_row_is_committed_when_change_started_returns(tmp_path: Path) -> None:
    """Another connection (another process) sees the before-value before any write could be sent."""
    path = tmp_path / "history.db"
    with HistoryStore.open(resolve_url(path)) as store:
        run_id = store.start_run("t", "remediate", controls=[C])
        change_id = store.change_started(run_id, C, Change("s", {"v": 1}, {"v": 2}, Outcome.SKIPPED))
        with sqlite3.connect(path) as other:
            row = other.execute(
                "SELECT setting, before, finished_at FROM changes WHERE id = ?", (change_id,)
            ).fetchone()
        assert row == ("s", '{"v": 1}', None)


def test_lease_rows_take_name_the_run_and_give_back(url: str) -> None:
    """The writer lease's three per-tenant statements (``store/leases.py``), on both backends."""
    from scorekeeper.store.liveness import this_process

    me = this_process()
    with HistoryStore.open(url) as store:
        assert store.leases.try_acquire("graph/t1", "tok-a", "remediate", me, 5.0).acquired
        refused = store.leases.try_acquire("graph/t1", "tok-b", "rollback", me, 5.0)
        assert not refused.acquired and refused.holder is not None and refused.holder.token == "tok-a"
        run_id = store.start_run("t1", "remediate", controls=[C])
        assert store.leases.attach_run("graph/t1", "tok-a", run_id)
        assert not store.leases.attach_run("graph/t1", "tok-b", run_id)  # not ours: nothing named
        held = store.leases.holder("graph/t1")
        assert held is not None and held.run_id == run_id and held.purpose == "remediate" and held.pid == me.pid
        store.leases.release("graph/t1", "tok-b")  # another token gives back nothing
        assert store.leases.holder("graph/t1") is not None
        store.leases.release("graph/t1", "tok-a")
        assert store.leases.holder("graph/t1") is None
        assert store.leases.try_acquire("graph/t1", "tok-b", "rollback", me, 5.0).acquired

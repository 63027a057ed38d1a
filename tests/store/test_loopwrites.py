"""Where the engine's history writes run on SQLite: on the event loop, never waiting there for the
write lock; a call that finds the lock taken pauses and is tried again while the loop goes on."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from scorekeeper.store import HistoryStore, StoreError
from scorekeeper.store.lockwait import WriteLockBusy, begin_immediate, without_waiting
from scorekeeper.store.loopwrites import HistoryWrites


def _holding_write_lock(db_path: Path) -> sqlite3.Connection:
    """Another process's writer, as SQLite sees it: a connection of its own inside BEGIN IMMEDIATE."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_free_lock_writes_on_the_loop_thread_at_once(db_path: Path) -> None:
    with HistoryStore.open(str(db_path)) as store:
        writes = HistoryWrites(store.one_writer_at_a_time)
        threads: list[int] = []

        def start() -> int:
            threads.append(threading.get_ident())
            return store.start_run("contoso", "assess", controls=["SelfServicePasswordReset"])

        run_id = asyncio.run(writes.run(start))
        assert threads == [threading.get_ident()] and writes.lock_pauses == 0
        run = store.get_run(run_id)
        assert run is not None and run.status == "running"


def test_a_held_lock_pauses_the_call_while_the_loop_goes_on(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()
    with HistoryStore.open(str(db_path)) as store:
        writes = HistoryWrites(store.one_writer_at_a_time)
        other = _holding_write_lock(db_path)
        attempts: list[int] = []

        def start() -> int:
            attempts.append(threading.get_ident())
            return store.start_run("contoso", "assess", controls=["SelfServicePasswordReset"])

        async def go() -> int:
            writing = asyncio.ensure_future(writes.run(start))
            while writes.lock_pauses < 2:  # this coroutine runs: the loop is not held by the waiting write
                await asyncio.sleep(0)
            assert not writing.done()
            other.rollback()  # the other writer finishes
            return await writing

        run_id = asyncio.run(go())
        other.close()
        assert len(attempts) >= 3 and set(attempts) == {threading.get_ident()}
        assert [r.id for r in store.runs("contoso")] == [run_id]  # written once, by the last attempt


def test_a_lock_held_past_the_busy_timeout_fails_as_a_waiting_write_would(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()
    with HistoryStore.open(str(db_path)) as store:
        writes = HistoryWrites(store.one_writer_at_a_time, busy_timeout=0.05)
        other = _holding_write_lock(db_path)
        with pytest.raises(StoreError, match="database is locked"):
            asyncio.run(writes.run(store.start_run, "contoso", "assess", controls=[]))
        other.rollback()
        other.close()
        assert store.runs("contoso") == []


def test_postgresql_writes_run_in_the_default_pool() -> None:
    writes = HistoryWrites(one_writer_at_a_time=False)
    assert asyncio.run(writes.run(threading.get_ident)) != threading.get_ident()


def test_a_refused_first_write_leaves_nothing_and_the_next_ordinary_write_waits(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()
    with HistoryStore.open(str(db_path)) as store:
        other = _holding_write_lock(db_path)
        with without_waiting(), pytest.raises(WriteLockBusy):
            store.start_run("contoso", "assess", controls=[])
        assert store.runs("contoso") == []
        other.rollback()
        other.close()
        run_id = store.start_run("contoso", "assess", controls=[])  # outside the block: an ordinary write
        assert [r.id for r in store.runs("contoso")] == [run_id]


class _Statements:
    """What :func:`begin_immediate` sends, with BEGIN answered as SQLite answers a held lock when asked."""

    def __init__(self, busy: bool = False) -> None:
        self.sent: list[str] = []
        self.busy = busy

    def timeout(self, ms: int) -> None:
        self.sent.append(f"PRAGMA busy_timeout = {ms}")

    def __call__(self, sql: str) -> None:
        self.sent.append(sql)
        if sql == "BEGIN IMMEDIATE" and self.busy:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
            raise OperationalError("BEGIN IMMEDIATE", None, error)


def test_only_the_first_write_of_a_call_is_tried_without_waiting() -> None:
    statements = _Statements()
    with without_waiting():
        begin_immediate(statements, statements.timeout, 30_000)
        begin_immediate(statements, statements.timeout, 30_000)  # after a commit: a rerun would repeat it
    begin_immediate(statements, statements.timeout, 30_000)  # outside the block
    assert statements.sent == [
        "PRAGMA busy_timeout = 0",
        "BEGIN IMMEDIATE",
        "PRAGMA busy_timeout = 30000",
        "BEGIN IMMEDIATE",
        "BEGIN IMMEDIATE",
    ]


def test_a_busy_lock_raises_write_lock_busy_and_restores_the_timeout() -> None:
    statements = _Statements(busy=True)
    with without_waiting(), pytest.raises(WriteLockBusy):
        begin_immediate(statements, statements.timeout, 30_000)
    assert statements.sent == ["PRAGMA busy_timeout = 0", "BEGIN IMMEDIATE", "PRAGMA busy_timeout = 30000"]


def test_other_begin_errors_are_not_taken_for_a_busy_lock() -> None:
    class Broken(_Statements):
        def __call__(self, sql: str) -> None:
            self.sent.append(sql)
            if sql == "BEGIN IMMEDIATE":
                error = sqlite3.OperationalError("disk I/O error")
                error.sqlite_errorcode = sqlite3.SQLITE_IOERR  # type: ignore[attr-defined]
                raise OperationalError("BEGIN IMMEDIATE", None, error)

    statements = Broken()
    with without_waiting(), pytest.raises(OperationalError):
        begin_immediate(statements, statements.timeout, 30_000)
    assert statements.sent[-1] == "PRAGMA busy_timeout = 30000"

"""Asking for SQLite's write lock without waiting for it, so a caller can go elsewhere instead.

The engine stores a fleet tenant's run on its event loop (``store/loopwrites.py`` says why),
and there a write must never sit in SQLite's busy handler: every tenant's I/O would stop with
it. Inside :func:`without_waiting`, the first ``BEGIN IMMEDIATE`` a call issues is tried with a
busy timeout of zero, and :class:`WriteLockBusy` says that another connection holds the lock;
nothing has been written then, so the caller may pause and run the whole call again. A later
write transaction of the same call (after one has committed) waits as usual: running the call
again would repeat what that first one wrote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import WriteLockBusy as WriteLockBusy


@dataclass
class _Attempt:
    began: bool = False


_attempt: ContextVar[_Attempt | None] = ContextVar("scorekeeper_write_lock_attempt", default=None)


@contextmanager
def without_waiting() -> Iterator[None]:
    """Within this block, a call's first write transaction raises :class:`WriteLockBusy` instead of waiting."""
    token = _attempt.set(_Attempt())
    try:
        yield
    finally:
        _attempt.reset(token)


def begin_immediate(
    execute: Callable[[str], object], set_busy_timeout: Callable[[int], object], busy_timeout_ms: int
) -> None:
    """``BEGIN IMMEDIATE`` through ``execute``, without waiting where :func:`without_waiting` asked so.

    ``set_busy_timeout`` changes the connection's busy timeout (milliseconds) straight on the
    driver: it cannot fail the way a statement can, and SQLAlchemy's layer around a statement
    would cost more than SQLite's work here.
    """
    attempt = _attempt.get()
    if attempt is None or attempt.began:
        execute("BEGIN IMMEDIATE")
        return
    attempt.began = True
    set_busy_timeout(0)
    try:
        execute("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise WriteLockBusy(str(exc.orig)) from exc
        raise
    finally:
        set_busy_timeout(busy_timeout_ms)

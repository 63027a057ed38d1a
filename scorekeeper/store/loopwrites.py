"""Where an engine's history writes run: on SQLite, on the event loop, and only while the write lock is free.

A fleet assessment stores each tenant's run in two short write transactions (``start_run`` and
``record_run``, about 4 ms of CPU together). The first design ran them in a worker thread so
that the event loop would keep serving the other tenants' requests. Measured on the fleet
benchmark, that thread cost more than it saved: the thread and the loop then take turns on the
GIL, every turn is a wake-up, a context switch and cold caches for the thread that takes over,
and the loop's own code ran slower for it (``docs/performance.md`` has the figures). aiosqlite would be the
same thread under another name.

So a write runs on the loop, and the loop is held for the CPU the write needs but never for a
lock: the call's first write transaction asks for SQLite's write lock without waiting
(``store/lockwait.py``). When another connection holds it (another scorekeeper process, the TUI,
the heartbeat thread), nothing has been written yet; the call yields to the loop and is tried
again after a short pause that grows to 100 ms, as SQLite's own busy handler would wait, until
the busy timeout (:data:`scorekeeper.store.db.BUSY_TIMEOUT_SECONDS`) has passed. Then it fails as
a waiting write would: :class:`StoreError`, "database is locked". A thread that took over the
waiting was tried first and made things worse: while its write held the lock, slowed by the
GIL, the next tenants' writes found the lock taken too, and at 1,000 tenants a quarter of the
writes ended up in the thread.

PostgreSQL locks rows, not the database, and every statement is a round trip to a server that
may be far away, so there the writes of different tenants run side by side on the default pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from scorekeeper.store import lockwait
from scorekeeper.store.db import BUSY_TIMEOUT_SECONDS
from scorekeeper.store.records import StoreError

T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.001
LONGEST_PAUSE_SECONDS = 0.1


class HistoryWrites:
    """Runs an engine's history calls: on the loop for SQLite (never waiting there), else in the pool."""

    def __init__(self, one_writer_at_a_time: bool, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._on_loop = one_writer_at_a_time
        self._busy_timeout = busy_timeout
        #: How many times a call found the write lock taken and paused (benchmarks and tests read it).
        self.lock_pauses = 0

    async def run(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``call(*args, **kwargs)`` without making the event loop wait for a lock.

        ``call`` must be safe to run again when its first write transaction could not begin:
        it writes nothing before that (the store's methods and the engine's ``_finish`` are so).
        """
        if not self._on_loop:
            return await asyncio.to_thread(call, *args, **kwargs)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_timeout
        pause = FIRST_PAUSE_SECONDS
        while True:
            with lockwait.without_waiting():
                try:
                    return call(*args, **kwargs)
                except lockwait.WriteLockBusy:
                    pass
            if loop.time() >= deadline:
                raise StoreError(
                    f"history database write failed: database is locked (another writer held it for "
                    f"{self._busy_timeout:g} s)"
                )
            self.lock_pauses += 1
            await asyncio.sleep(min(pause, max(0.0, deadline - loop.time())))
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)

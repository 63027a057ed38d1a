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

**Group commit** (:meth:`HistoryWrites.record_in_group`, issue 30). A fleet's assessments finish
many at a time, and each commit costs more than a run's rows. So the finished assessments that
are ready within one turn of the event loop (up to :data:`GROUP_LIMIT`) are recorded together, in
one transaction (``HistoryStore.record_runs``), and each caller gets its own answer when that
commits. The safety order does not change: only assessment results wait in a group — nothing a
tenant write depends on. A remediation's before-values (``change_started``) and the start of any
run (``start_run``) are committed by their own calls, before the caller goes on to the tenant.
What a crash can lose is the group not yet committed: those runs stay ``running`` and
``HistoryStore.interrupt_stale_runs`` closes them as ``interrupted`` (never ``completed``). When
a group's transaction fails, its runs are recorded again one by one, so one bad run fails alone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from scorekeeper.store import lockwait
from scorekeeper.store.db import BUSY_TIMEOUT_SECONDS
from scorekeeper.store.records import StoreError

if TYPE_CHECKING:
    from scorekeeper.domain.model import Actor
    from scorekeeper.store.results import RunRecord

T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.001
LONGEST_PAUSE_SECONDS = 0.1
#: The most runs one group commit records.
GROUP_LIMIT = 64


class HistoryWrites:
    """Runs an engine's history calls: on the loop for SQLite (never waiting there), else in the pool."""

    def __init__(self, one_writer_at_a_time: bool, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._on_loop = one_writer_at_a_time
        self._busy_timeout = busy_timeout
        #: How many times a call found the write lock taken and paused (benchmarks and tests read it).
        self.lock_pauses = 0
        #: The size of each group committed (benchmarks and tests read it).
        self.group_sizes: list[int] = []
        self._waiting: list[tuple[Any, RunRecord, asyncio.Future[Actor]]] = []
        self._waiting_lock = threading.Lock()  # an engine's loops may live in several threads (TUI, scheduler)
        self._flusher: asyncio.Task[None] | None = None

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

    async def record_in_group(self, store: Any, record: RunRecord) -> Actor:
        """``store.record_run`` for an assessment's ``record``, committed with the others ready in this loop turn.

        Returns when the group holding it has committed (the run's actor, as ``record_run``
        returns it) or raises what recording it alone raised. Only for assessment results: see
        the module docstring. The record is committed even if the caller stops waiting.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Actor] = loop.create_future()
        with self._waiting_lock:
            self._waiting.append((store, record, done))
        flusher = self._flusher
        # One flusher per loop: a command may run several loops one after another (plan, then apply).
        if flusher is None or flusher.done() or flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush())
        return await asyncio.shield(done)

    async def _flush(self) -> None:
        """Commit the waiting records, a group at a time, until none is left."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(0)  # one loop turn: the tenants finishing in it join this group
            while True:
                with self._waiting_lock:
                    mine = [entry for entry in self._waiting if entry[2].get_loop() is loop]
                    if not mine:
                        break
                    store = mine[0][0]
                    group = [entry for entry in mine if entry[0] is store][:GROUP_LIMIT]
                    taken = {id(entry) for entry in group}
                    self._waiting = [entry for entry in self._waiting if id(entry) not in taken]
                await self._commit(store, group)
        finally:
            if self._flusher is asyncio.current_task():
                self._flusher = None

    async def _commit(self, store: Any, group: Sequence[tuple[Any, RunRecord, asyncio.Future[Actor]]]) -> None:
        records = [record for _, record, _ in group]
        try:
            actors = await self.run(store.record_runs, records)
        except asyncio.CancelledError as exc:  # the loop is closing: nobody is left to record them
            for _, _, done in group:
                _settle(done, error=exc)
            raise
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][2], error=exc)
                return
            for entry in group:  # the group failed whole: each alone, so one bad run fails alone
                await self._commit(store, [entry])
            return
        self.group_sizes.append(len(group))
        for (_, _, done), actor in zip(group, actors, strict=True):
            _settle(done, actor)


def _settle(done: asyncio.Future[Any], value: Any = None, *, error: BaseException | None = None) -> None:
    if done.done():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(value)

"""Where an engine's history writes run: off the event loop, and on SQLite one after another.

A fleet assessment stores each tenant's run from a worker thread, so the event loop keeps
serving the other tenants' requests. With asyncio's default pool, up to six threads started
SQLite write transactions at once. SQLite lets one writer in; the others wait in its busy
handler, which sleeps in steps of up to 100 ms without noticing that the lock came free. 300
simulated tenants' 601 write transactions waited 17.2 s in all for ``BEGIN IMMEDIATE`` (the
longest 1.6 s) within an 8.8 s assessment, while the lock was mostly idle. On SQLite the writes
therefore go through one thread of their own, in the order they were asked for: none of them
waits for a lock that another thread of this process holds, and another process's writer is
still waited for by the busy timeout. PostgreSQL locks rows, not the database, so there the
writes of different tenants keep running side by side on the default pool.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class HistoryThread:
    """Runs history calls off the event loop: one dedicated thread for SQLite, the default pool otherwise."""

    def __init__(self, one_writer_at_a_time: bool) -> None:
        self._serial = one_writer_at_a_time
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``await asyncio.to_thread(call, *args, **kwargs)``, in this store's thread."""
        if not self._serial:
            return await asyncio.to_thread(call, *args, **kwargs)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="scorekeeper-history")
        context = contextvars.copy_context()  # as to_thread does: the caller's context variables
        bound = functools.partial(context.run, call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, bound)

"""Waiting out Microsoft's throttling: in this process, or by giving the tenant back to the queue.

Graph and the portal API answer 429/503 with ``Retry-After``. A command run by hand waits that
long and tries again (``scorekeeper/graph/batch.py``, ``graph/portal.py``). A fleet worker must
not: a throttled tenant would hold one of its job slots asleep while other tenants wait. So a
worker sets :data:`max_wait` for the job it runs, and :func:`pause` then raises
:class:`TenantThrottled` for any longer wait; the job ends, the engine records the run as
interrupted ("throttled"), and the queue runs that tenant's job again after ``Retry-After``
(``scorekeeper/fleet/tasks.py``).

:class:`TenantThrottled` is a ``BaseException`` on purpose, like ``asyncio.CancelledError``:
plugins turn every ``Exception`` of a read into an ``unknown`` finding, which is right for a
refused permission but would turn "come back in 30 s" into a finished run that read nothing.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import TenantThrottled as TenantThrottled

#: The longest ``Retry-After`` the current task sleeps through; ``None`` (the default): any.
max_wait: ContextVar[float | None] = ContextVar("scorekeeper_throttle_max_wait", default=None)


async def pause(seconds: float, what: str = "") -> None:
    """Sleep ``seconds`` before a retry, unless this task may not wait that long (then raise)."""
    limit = max_wait.get()
    if limit is not None and seconds > limit:
        raise TenantThrottled(seconds, what)
    await asyncio.sleep(seconds)

"""A worker: runs scorekeeper's jobs from the queue, and gives back the jobs of workers that died.

procrastinate's worker fetches jobs (respecting each tenant's lock), runs up to ``concurrency`` at
once and keeps a heartbeat row per worker. A worker that is killed (``kill -9``, a lost machine)
leaves its jobs ``doing`` forever; procrastinate finds them (:meth:`get_stalled_jobs`: doing, and
their worker's heartbeat older than ``stalled_seconds``) but leaves what to do to the
application. Every scorekeeper worker therefore runs :func:`recover_stalled` periodically: the
dead worker's runs are marked ``interrupted`` in history (the history's own liveness check,
``HistoryStore.interrupt_stale_runs``) and its jobs go back to the queue, where any worker picks
them up — so a killed worker still ends with every tenant assessed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from scorekeeper.fleet import QUEUE

log = logging.getLogger("scorekeeper.fleet.worker")

#: How often a worker refreshes its heartbeat row, and after how long without one it is dead.
HEARTBEAT_SECONDS = 10.0
STALLED_SECONDS = 60.0


async def recover_stalled(app: Any, store: Any, stalled_seconds: float) -> list[int]:
    """Retry the jobs of workers without a heartbeat for ``stalled_seconds``; returns their ids."""
    stalled = list(await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_seconds))
    if not stalled:
        return []
    await asyncio.to_thread(store.interrupt_stale_runs)
    retried = []
    for job in stalled:
        log.warning("job %s (%s) was held by a worker that stopped: retrying it", job.id, job.task_kwargs)
        await app.job_manager.retry_job(job)
        retried.append(int(job.id))
    return retried


async def _recovery_loop(app: Any, store: Any, stalled_seconds: float, every: float) -> None:
    while True:
        try:
            await recover_stalled(app, store, stalled_seconds)
        except Exception:  # the database may be briefly unreachable; try again next round
            log.exception("stalled-job recovery failed")
        await asyncio.sleep(every)


async def run_worker(
    app: Any,
    store: Any,
    *,
    concurrency: int = 4,
    name: str | None = None,
    wait: bool = True,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
    stalled_seconds: float = STALLED_SECONDS,
    install_signal_handlers: bool = True,
    shutdown_grace: float | None = None,
) -> None:
    """Run jobs on the opened ``app`` until stopped (SIGTERM/SIGINT), or, without ``wait``, until none is left.

    ``stalled_seconds`` must be several ``heartbeat_seconds``: a busy worker's beat may be late.
    """
    from scorekeeper.fleet.tasks import open_shared_clients

    recovery = asyncio.create_task(
        _recovery_loop(app, store, stalled_seconds, every=max(0.05, stalled_seconds / 2)), name="recover-stalled"
    )
    try:
        async with open_shared_clients(concurrency):  # jobs reuse HTTP clients slot by slot (graph/pool.py)
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name,
                wait=wait,
                install_signal_handlers=install_signal_handlers,
                update_heartbeat_interval=heartbeat_seconds,
                stalled_worker_timeout=stalled_seconds,
                shutdown_graceful_timeout=shutdown_grace,
                listen_notify=True,
                fetch_job_polling_interval=min(5.0, heartbeat_seconds),
            )
    finally:
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery

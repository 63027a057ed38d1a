"""The scheduler in fleet mode: a fire puts the schedule's job on the queue instead of running it here.

``scorekeeper scheduler --fleet`` keeps APScheduler's timing (cron, intervals, misfire grace,
pause/resume) and hands each fire to :class:`QueueingRunner`. The job carries the schedule's id
and a queueing lock per schedule, so while one fire of a slow tenant still waits for a worker
another fire adds nothing (the queue holds at most one waiting job per schedule), and the
tenant lock keeps a tenant's jobs one at a time across all workers.

A worker runs such a job with the scheduler's own :class:`scorekeeper.scheduler.runner.Runner`
(``fire_queued``): the same assessment, drift notification, failure/recovery notices, expired
exceptions and unattended remediation (``--remediate`` and ``auto_remediate = true``) as an
in-process fire, recorded on the same schedule row.
"""

from __future__ import annotations

import logging
from typing import Any

from scorekeeper.fleet import SCHEDULE_TASK, queueing_lock, tenant_lock
from scorekeeper.scheduler.runner import FireOutcome, Runner
from scorekeeper.scheduler.spec import Schedule

log = logging.getLogger("scorekeeper.scheduler")


async def enqueue_schedule(app: Any, schedule: Schedule) -> int | None:
    """Queue one fire of ``schedule``; ``None`` when the previous fire's job is still waiting."""
    from procrastinate.exceptions import AlreadyEnqueued

    task = app.tasks[SCHEDULE_TASK].configure(
        lock=tenant_lock(schedule.tenant), queueing_lock=queueing_lock("schedule", schedule.tenant, str(schedule.id))
    )
    try:
        return int(await task.defer_async(schedule_id=schedule.id, tenant=schedule.tenant))
    except AlreadyEnqueued:
        return None


class QueueingRunner(Runner):
    """A :class:`Runner` whose fires enqueue; the daemon uses it unchanged."""

    def __init__(self, url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url = url

    async def fire(self, schedule: Schedule) -> FireOutcome:
        from scorekeeper.fleet.app import open_app

        async with open_app(self.url) as app:
            job_id = await enqueue_schedule(app, schedule)
        if job_id is None:
            log.info("%s: its previous job still waits for a worker; not queued again", schedule.describe())
            return FireOutcome(schedule.id, schedule.tenant, "skipped", error="the previous fire still waits")
        log.info("%s: queued as job %s", schedule.describe(), job_id)
        return FireOutcome(schedule.id, schedule.tenant, "queued")

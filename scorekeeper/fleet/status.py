"""``fleet status``: what the queue holds — depth, running jobs per worker, failures, the oldest waiting job.

Read straight from procrastinate's tables (``procrastinate_jobs``, ``procrastinate_workers``,
``procrastinate_events``), scorekeeper's queue only. A job "waits" when it is ``todo``; a job
scheduled for later (a throttled tenant's retry) is counted apart, because no worker can take
it before its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scorekeeper.fleet import QUEUE

_COUNTS = """
SELECT status::text AS status, count(*) AS n,
       count(*) FILTER (WHERE status = 'todo' AND scheduled_at > now()) AS later
  FROM procrastinate_jobs WHERE queue_name = %(queue)s GROUP BY status
"""
_RUNNING = """
SELECT j.id, j.worker_id, j.args, j.attempts, w.last_heartbeat,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'started') AS started_at
  FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
 WHERE j.queue_name = %(queue)s AND j.status = 'doing' ORDER BY j.worker_id NULLS LAST, j.id
"""
_OLDEST = """
SELECT j.id, j.task_name, j.args, j.scheduled_at,
       (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'deferred') AS queued_at
  FROM procrastinate_jobs j
 WHERE j.queue_name = %(queue)s AND j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
 ORDER BY j.id LIMIT 1
"""
_FAILED = """
SELECT j.id, j.task_name, j.args, j.attempts,
       (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS at
  FROM procrastinate_jobs j WHERE j.queue_name = %(queue)s AND j.status = 'failed' ORDER BY j.id DESC LIMIT 10
"""
_WORKERS = "SELECT id, last_heartbeat FROM procrastinate_workers ORDER BY id"


@dataclass
class FleetStatus:
    """The queue at one moment."""

    waiting: int = 0
    scheduled_later: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    workers: list[dict[str, Any]] = field(default_factory=list)
    oldest_waiting: dict[str, Any] | None = None
    recent_failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue_depth": self.waiting,
            "scheduled_later": self.scheduled_later,
            "running": self.running,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "workers": self.workers,
            "oldest_waiting": self.oldest_waiting,
            "recent_failures": self.recent_failures,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _job(row: dict[str, Any]) -> dict[str, Any]:
    args = row.get("args") or {}
    return {"job_id": row["id"], "tenant": args.get("tenant"), "controls": args.get("controls") or []}


async def fleet_status(app: Any) -> FleetStatus:
    """Count and list what the queue holds, from the opened procrastinate ``app``."""
    query = app.connector.execute_query_all_async
    status = FleetStatus()
    for row in await query(_COUNTS, queue=QUEUE):
        if row["status"] == "todo":
            status.scheduled_later = int(row["later"])
            status.waiting = int(row["n"]) - status.scheduled_later
        elif row["status"] == "doing":
            status.running = int(row["n"])
        elif row["status"] == "succeeded":
            status.succeeded = int(row["n"])
        elif row["status"] == "failed":
            status.failed = int(row["n"])
    by_worker: dict[Any, dict[str, Any]] = {
        r["id"]: {"worker_id": r["id"], "last_heartbeat": _iso(r["last_heartbeat"]), "jobs": []}
        for r in await query(_WORKERS)
    }
    for row in await query(_RUNNING, queue=QUEUE):
        worker = by_worker.setdefault(
            row["worker_id"], {"worker_id": row["worker_id"], "last_heartbeat": _iso(row["last_heartbeat"]), "jobs": []}
        )
        worker["jobs"].append(dict(_job(row), attempts=row["attempts"], started_at=_iso(row["started_at"])))
    status.workers = list(by_worker.values())
    oldest = await query(_OLDEST, queue=QUEUE)
    if oldest:
        row = oldest[0]
        status.oldest_waiting = dict(_job(row), task=row["task_name"], queued_at=_iso(row["queued_at"]))
    status.recent_failures = [
        dict(_job(r), task=r["task_name"], attempts=r["attempts"], at=_iso(r["at"]))
        for r in await query(_FAILED, queue=QUEUE)
    ]
    return status

"""A job retried after its worker died does not run again when its run was already recorded.

A worker records a tenant's run in history, then tells procrastinate the job is done: two
databases' worth of state (two tables, two transactions). Killed between them, the job stays
``doing``; stalled-job recovery (:mod:`scorekeeper.fleet.worker`) gives it back to the queue, and
the tenant was assessed twice (6 of 1,204 jobs in issue 30's trials).

So a job that is not on its first attempt first looks in history for the run its earlier attempt
recorded: a *finished* run (``completed`` or ``failed``: both are results a retry would not
change) of the same tenant, kind, controls and ``scheduled`` flag, started since the job's first
attempt began (procrastinate's ``started`` event of the job). If there is one, the job ends
successfully with that run's id and reads nothing. A run the dead worker left ``running`` or
``interrupted`` is not a result, and the job runs again, as before.

Only a retry pays for the look-up (one query on procrastinate's events, one on the runs); a
first attempt goes straight to work.

Assumption, stated where it matters: procrastinate keeps at most one job of a tenant running at
a time (the tenant lock), so a finished run of that tenant with those controls started in that
window is this job's — unless someone ran the same assessment by hand in that window, in which
case the tenant *was* assessed as the job asked, and the job takes that run as its own.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorekeeper.store import HistoryStore

#: Run statuses that are a job's result: a retry would read nothing new.
FINISHED = ("completed", "failed")
#: How many of the tenant's newest runs of the kind are looked through.
RECENT_RUNS = 20

_FIRST_START = "SELECT min(at) AS at FROM procrastinate_events WHERE job_id = %(job_id)s AND type = 'started'"


async def first_started(app: Any, job_id: int) -> datetime | None:
    """When the job's first attempt began (procrastinate's ``started`` event), or ``None`` if unknown."""
    row = await app.connector.execute_query_one_async(_FIRST_START, job_id=job_id)
    return row["at"] if row else None


def recorded_run(
    store: HistoryStore, tenant: str, kind: str, controls: list[str], scheduled: bool, since: datetime
) -> int | None:
    """The id of a finished ``kind`` run of ``tenant`` over ``controls`` started at ``since`` or later."""
    wanted = sorted(controls)
    for run in store.runs(tenant, kind=kind, limit=RECENT_RUNS):
        if run.started_at < since:
            break  # newest first: the rest are older still
        same = (not wanted or sorted(run.controls) == wanted) and run.scheduled == scheduled
        if same and run.status in FINISHED:
            return run.id
    return None


async def already_recorded(
    app: Any, job: Any, store: HistoryStore, tenant: str, kind: str, controls: list[str], scheduled: bool
) -> int | None:
    """For a retried ``job``: the run an earlier attempt recorded (see the module docstring); else ``None``."""
    if job is None or not job.attempts or job.id is None:
        return None
    since = await first_started(app, int(job.id))
    if since is None:
        return None
    return await asyncio.to_thread(recorded_run, store, tenant, kind, controls, scheduled, since)

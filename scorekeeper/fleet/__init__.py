"""Fleets beyond one machine: jobs in the history's PostgreSQL database, run by ``scorekeeper worker``.

The queue is procrastinate's (PostgreSQL-backed, asyncio-native); nothing here is a queue of its
own. One job assesses (or remediates) one tenant and records its run in the same history as a
command run by hand, so ``history``, ``drift``, ``report`` and the TUI do not care how it ran.

- :mod:`scorekeeper.fleet.app`: the procrastinate app over the history database; the schema.
- :mod:`scorekeeper.fleet.tasks`: the job bodies, the per-tenant lock, throttling and retries.
- :mod:`scorekeeper.fleet.enqueue`: ``--queue`` and the scheduler's fleet mode put jobs here.
- :mod:`scorekeeper.fleet.worker`: a worker process, and recovery of jobs a dead worker held.
- :mod:`scorekeeper.fleet.schedule`: the scheduler in fleet mode (fires enqueue, workers run them).
- :mod:`scorekeeper.fleet.status`: ``fleet status``: depth, running per worker, failures, oldest.
- :mod:`scorekeeper.cli.fleet`: the ``worker`` and ``fleet`` commands.
"""

from __future__ import annotations

#: procrastinate's queue for scorekeeper's jobs.
QUEUE = "scorekeeper"
ASSESS_TASK = "scorekeeper.assess"
REMEDIATE_TASK = "scorekeeper.remediate"
SCHEDULE_TASK = "scorekeeper.schedule"


def tenant_lock(tenant: str) -> str:
    """The procrastinate ``lock`` of every job of ``tenant``: one runs at a time, in order."""
    return f"scorekeeper:tenant:{tenant}"


def queueing_lock(kind: str, tenant: str, control: str | None = None) -> str:
    """The ``queueing_lock`` of a waiting job: at most one such job waits (a slow tenant's jobs do not pile up)."""
    return f"scorekeeper:{kind}:{tenant}:{control or '*'}"

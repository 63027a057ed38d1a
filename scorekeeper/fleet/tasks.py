"""The job bodies a worker runs: assess (or assess and remediate) one tenant, recorded in history.

Every job of a tenant carries the lock :func:`scorekeeper.fleet.tenant_lock`: procrastinate never
hands out a job while another job with the same lock is running, and runs a tenant's jobs in the
order they were queued. Inside the job the engine works exactly as for a command run by hand
(the same ``Engine.assess_tenant``/``remediate``, the same history rows). The two locks agree
and do different jobs: the queue's lock (``scorekeeper:tenant:NAME``) keeps two *jobs* of one
tenant from running at once on any worker; the writer lease (``tenant_leases`` row of the same
tenant name, ``scorekeeper.safety.lease``) keeps a job and anything outside the queue (an admin's
``remediate``, a rollback, an in-process scheduler) from writing at once. A remediation job
takes the lease, an assessment job needs none (reading takes no lease).

Retries (:class:`FleetRetry`):

- :class:`scorekeeper.safety.lease.LeaseHeld` (a remediation job found another writer — an admin's
  ``remediate``, a rollback — holding the tenant's writer lease): again in
  :data:`LEASE_RETRY_SECONDS`; the job takes the lease before it assesses, exactly as the CLI does;
- :class:`scorekeeper.graph.throttle.TenantThrottled` (429/503 with a ``Retry-After`` longer than a
  worker may sleep): the job goes back to the queue for after ``Retry-After``, and the worker's
  slot is free at once;
- anything else that escapes the engine (the history database unreachable, a bug): up to
  :data:`MAX_ATTEMPTS` attempts, 5 s, 10 s, 20 s... apart;
- a job whose worker died (killed, machine lost) is found by the worker's stalled-job recovery
  (:mod:`scorekeeper.fleet.worker`), its run is marked interrupted and the job is retried. A
  retried job first looks for the run its earlier attempt finished (the worker may have died
  after recording the run and before the job was marked done) and, when there is one, ends with
  that run's id instead of assessing again (:mod:`scorekeeper.fleet.onceonly`).

Inside a worker, jobs share HTTP clients the way a fleet assessment's tenants do
(:func:`open_shared_clients`, ``graph/pool.py``): a job takes one of ``concurrency`` slots, and the
next job in that slot reuses its clients and their kept-alive connections.

A run that finishes — even one where settings were ``unknown`` — is a finished job: the result is
in history, and retrying would not read what a missing permission hides.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scorekeeper.fleet import ASSESS_TASK, QUEUE, REMEDIATE_TASK, SCHEDULE_TASK
from scorekeeper.fleet.onceonly import already_recorded
from scorekeeper.graph import throttle
from scorekeeper.graph.pool import PoolSlots

if TYPE_CHECKING:
    import procrastinate

    from scorekeeper.engine import Engine
    from scorekeeper.scheduler.runner import FireOutcome, Runner

log = logging.getLogger("scorekeeper.fleet")

#: Attempts for a job that failed for a reason other than throttling.
MAX_ATTEMPTS = 4
#: Attempts a throttled job gets (each one after the tenant's Retry-After).
MAX_THROTTLED_ATTEMPTS = 50
#: When another process holds the tenant's writer lease, a remediation job tries again this much later.
LEASE_RETRY_SECONDS = 30
#: Longest Retry-After a worker sleeps through inside a job; longer ones go back to the queue.
DEFAULT_MAX_WAIT_SECONDS = 5.0


@dataclass
class Runtime:
    """What a job needs from the worker process: an engine over the config and history it was given."""

    engine: Callable[[], Engine]
    max_wait: float = DEFAULT_MAX_WAIT_SECONDS
    #: The scheduler's runner (engine, schedules, notifications) for queued schedule fires.
    runner: Callable[[], Runner] | None = None
    #: Called with (tenant, run_id) as a job's run finishes; tests wait on it instead of sleeping.
    on_run: Callable[[str, int], None] = lambda tenant, run_id: None


_runtime: Runtime | None = None
#: The worker's client slots while it runs (:func:`open_shared_clients`); ``None`` outside a worker.
_slots: PoolSlots | None = None


def install(runtime: Runtime | None) -> None:
    """Give this process's jobs their engine (the worker does this before it starts)."""
    global _runtime
    _runtime = runtime


def _current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("no scorekeeper runtime in this process: jobs run only inside `scorekeeper worker`")
    return _runtime


@contextlib.asynccontextmanager
async def open_shared_clients(concurrency: int) -> AsyncIterator[PoolSlots]:
    """Hold ``concurrency`` client slots for this worker's jobs until the block ends, then close them.

    Each job used to build its own Graph and portal clients (1.31–1.34x the CPU per tenant of the
    command line, issue 30); a job now runs in a slot whose clients the previous job left warm,
    exactly as a tenant of ``assess --all-tenants`` does.
    """
    global _slots
    slots = PoolSlots(max(1, concurrency))
    previous, _slots = _slots, slots
    try:
        yield slots
    finally:
        _slots = previous
        await slots.aclose()


@contextlib.asynccontextmanager
async def _client_slot() -> AsyncIterator[None]:
    if _slots is None:  # a job run outside a worker (a test): the session builds its own clients
        yield
        return
    async with _slots.slot():
        yield


def _retry_strategy() -> Any:
    from procrastinate import RetryDecision
    from procrastinate.retry import BaseRetryStrategy

    class FleetRetry(BaseRetryStrategy):
        """Throttled: again after Retry-After. Other failures: a few times, backing off."""

        def get_retry_decision(self, *, exception: BaseException, job: Any) -> Any:
            from scorekeeper.safety.lease import LeaseHeld

            if isinstance(exception, LeaseHeld):  # someone is remediating this tenant by hand: later
                if job.attempts + 1 >= MAX_THROTTLED_ATTEMPTS:
                    return None
                return RetryDecision(retry_in={"seconds": LEASE_RETRY_SECONDS})
            if isinstance(exception, throttle.TenantThrottled):
                if job.attempts + 1 >= MAX_THROTTLED_ATTEMPTS:
                    return None
                return RetryDecision(retry_in={"seconds": max(1, round(exception.retry_after))})
            if job.attempts + 1 >= MAX_ATTEMPTS:
                return None
            return RetryDecision(retry_in={"seconds": 5 * 2**job.attempts})

    return FleetRetry()


async def assess_job(
    tenant: str, controls: list[str], scheduled: bool = False, remediate: bool = False, context: Any = None
) -> int:
    """Assess ``tenant`` (and, for a remediate job, fix what auto_remediate allows); returns the run id.

    ``context`` is procrastinate's job context: a retried job whose run is already recorded
    returns that run's id and does nothing else (:mod:`scorekeeper.fleet.onceonly`).
    """
    runtime = _current()
    engine = runtime.engine()
    if context is not None:
        kind = "remediate" if remediate else "assess"
        done = await already_recorded(context.app, context.job, engine.store, tenant, kind, controls, scheduled)
        if done is not None:
            log.warning("%s: run %s of this job was recorded before its worker stopped; not run again", tenant, done)
            return done
    async with _client_slot():
        return await _run_job(runtime, engine, tenant, controls, scheduled, remediate)


async def _run_job(
    runtime: Runtime, engine: Engine, tenant: str, controls: list[str], scheduled: bool, remediate: bool
) -> int:
    if remediate:  # the engine's one entry: the writer lease before the plan is made
        with engine.changing(tenant, "queued remediation", scheduled=scheduled):
            run = await _assess(runtime, engine, tenant, controls, scheduled)
            # Writes wait out throttling in-process (``max_wait`` is not set here): a remediation
            # is not cut in the middle and re-queued.
            await engine.change_unattended(run, scheduled=scheduled)
    else:
        run = await _assess(runtime, engine, tenant, controls, scheduled)
    log.info("%s: run %s %s", tenant, run.run_id, run.status)
    return run.run_id


async def _assess(runtime: Runtime, engine: Engine, tenant: str, controls: list[str], scheduled: bool) -> Any:
    token = throttle.max_wait.set(runtime.max_wait)
    try:
        run = await engine.assess_tenant(tenant, engine.select(controls or None), scheduled=scheduled)
    finally:
        throttle.max_wait.reset(token)
    runtime.on_run(tenant, run.run_id)
    return run


def register(app: procrastinate.App) -> None:
    """Declare scorekeeper's tasks on ``app`` (the names are what the jobs table stores)."""
    retry = _retry_strategy()

    @app.task(name=ASSESS_TASK, queue=QUEUE, retry=retry, pass_context=True)
    async def assess(context: Any, tenant: str, controls: list[str], scheduled: bool = False) -> int:
        return await assess_job(tenant, controls, scheduled=scheduled, context=context)

    @app.task(name=REMEDIATE_TASK, queue=QUEUE, retry=retry, pass_context=True)
    async def remediate(context: Any, tenant: str, controls: list[str], scheduled: bool = False) -> int:
        return await assess_job(tenant, controls, scheduled=scheduled, remediate=True, context=context)

    @app.task(name=SCHEDULE_TASK, queue=QUEUE, retry=retry)
    async def schedule(schedule_id: int, tenant: str) -> int | None:
        return await schedule_job(schedule_id)


async def schedule_job(schedule_id: int) -> int | None:
    """One queued fire of a schedule (``scheduler --fleet``), run by the scheduler's own runner."""
    runtime = _current()
    if runtime.runner is None:
        raise RuntimeError("this worker has no scheduler runner")
    token = throttle.max_wait.set(runtime.max_wait)
    try:
        outcome = await fire_queued(runtime.runner(), schedule_id)
    finally:
        throttle.max_wait.reset(token)
    if outcome is not None and outcome.run_id is not None:
        runtime.on_run(outcome.tenant, outcome.run_id)
    return outcome.run_id if outcome else None


async def fire_queued(runner: Runner, schedule_id: int) -> FireOutcome | None:
    """Run one queued fire in a worker, as the in-process scheduler would (the queue holds the tenant lock)."""
    schedule = runner.schedules.get(schedule_id)
    if schedule is None:
        log.warning("schedule %s was removed before its queued fire ran; nothing to do", schedule_id)
        return None
    if schedule.paused:
        log.info("%s: paused before its queued fire ran; skipped", schedule.describe())
        return None
    return await runner._fire(schedule)

"""One fire of one schedule: assess, look for drift, maybe remediate, notify, record.

The run goes through the engine exactly as a manual ``scorekeeper assess`` does (marked
``scheduled``), so history, exceptions and attestations apply unchanged. What the scheduler adds
is decided here:

* **one run per tenant at a time** — a per-tenant lock, because two schedules for the same
  tenant (say, one per control) must not overlap, which APScheduler's ``max_instances`` (per job)
  cannot see; and across processes, a fire that may remediate holds the tenant's writer lease
  (``scorekeeper/safety/lease.py``) from before its assessment — when another process holds it, the
  fire still assesses but does not remediate, and logs the holder's line;
* **drift** — the engine records it for every completed assessment (``HistoryStore.detect_drift``
  against the previous one); the scheduler notifies it;
* **unattended remediation** — only when the schedule says ``--remediate`` *and* the control's
  ``auto_remediate = true``; the plan skips excepted settings, and the engine records it as any
  remediation (before-values first, verify by read-back, ``scorekeeper rollback`` works);
* **notifications** — drift, a run that could not read everything (and its recovery), a
  remediation, an exception that expired; failures are notified when they start or change,
  not at every fire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scorekeeper.config.model import ConfigError
from scorekeeper.scheduler import events
from scorekeeper.scheduler.spec import Schedule

if TYPE_CHECKING:
    from scorekeeper.domain.model import Plan, RunResult
    from scorekeeper.engine import Engine
    from scorekeeper.scheduler.store import ScheduleStore
    from scorekeeper.store.records import DriftEvent

log = logging.getLogger("scorekeeper.scheduler")

Notify = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class FireOutcome:
    """What one fire did, for the daemon's log and for tests."""

    schedule_id: int
    tenant: str
    status: str  # completed | failed | interrupted | error (nothing could start) | skipped (stopping)
    run_id: int | None = None
    remediation_run_id: int | None = None
    drift: list[DriftEvent] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


class TenantLocks:
    """One asyncio lock per tenant name, created on first use."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, tenant: str) -> asyncio.Lock:
        return self._locks.setdefault(tenant, asyncio.Lock())


class Runner:
    """Carries out fires for a daemon; holds the per-tenant locks."""

    def __init__(self, engine: Engine, schedules: ScheduleStore, notify: Notify) -> None:
        self.engine = engine
        self.schedules = schedules
        self.notify = notify
        self.locks = TenantLocks()
        self.stopping = False  # set by the daemon's shutdown: runs waiting for a lock then do not start

    async def fire(self, schedule: Schedule) -> FireOutcome:
        """Run ``schedule`` once, waiting for any other run of the same tenant to finish first."""
        lock = self.locks(schedule.tenant)
        if lock.locked():
            log.info("%s waits: another run of tenant %s is in progress", schedule.describe(), schedule.tenant)
        async with lock:
            if self.stopping:
                return FireOutcome(schedule.id, schedule.tenant, "skipped", error="the scheduler is stopping")
            if not schedule.remediate:
                return await self._fire(schedule)
            # A fire that may write changes the tenant through the engine's one entry, which holds
            # the writer lease from before the assessment: the plan is never made while another
            # process (a manual remediate) writes.
            from scorekeeper.safety.lease import LeaseHeld

            try:
                with self.engine.changing(schedule.tenant, "scheduled remediate", scheduled=True):
                    return await self._fire(schedule)
            except LeaseHeld as exc:
                log.warning("%s: not remediating: %s", schedule.describe(), exc)
                return await self._fire(schedule, lease_refused=str(exc))  # reading needs no lease

    async def _fire(self, schedule: Schedule, lease_refused: str = "") -> FireOutcome:
        outcome = FireOutcome(schedule.id, schedule.tenant, "error")
        try:
            self.engine.config.tenant(schedule.tenant)
            controls = self.engine.select([schedule.control] if schedule.control else None)
            for control in controls:
                self.engine.desired(control, schedule.tenant)
        except ConfigError as exc:
            # The config changed under a running daemon (tenant or control removed, bad values).
            outcome.error = "; ".join(exc.problems)
            log.error("%s: cannot run: %s", schedule.describe(), outcome.error)
            if outcome.error != schedule.last_problem:  # notified once, not at every fire
                await self._failure(schedule, outcome, [], run_id=None)
            self.schedules.record_fire(schedule.id, status="error", problem=outcome.error)
            return outcome
        log.info("%s: starting", schedule.describe())
        try:
            run = await self.engine.assess_tenant(schedule.tenant, controls, scheduled=True)
        except asyncio.CancelledError:
            self.schedules.record_fire(schedule.id, status="interrupted", problem=schedule.last_problem)
            raise
        outcome.run_id, outcome.status = run.run_id, run.status
        # The engine recorded this run's drift before returning it; read it back to notify it.
        outcome.drift = self.engine.store.drift_of_runs([run.run_id]).get(run.run_id, [])
        problems = events.run_problems(run)
        signature = events.problem_signature(problems)
        self.schedules.record_fire(schedule.id, status=run.status, run_id=run.run_id, problem=signature)

        if outcome.drift:
            await self._send(
                outcome, events.drift_event(schedule.tenant, outcome.drift, schedule_id=schedule.id, run_id=run.run_id)
            )
        if problems and signature != schedule.last_problem:
            await self._failure(schedule, outcome, problems, run_id=run.run_id)
        elif not problems and schedule.last_problem:
            await self._send(
                outcome, events.run_recovered_event(schedule.tenant, schedule_id=schedule.id, run_id=run.run_id)
            )
        await self._expired_exceptions(schedule, run, [c.id for c in controls], outcome)
        if schedule.remediate and run.status == "completed":
            if lease_refused:
                outcome.error = lease_refused
            else:
                await self._remediate(schedule, run, outcome)
        log.info(
            "%s: run %s %s%s",
            schedule.describe(),
            run.run_id,
            run.status,
            f", {len(outcome.drift)} drift event(s)" if outcome.drift else "",
        )
        return outcome

    async def _failure(
        self, schedule: Schedule, outcome: FireOutcome, problems: list[dict[str, Any]], *, run_id: int | None
    ) -> None:
        event = events.run_failed_event(
            schedule.tenant, problems, schedule_id=schedule.id, run_id=run_id, error=outcome.error
        )
        await self._send(outcome, event)

    async def _expired_exceptions(
        self, schedule: Schedule, run: RunResult, controls: list[str], outcome: FireOutcome
    ) -> None:
        expired = events.expired_exceptions(
            self.engine.config.exceptions, schedule.tenant, controls, self.engine.today()
        )
        fresh = [
            r
            for r in expired
            if self.schedules.claim_exception_notice(schedule.tenant, r.control, r.setting, r.expires)
        ]
        if fresh:
            await self._send(
                outcome, events.exception_expired_event(schedule.tenant, fresh, run, schedule_id=schedule.id)
            )

    async def _remediate(self, schedule: Schedule, run: RunResult, outcome: FireOutcome) -> None:
        """What ``auto_remediate`` allows, by the engine's one unattended rule (the lease is held)."""

        def announce(plans: list[Plan], refused: tuple[str, ...]) -> None:
            if refused:
                log.warning(
                    "%s: not remediating %s: set [controls.<id>] auto_remediate = true to allow unattended writes",
                    schedule.describe(),
                    ", ".join(refused),
                )
            if plans:
                log.info("%s: remediating %d setting(s)", schedule.describe(), sum(len(p.automated) for p in plans))

        change = await self.engine.change_unattended(run, announce=announce)
        if change.result is None:
            return
        outcome.remediation_run_id = change.result.run_id
        await self._send(outcome, events.remediation_event(change.result, schedule_id=schedule.id))

    async def _send(self, outcome: FireOutcome, event: dict[str, Any]) -> None:
        outcome.events.append(event)
        await self.notify(event)

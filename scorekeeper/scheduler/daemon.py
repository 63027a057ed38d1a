"""The scheduler daemon: APScheduler 3's ``AsyncIOScheduler`` fed from the ``schedules`` table.

Why jobs are rebuilt from our table instead of APScheduler's SQLAlchemy job store: the schema is
made only by Alembic migrations, the CLI must be able to add and pause schedules without
importing APScheduler's pickled job format, and a row is readable by anyone with the database.
The daemon keeps in-memory jobs and re-reads the table every ``reload_seconds``, so changes
made with ``scorekeeper schedule ...`` take effect while it runs.

Safety for unattended use:

* ``max_instances=1`` and ``coalesce=True`` per job; a per-tenant lock in the runner so two
  jobs for one tenant never overlap either.
* A run missed while the daemon was down is run at start when it is no more than
  ``misfire_grace_seconds`` late (once, however many were missed), else skipped.
* Stop (SIGTERM/SIGINT via :meth:`Daemon.run`'s ``stop`` event): no new runs start; running
  ones get ``grace_seconds`` to finish, then are cancelled, which the engine records as
  ``interrupted``. A second signal cancels at once.
* Runs left ``running`` by a daemon that was killed are marked ``interrupted`` at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scorekeeper.scheduler.runner import FireOutcome, Runner
from scorekeeper.scheduler.spec import Schedule, ScheduleError

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scorekeeper.scheduler.store import ScheduleStore

log = logging.getLogger("scorekeeper.scheduler")


@dataclass(frozen=True)
class DaemonOptions:
    """Tunables of the daemon; the defaults suit a service that assesses hourly or daily."""

    reload_seconds: float = 15.0
    grace_seconds: float = 120.0
    misfire_grace_seconds: int = 300


@dataclass(frozen=True)
class StopReport:
    """How the daemon ended: how many runs finished during the grace period, how many were cut short."""

    finished: int
    interrupted: int


class Daemon:
    """Runs the stored schedules until told to stop. One instance per process and database."""

    def __init__(
        self,
        runner: Runner,
        schedules: ScheduleStore,
        options: DaemonOptions | None = None,
        on_fire_done: Callable[[FireOutcome], None] | None = None,
    ) -> None:
        self.runner = runner
        self.schedules = schedules
        self.options = options or DaemonOptions()
        self.on_fire_done = on_fire_done
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: dict[int, tuple[Any, ...]] = {}  # schedule id → the definition its job was built from
        self._published: dict[int, datetime | None] = {}
        self._active: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # ------------------------------------------------------------------ lifecycle
    async def run(
        self,
        stop: asyncio.Event,
        *,
        force: asyncio.Event | None = None,
        ready: Callable[[str], None] | None = None,
    ) -> StopReport:
        """Schedule until ``stop`` is set, then shut down cleanly (see the module docstring)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        stale = self.runner.engine.store.interrupt_stale_runs()
        if stale:
            log.warning("marked %d run(s) of a previous process as interrupted", stale)
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.options.misfire_grace_seconds,
            },
        )
        self._scheduler.start()
        active = self.sync()
        total = len(self.schedules.list())
        message = f"scheduler ready: {active} active schedule(s) of {total}"
        if ready is not None:
            ready(message)
        else:
            log.info("%s", message)
        reload_task = asyncio.create_task(self._reload_loop(stop))
        try:
            await stop.wait()
        finally:
            report = await self._shutdown(reload_task, force or asyncio.Event())
        return report

    async def _shutdown(self, reload_task: asyncio.Task[None], force: asyncio.Event) -> StopReport:
        self._stopping = True
        self.runner.stopping = True
        assert self._scheduler is not None
        self._scheduler.pause()
        reload_task.cancel()
        running = {t for t in self._active if not t.done()}
        if running:
            log.info(
                "stopping: letting %d running assessment(s) finish (up to %g s; signal again to cancel now)",
                len(running),
                self.options.grace_seconds,
            )
            forced = asyncio.create_task(force.wait())
            everything = asyncio.ensure_future(asyncio.wait(running))  # cancelling this cancels no run
            await asyncio.wait(
                {everything, forced}, timeout=self.options.grace_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            forced.cancel()
            everything.cancel()
        left = {t for t in running if not t.done()}
        for task in left:
            task.cancel()
        if left:
            log.warning("stopping: %d run(s) did not finish in time; recorded as interrupted", len(left))
            await asyncio.gather(*left, return_exceptions=True)
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        log.info("scheduler stopped")
        return StopReport(finished=len(running) - len(left), interrupted=len(left))

    async def _reload_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.options.reload_seconds)
            except TimeoutError:
                try:
                    self.sync()
                except Exception:  # a locked or unreachable database must not end the daemon
                    log.exception("could not reload schedules; keeping the current ones")

    # ------------------------------------------------------------------ jobs from the table
    def sync(self) -> int:
        """Make the in-memory jobs match the table; return how many are active."""
        assert self._scheduler is not None
        wanted = {s.id: s for s in self.schedules.list() if not s.paused}
        for schedule_id in list(self._jobs):
            schedule = wanted.get(schedule_id)
            if schedule is None or schedule.definition != self._jobs[schedule_id]:
                self._scheduler.remove_job(str(schedule_id))
                del self._jobs[schedule_id]
                log.info("schedule #%d %s", schedule_id, "changed" if schedule else "removed or paused")
        for schedule in wanted.values():
            if schedule.id not in self._jobs:
                self._add_job(schedule)
        self._publish_next_runs()
        return len(self._jobs)

    def _add_job(self, schedule: Schedule) -> None:
        assert self._scheduler is not None
        try:
            trigger = schedule.trigger()
            due = schedule.first_fire_after(schedule.last_run_at or schedule.created_at)
        except ScheduleError as exc:  # a row edited by hand into something invalid
            log.error("schedule #%d ignored: %s", schedule.id, exc)
            return
        self._scheduler.add_job(
            self._fire,
            trigger=trigger,
            args=[schedule.id],
            id=str(schedule.id),
            name=schedule.describe(),
            next_run_time=due,
        )
        self._jobs[schedule.id] = schedule.definition
        late = (datetime.now(UTC) - due).total_seconds()
        if late > 1:  # not for the few milliseconds between creating a schedule and starting the daemon
            verdict = "runs now" if late <= self.options.misfire_grace_seconds else "skipped (past the misfire grace)"
            missed = f"{due.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"  # APScheduler hands back the cron's own zone
            log.info("%s: missed %s while stopped; %s", schedule.describe(), missed, verdict)
        else:
            log.info("%s: next run %s", schedule.describe(), f"{due.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")

    def _publish_next_runs(self) -> None:
        """Write each job's next fire time for ``schedule list``, only when it changed."""
        assert self._scheduler is not None
        current: dict[int, datetime | None] = {}
        for schedule_id in self._jobs:
            job = self._scheduler.get_job(str(schedule_id))
            current[schedule_id] = job.next_run_time if job is not None else None
        changed = {k: v for k, v in current.items() if self._published.get(k, "unset") != v}
        if changed:
            self.schedules.set_next_runs(changed)
        self._published = current

    # ------------------------------------------------------------------ one fire
    async def _fire(self, schedule_id: int) -> None:
        """The job function: run the schedule as it is stored now, and never let an error escape."""
        if self._stopping:
            return
        schedule = self.schedules.get(schedule_id)
        if schedule is None or schedule.paused:
            return  # removed or paused since the last reload; the next reload drops the job
        task = asyncio.current_task()
        assert task is not None
        self._active.add(task)
        outcome: FireOutcome
        try:
            outcome = await self.runner.fire(schedule)
        except asyncio.CancelledError:
            # Cancelled by our own shutdown: the engine has recorded the run as interrupted.
            log.warning("%s: interrupted by shutdown", schedule.describe())
            outcome = FireOutcome(schedule.id, schedule.tenant, "interrupted")
        except Exception as exc:
            log.exception("%s: failed", schedule.describe())
            outcome = FireOutcome(schedule.id, schedule.tenant, "error", error=f"{type(exc).__name__}: {exc}")
            try:
                self.schedules.record_fire(schedule.id, status="error", problem=outcome.error)
            except Exception:
                log.exception("could not record the failure of %s", schedule.describe())
        finally:
            self._active.discard(task)
        try:
            self._publish_next_runs()
        except Exception:
            log.exception("could not publish next run times")
        if self.on_fire_done is not None:
            self.on_fire_done(outcome)

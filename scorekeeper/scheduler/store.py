"""Schedules and expired-exception notices in the history database.

They live beside the runs they produce (tables ``schedules`` and ``exception_notices``, created
by migration 0002), so that a schedule survives restarts, the CLI and the daemon share them
through the same file, and a schedule's last run is a foreign key into history.

Transactions are the history store's own (``HistoryStore._read``/``_write``): one short
transaction per call, write lock taken up front, nothing held across an ``await``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from scorekeeper.scheduler.spec import Schedule, ScheduleError, build_trigger
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import ExceptionNoticeRow, RunRow, ScheduleRow

if TYPE_CHECKING:
    from scorekeeper.store.history import HistoryStore


def _now() -> datetime:
    return datetime.now(UTC)


def _schedule(row: ScheduleRow) -> Schedule:
    assert row.id is not None
    return Schedule(
        id=row.id,
        tenant=row.tenant,
        control=row.control,
        cron=row.cron,
        interval_seconds=row.interval_seconds,
        timezone=row.timezone,
        remediate=row.remediate,
        paused=row.paused,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_run_id=row.last_run_id,
        last_run_at=row.last_run_at,
        last_status=row.last_status,
        last_problem=row.last_problem,
        next_run_at=row.next_run_at,
    )


def _missing(schedule_id: int) -> str:
    return f"no schedule {schedule_id} (see `scorekeeper schedule list`)"


class ScheduleStore:
    """CRUD for schedules plus the daemon's bookkeeping; wraps an open :class:`HistoryStore`."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history

    # ------------------------------------------------------------------ definitions
    def add(
        self,
        tenant: str,
        *,
        control: str | None = None,
        cron: str | None = None,
        interval_seconds: float | None = None,
        timezone: str = "UTC",
        remediate: bool = False,
        now: datetime | None = None,
    ) -> Schedule:
        """Store a new schedule (validated here too) and return it with its id.

        ``now`` is the creation time, from which an interval counts; tests pass a past time.
        """
        if not tenant:
            raise ScheduleError("a schedule needs a tenant")
        build_trigger(cron, interval_seconds, timezone)
        at = now or _now()
        row = ScheduleRow(
            tenant=tenant,
            control=control or None,
            cron=" ".join(cron.split()) if cron else None,
            interval_seconds=float(interval_seconds) if interval_seconds is not None else None,
            timezone=timezone,
            remediate=remediate,
            paused=False,
            created_at=at,
            updated_at=at,
        )
        with self.history._write() as session:
            session.add(row)
            session.flush()
            return _schedule(row)

    def get(self, schedule_id: int) -> Schedule | None:
        with self.history._read() as session:
            row = session.get(ScheduleRow, schedule_id)
            return _schedule(row) if row is not None else None

    def list(self, tenant: str | None = None) -> list[Schedule]:
        """Every schedule, oldest first."""
        query = select(ScheduleRow).order_by(ScheduleRow.id)
        if tenant is not None:
            query = query.where(ScheduleRow.tenant == tenant)
        with self.history._read() as session:
            return [_schedule(r) for r in session.execute(query).scalars()]

    def remove(self, schedule_id: int) -> Schedule:
        """Delete a schedule (its runs stay in history); :class:`StoreError` when there is none."""
        with self.history._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise StoreError(_missing(schedule_id))
            schedule = _schedule(row)
            session.execute(delete(ScheduleRow).where(ScheduleRow.id == schedule_id))
            return schedule

    def set_paused(self, schedule_id: int, paused: bool) -> Schedule:
        """Pause or resume a schedule; a running daemon notices at its next reload."""
        with self.history._write() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None:
                raise StoreError(_missing(schedule_id))
            if row.paused != paused:
                row.paused = paused
                row.updated_at = _now()
            session.flush()
            return _schedule(row)

    # ------------------------------------------------------------------ the daemon's bookkeeping
    def record_fire(
        self, schedule_id: int, *, status: str, run_id: int | None = None, problem: str = "", at: datetime | None = None
    ) -> None:
        """Note how a fire ended; a schedule removed meanwhile is silently skipped."""
        with self.history._write() as session:
            if run_id is not None and session.get(RunRow, run_id) is None:
                run_id = None
            session.execute(
                update(ScheduleRow)
                .where(ScheduleRow.id == schedule_id)
                .values(last_run_id=run_id, last_run_at=at or _now(), last_status=status, last_problem=problem)
            )

    def set_next_runs(self, next_runs: dict[int, datetime | None]) -> None:
        """Publish when each schedule will fire next (for ``schedule list``), in one transaction."""
        if not next_runs:
            return
        with self.history._write() as session:
            for schedule_id, at in next_runs.items():
                session.execute(update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(next_run_at=at))

    # ------------------------------------------------------------------ expired exceptions
    def claim_exception_notice(self, tenant: str, control: str, setting: str, expires: date) -> bool:
        """Record that this expiry is being notified; ``False`` when it already was (notify once)."""
        key = (tenant, control, setting, expires.isoformat())
        with self.history._write() as session:
            seen = session.execute(
                select(ExceptionNoticeRow.id).where(
                    ExceptionNoticeRow.tenant == key[0],
                    ExceptionNoticeRow.control == key[1],
                    ExceptionNoticeRow.setting == key[2],
                    ExceptionNoticeRow.expires == key[3],
                )
            ).first()
            if seen is not None:
                return False
            session.add(
                ExceptionNoticeRow(tenant=tenant, control=control, setting=setting, expires=key[3], notified_at=_now())
            )
            return True

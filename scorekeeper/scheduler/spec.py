"""What a schedule is, and the checks that turn a user's ``--cron``/``--interval`` into one.

Validation lives here, apart from the CLI and the daemon, so that ``schedule add`` refuses a bad
expression with one line and the daemon can rebuild exactly the same trigger from a stored row.

Crontab day-of-week numbers follow cron (``0`` and ``7`` are Sunday). APScheduler 3 counts
``0`` as Monday in :meth:`CronTrigger.from_crontab`, a known mismatch it kept for
compatibility, so the day-of-week field is translated to day names before APScheduler sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scorekeeper.errors import (
    ScheduleError,  # defined in the one error tree
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

#: The shortest and longest interval ``schedule add --interval`` accepts, in seconds (the store and
#: daemon take any positive interval, which is what lets the tests run fires a fraction of a second apart).
MIN_INTERVAL_SECONDS = 1
MAX_INTERVAL_SECONDS = 366 * 24 * 3600

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")




@dataclass(frozen=True)
class Schedule:
    """One stored schedule, as the CLI lists it and the daemon runs it."""

    id: int
    tenant: str
    control: str | None
    cron: str | None
    interval_seconds: float | None
    timezone: str
    remediate: bool
    paused: bool
    created_at: datetime
    updated_at: datetime
    last_run_id: int | None = None
    last_run_at: datetime | None = None
    last_status: str = ""
    last_problem: str = ""
    next_run_at: datetime | None = None

    @property
    def definition(self) -> tuple[Any, ...]:
        """What decides the job; the daemon rebuilds a job only when this changes."""
        return (self.tenant, self.control, self.cron, self.interval_seconds, self.timezone, self.remediate)

    @property
    def when(self) -> str:
        """``every 3600 s`` or ``cron '0 6 * * 1-5' (Europe/Berlin)``."""
        if self.cron is not None:
            return f"cron '{self.cron}' ({self.timezone})"
        seconds = self.interval_seconds or 0
        return f"every {seconds:g} s"

    def describe(self) -> str:
        """One line for logs and messages: ``#3 assess+remediate contoso/SSPR every 3600 s``."""
        action = "assess+remediate" if self.remediate else "assess"
        target = f"{self.tenant}/{self.control}" if self.control else f"{self.tenant} (all controls)"
        return f"#{self.id} {action} {target} {self.when}"

    def trigger(self) -> BaseTrigger:
        """The APScheduler trigger for this schedule (validated again: a row may be edited by hand)."""
        return build_trigger(self.cron, self.interval_seconds, self.timezone, anchor=self.created_at)

    def first_fire_after(self, anchor: datetime) -> datetime:
        """When this schedule is next due after ``anchor`` (its last run, or its creation).

        The result may lie in the past when the daemon was down at that moment; the daemon then
        hands it to APScheduler, whose misfire grace time decides between running it late and
        skipping it.
        """
        if self.interval_seconds is not None:
            return anchor + timedelta(seconds=self.interval_seconds)
        fire = self.trigger().get_next_fire_time(None, anchor)
        if fire is None:  # pragma: no cover - a validated crontab always has a next time
            raise ScheduleError(f"schedule {self.id}: cron '{self.cron}' never fires again")
        return fire

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "tenant": self.tenant,
            "control": self.control,
            "cron": self.cron,
            "interval_seconds": self.interval_seconds,
            "timezone": self.timezone,
            "remediate": self.remediate,
            "paused": self.paused,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "last_run_id": self.last_run_id,
            "last_run_at": iso(self.last_run_at),
            "last_status": self.last_status,
            "last_problem": self.last_problem,
            "next_run_at": iso(self.next_run_at),
        }


def check_timezone(name: str) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as ``Europe/Berlin`` or ``UTC``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}; use an IANA name such as UTC or Europe/Berlin") from None


def check_interval(seconds: float) -> float:
    if not 0 < seconds <= MAX_INTERVAL_SECONDS:
        raise ScheduleError(
            f"--interval must be more than 0 and at most {MAX_INTERVAL_SECONDS} seconds, not {seconds:g}"
        )
    return seconds


def _day(token: str, expr: str) -> int:
    """A crontab day-of-week value (0-7 or sun..sat) as 0 (Sunday) to 6 (Saturday)."""
    lowered = token.lower()
    if lowered in _CRON_DAYS:
        return _CRON_DAYS.index(lowered)
    if lowered.isdigit() and 0 <= int(lowered) <= 7:
        return int(lowered) % 7
    raise ScheduleError(f"cron '{expr}': day of week {token!r} is not 0-7 or sun..sat")


def translate_day_of_week(field: str, expr: str) -> str:
    """Rewrite a crontab day-of-week field (``1-5``, ``0,6``, ``*/2``, ``mon-fri``) as APScheduler day names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"cron '{expr}': day-of-week step {step_text!r} is not a positive number")
            step = int(step_text)
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            low, _, high = body.partition("-")
            first, last = _day(low, expr), _day(high, expr)
            if high.strip() == "7":
                last = 7  # 1-7 means Monday to Sunday
            if first > last:
                raise ScheduleError(f"cron '{expr}': day-of-week range {body!r} runs backwards")
        else:
            first = last = _day(body, expr)
            if step_text:
                last = 6
        days.update(d % 7 for d in range(first, last + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(_CRON_DAYS[d] for d in sorted(days))


def build_trigger(
    cron: str | None, interval_seconds: float | None, timezone: str = "UTC", *, anchor: datetime | None = None
) -> BaseTrigger:
    """An APScheduler 3 trigger for a crontab line or an interval; :class:`ScheduleError` if invalid.

    ``anchor`` is when an interval starts counting (the schedule's creation), so every daemon
    rebuilds the same series of fire times for the same row.
    """
    if (cron is None) == (interval_seconds is None):
        raise ScheduleError("give exactly one of --cron EXPR and --interval SECONDS")
    zone = check_timezone(timezone)
    if interval_seconds is not None:
        from apscheduler.triggers.interval import IntervalTrigger

        seconds = check_interval(interval_seconds)
        start = (anchor + timedelta(seconds=seconds)) if anchor else None
        return IntervalTrigger(seconds=seconds, start_date=start, timezone=zone)
    from apscheduler.triggers.cron import CronTrigger

    assert cron is not None
    fields = cron.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron '{cron}' has {len(fields)} field(s); expected 5: minute hour day-of-month month day-of-week"
        )
    minute, hour, day, month, weekday = fields
    try:
        trigger = CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=translate_day_of_week(weekday, cron),
            timezone=zone,
        )
    except ScheduleError:
        raise
    except ValueError as exc:
        raise ScheduleError(f"cron '{cron}': {exc}") from None
    probe = datetime.now(zone)
    if trigger.get_next_fire_time(None, probe) is None:  # 31 February and the like
        raise ScheduleError(f"cron '{cron}' never fires")
    return trigger

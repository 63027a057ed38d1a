"""Schedule definitions: crontab lines as cron means them, one-line errors, and the stored rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from scorekeeper.scheduler.spec import ScheduleError, build_trigger, translate_day_of_week
from scorekeeper.store import StoreError

MONDAY = datetime(2025, 12, 1, 0, 0, tzinfo=UTC)


def next_fires(cron: str, n: int = 3, tz: str = "UTC") -> list[datetime]:
    trigger = build_trigger(cron, None, tz)
    fires, previous, now = [], None, MONDAY
    for _ in range(n):
        previous = trigger.get_next_fire_time(previous, now)
        fires.append(previous)
        now = previous + timedelta(seconds=1)
    return fires


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("1-7", "*"),
        ("0,6", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("mon-wed,FRI", "mon,tue,wed,fri"),
        ("*", "*"),
    ],
)
def test_day_of_week_follows_cron_not_apscheduler(field: str, expected: str) -> None:
    assert translate_day_of_week(field, f"0 0 * * {field}") == expected


def test_sunday_is_zero_as_in_cron() -> None:
    assert [d.strftime("%a %H:%M") for d in next_fires("30 6 * * 0", 2)] == ["Sun 06:30", "Sun 06:30"]
    assert [d.weekday() for d in next_fires("0 9 * * 1-5", 6)] == [0, 1, 2, 3, 4, 0]


def test_cron_uses_its_time_zone() -> None:
    [fire] = next_fires("0 6 * * *", 1, tz="Europe/Berlin")
    assert fire.astimezone(UTC).hour == 5  # 06:00 in Berlin is 05:00 UTC in December


@pytest.mark.parametrize(
    ("cron", "interval", "tz", "message"),
    [
        ("* * *", None, "UTC", "cron '* * *' has 3 field(s); expected 5"),
        ("61 * * * *", None, "UTC", "the last value (61) is higher than the maximum value (59)"),
        ("0 0 * * 8", None, "UTC", "day of week '8' is not 0-7 or sun..sat"),
        ("0 0 * * 5-1", None, "UTC", "day-of-week range '5-1' runs backwards"),
        ("0 0 31 2 *", None, "UTC", "cron '0 0 31 2 *' never fires"),
        ("0 0 * * *", None, "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        (None, 0, "UTC", "--interval must be more than 0"),
        (None, None, "UTC", "give exactly one of --cron EXPR and --interval SECONDS"),
        ("0 0 * * *", 60, "UTC", "give exactly one of --cron EXPR and --interval SECONDS"),
    ],
)
def test_bad_definitions_are_one_line_errors(cron: str | None, interval: float | None, tz: str, message: str) -> None:
    with pytest.raises(ScheduleError) as bad:
        build_trigger(cron, interval, tz)
    assert message in str(bad.value) and "\n" not in str(bad.value)


def test_store_round_trip_pause_resume_remove(harness) -> None:
    made = harness.schedules.add(
        "t1", control="ToyControl", cron="0  6 * * 1-5", timezone="Europe/Berlin", remediate=True
    )
    assert made.cron == "0 6 * * 1-5"  # whitespace normalised
    assert made.describe() == f"#{made.id} assess+remediate t1/ToyControl cron '0 6 * * 1-5' (Europe/Berlin)"
    other = harness.schedules.add("t2", interval_seconds=3600)
    assert other.describe() == f"#{other.id} assess t2 (all controls) every 3600 s"
    assert [s.id for s in harness.schedules.list()] == [made.id, other.id]
    assert [s.id for s in harness.schedules.list("t2")] == [other.id]

    assert harness.schedules.set_paused(made.id, True).paused
    assert harness.schedules.get(made.id).definition == made.definition  # pausing is not a new definition
    assert not harness.schedules.set_paused(made.id, False).paused
    assert harness.schedules.remove(other.id).id == other.id
    assert harness.schedules.get(other.id) is None
    with pytest.raises(StoreError, match=f"no schedule {other.id}"):
        harness.schedules.remove(other.id)
    with pytest.raises(StoreError, match="no schedule 999"):
        harness.schedules.set_paused(999, True)
    with pytest.raises(ScheduleError):
        harness.schedules.add("t1", cron="not a cron at all")


def test_interval_first_fire_counts_from_creation_or_last_run(harness) -> None:
    created = datetime(2025, 1, 1, tzinfo=UTC)
    made = harness.schedules.add("t1", interval_seconds=600, now=created)
    assert made.first_fire_after(made.created_at) == created + timedelta(minutes=10)
    harness.engine()  # tenant rows exist once a run is recorded
    run_id = harness.store.start_run("t1", "assess", controls=[], scheduled=True)
    harness.schedules.record_fire(
        made.id, status="completed", run_id=run_id, problem="x", at=created + timedelta(hours=1)
    )
    stored = harness.schedules.get(made.id)
    assert (stored.last_run_id, stored.last_status, stored.last_problem) == (run_id, "completed", "x")
    assert stored.first_fire_after(stored.last_run_at) == created + timedelta(hours=1, minutes=10)


def test_an_exception_expiry_is_claimed_once_per_tenant_and_date(harness) -> None:
    claim = harness.schedules.claim_exception_notice
    assert claim("t1", "C", "s", date(2025, 1, 1)) is True
    assert claim("t1", "C", "s", date(2025, 1, 1)) is False
    assert claim("t2", "C", "s", date(2025, 1, 1)) is True
    assert claim("t1", "C", "s", date(2026, 1, 1)) is True  # renewed, then expired again

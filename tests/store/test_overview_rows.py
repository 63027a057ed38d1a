"""The overview takes rows from the driver untyped: what it makes of them is what a typed read gives.

``overview.py`` reads its one statement through a binary psycopg cursor on PostgreSQL and as
sqlite3 hands rows over on SQLite, converting the run time by the rule of the store's
``UTCDateTime`` column and the packed trend by ``summary.reported``. ``test_summary.py`` compares
whole overviews with history recomputed in plain Python; these tests pin the conversions where a
shortcut could differ: a session in another time zone, NaN gaps and infinities in a trend.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.overview import _utc
from scorekeeper.store.summary import pack, reported, unpack


@pytest.mark.parametrize(
    "scores",
    [[], [1.0], [1.0, None, 2.0], [None], [math.inf, -math.inf], [math.inf, None, 1.0], [0.0] * 30, [-0.0, 5.5]],
)
def test_reported_scores_are_the_unpacked_ones_without_gaps(scores: list[float | None]) -> None:
    assert reported(pack(scores)) == [s for s in unpack(pack(scores)) if s is not None]


def test_a_run_time_becomes_aware_utc_from_every_shape_a_driver_gives() -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    india = timezone(timedelta(hours=5, minutes=30))
    for raw in ("2026-03-04 05:06:07.890123", at.replace(tzinfo=None), at.astimezone(india), at):
        converted = _utc(raw)
        assert converted == at and converted is not None and converted.tzinfo is UTC
    assert _utc(None) is None


def test_the_overview_is_the_same_whatever_the_session_time_zone(store: HistoryStore) -> None:
    url = store._engine.url
    if url.get_backend_name() != "postgresql":
        pytest.skip("SQLite keeps naive UTC text; the session time zone is PostgreSQL's")
    for day in range(3):
        run_id = store.start_run("t", "assess", controls=["A"])
        finding = Finding("A", "s", Status.PASS if day else Status.FAIL)
        store.record_run(run_id, [ControlResult("A", "A", (finding,), score=SecureScore("A", day, 5.0))])
    kolkata = url.update_query_dict({"options": "-c timezone=Asia/Kolkata"})
    elsewhere = HistoryStore.open(kolkata.render_as_string(hide_password=False))
    try:
        with elsewhere._read() as session:  # the option took: the server now speaks Indian time
            assert session.connection().exec_driver_sql("SHOW timezone").scalar() == "Asia/Kolkata"
        here, there = store.overview(), elsewhere.overview()
    finally:
        elsewhere.close()
    assert there == here  # aware datetimes compare by instant: the zone is checked apart
    assert [c.last_run_at.tzinfo for c in there] == [UTC] == [c.last_run_at.tzinfo for c in here]  # type: ignore[union-attr]
    assert here[0].trend == [0.0, 1.0, 2.0]

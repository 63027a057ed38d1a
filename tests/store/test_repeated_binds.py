"""``Prepared(..., repeated=...)``: a recurring value's processed form is reused, and stores exactly alike.

A first assessment imports up to 90 days per tenant, the same dates for every tenant of a fleet;
their timestamps go through ``UTCDateTime``'s processors once per distinct value instead of once
per row. The driver must receive, and the database keep, what it did without the memory.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import SQLModel

from scorekeeper.store import HistoryStore
from scorekeeper.store.prepared import OBSERVERS, Prepared
from scorekeeper.store.tables import TenantScoreRow

SCORES = SQLModel.metadata.tables[TenantScoreRow.__tablename__]
COLUMNS = tuple(c.key for c in SCORES.columns if c.key != "id")
INDIA = timezone(timedelta(hours=5, minutes=30))


def _rows(tenant: str) -> list[dict[str, Any]]:
    """Ten days whose scored_at repeat (the same instant written in two zones) and one recorded_at."""
    now = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
    days = [datetime(2026, 12, d % 5 + 1, tzinfo=UTC) for d in range(10)]
    days[7] = days[2].astimezone(INDIA)  # equal instant, other zone: one stored time
    return [
        {
            "tenant": tenant,
            "run_id": None,
            "source": "imported",
            "scored_at": day,
            "recorded_at": now,
            "current_score": float(i),
            "max_score": 50.0,
            "comparisons": [{"basis": "AllTenants", "averageScore": float(i % 2)}],  # unhashable: every row
            "profiles_id": None,
            "controls_id": None,
        }
        for i, day in enumerate(days)
    ]


def _stored(store: HistoryStore, tenant: str) -> list[tuple[Any, ...]]:
    query = text(
        "SELECT source, CAST(scored_at AS TEXT), CAST(recorded_at AS TEXT), current_score, CAST(comparisons AS TEXT) "
        "FROM tenant_scores WHERE tenant = :t ORDER BY id"
    )
    with store._engine.connect() as connection:
        return [tuple(r) for r in connection.execute(query, {"t": tenant})]


def test_repeated_values_are_processed_once_and_stored_alike(store: HistoryStore) -> None:
    plain = Prepared(insert(SCORES), columns=COLUMNS)
    remembering = Prepared(insert(SCORES), columns=COLUMNS, repeated=("scored_at", "recorded_at"))
    sent: list[Any] = []
    with store._write() as session:
        for name in ("plain", "remembering"):
            store._ensure_tenant(session, name)
    OBSERVERS.append(lambda sql, parameters, many: sent.append(parameters))
    try:
        with store._write_engine.begin() as connection:
            plain.executemany(connection, _rows("plain"))
            remembering.executemany(connection, _rows("remembering"))
    finally:
        OBSERVERS.pop()
    first, second = sent
    at = [COLUMNS.index("scored_at"), COLUMNS.index("recorded_at")]

    def times(rows: Any) -> list[Any]:  # as the driver got them (its JSON wrapper has no value equality)
        values = [list(r.values()) if isinstance(r, dict) else list(r) for r in rows]
        return [[v[i] for i in at] for v in values]

    assert times(first) == times(second), "the driver got the same times"
    assert _stored(store, "plain") == _stored(store, "remembering")
    stored = _stored(store, "remembering")
    assert stored[7][1] == stored[2][1], "an equal instant in another zone is one stored time"


def test_a_naive_time_is_still_refused(store: HistoryStore) -> None:
    remembering = Prepared(insert(SCORES), columns=COLUMNS, repeated=("scored_at",))
    with store._write() as session:
        store._ensure_tenant(session, "t")
    rows = _rows("t")
    rows[3]["scored_at"] = datetime(2026, 12, 1)  # naive: equal to no aware key, never remembered
    try:
        with store._write_engine.begin() as connection:
            remembering.executemany(connection, rows)
    except Exception as exc:  # StoreError or the processor's ValueError, wrapped by SQLAlchemy
        assert "naive datetime" in str(exc)
    else:
        raise AssertionError("a naive datetime was stored")


def test_each_distinct_value_is_processed_once() -> None:
    from scorekeeper.store.prepared import _remembering

    calls: list[Any] = []

    def process(value: Any) -> Any:
        calls.append(value)
        return repr(value)

    remembered = _remembering(process)
    days = [datetime(2026, 12, d % 3 + 1, tzinfo=UTC) for d in range(9)]
    assert [remembered(d) for d in days] == [repr(d) for d in days]
    assert len(calls) == 3, "three distinct days, three processor calls"
    assert remembered([1]) == "[1]" and remembered([1]) == "[1]" and len(calls) == 5, "unhashable: every time"

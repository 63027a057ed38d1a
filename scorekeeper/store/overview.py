"""The dashboard query: every tenant × control in one statement that reads one row per pair.

The TUI's first screen and ``scorekeeper status`` show this for every tenant, so it must stay
fast as history grows. Each ``latest_results`` row points at its pair's newest assessment and
carries the pair's summary — finding counts of that assessment, the last :data:`TREND_POINTS`
scores and the newest one — kept up to date by the writes themselves (``summary.py``). One
statement reads the pointers with their summaries, joined to their runs for the run's time, and
counts the drift events recorded against each pointed-at run (a correlated count: one index
seek per pair).

Nothing here reads findings or score snapshots; the cost follows the number of pairs only
(2,000 rows at 1,000 tenants × 2 controls, however many runs are kept). At that size most of
the time went to the client turning rows into Python values, not to the database, so the
statement is compiled once per backend and its rows are taken from the driver as they come:
on PostgreSQL through a binary-format psycopg cursor (no text to parse for timestamps and the
packed ``trend`` bytea), on SQLite as sqlite3 hands them over; the run time gets the rule of the
store's ``UTCDateTime`` column (``_utc``), so values are exactly what a typed read gives.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Dialect, Text, cast, func, select
from sqlalchemy.orm import Session

from scorekeeper.store.records import TenantOverview, empty_counts
from scorekeeper.store.summary import reported
from scorekeeper.store.tables import ASSESSING_KINDS, DriftEventRow, LatestResultRow, RunRow

__all__ = ["ASSESSING_KINDS", "build_overview"]


def _utc(value: datetime | str | None) -> datetime | None:
    """A run time as the store's ``UTCDateTime`` column reads it (``tables.py``), from the driver's raw value.

    sqlite3 hands over SQLAlchemy's stored text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC),
    psycopg an aware datetime in the session's time zone; both become aware UTC.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def _sql(dialect: Dialect) -> str:
    """The overview's statement as this backend's SQL, compiled once (it has no parameters)."""
    latest = LatestResultRow.__table__.c
    drift = DriftEventRow.__table__.c
    drifted = (
        select(func.count()).where(drift.run_id == latest.run_id, drift.control == latest.control).scalar_subquery()
    )
    statement = (
        select(
            latest.tenant,
            latest.control,
            latest.run_id,
            cast(latest.counts, Text),
            latest.trend,
            latest.score,
            latest.max_score,
            func.coalesce(RunRow.finished_at, RunRow.started_at),
            drifted,
        )
        .join(RunRow, RunRow.id == latest.run_id)
        .order_by(latest.tenant, latest.control)
    )
    return str(statement.compile(dialect=dialect))


def _rows(session: Session) -> list[Any]:
    """The statement's rows as the driver gives them (see the module docstring)."""
    connection = session.connection()
    sql = _sql(connection.dialect)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":  # psycopg 3's binary rows
        driver = connection.connection.driver_connection
        with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
            cursor.execute(sql)
            return cursor.fetchall()
    return list(connection.exec_driver_sql(sql))  # SQLite, or another driver: its own values, converted the same way


def build_overview(session: Session) -> list[TenantOverview]:
    rows = _rows(session)
    zero = empty_counts()
    counts_of: dict[str, dict[str, int]] = {}  # few distinct count sets in a fleet: parse each once
    cells = []
    for tenant, control, run_id, counts, trend, score, max_score, at, drift in rows:
        if counts not in counts_of:
            counts_of[counts] = {**zero, **json.loads(counts)}
        cells.append(
            TenantOverview(
                tenant=tenant,
                control=control,
                score=score,
                max_score=max_score,
                counts=dict(counts_of[counts]),
                last_run_id=run_id,
                last_run_at=_utc(at),
                trend=reported(trend),
                drift=drift,
            )
        )
    return cells

"""``store/prepared.py``: statements sent to the driver store exactly what SQLAlchemy would store.

The write path binds values through each column type's own processors; these tests hold it to
SQLAlchemy's own execution on both backends (stored forms compared as the database keeps them),
and check the parts that are its own: ``IN`` lists, constants, and the refusal of an insert that
would need a Python-side default.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from scorekeeper.store import HistoryStore, StoreError
from scorekeeper.store.prepared import OBSERVERS, Prepared
from scorekeeper.store.tables import ChangeRow, RunRow

CHANGES = SQLModel.metadata.tables[ChangeRow.__tablename__]
RUNS = SQLModel.metadata.tables[RunRow.__tablename__]
COLUMNS = tuple(c.key for c in CHANGES.columns if c.key != "id")


def _change(run_id: int, **over: Any) -> dict[str, Any]:
    at = datetime(2026, 12, 7, 23, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))  # stored as UTC
    values = {
        "run_id": run_id,
        "control": "C",
        "setting": "s",
        "before": None,  # JSON null, not SQL NULL
        "after": {"a": [1, 2.5, "x"], "b": True},
        "outcome": "applied",
        "resource": {},
        "created": False,
        "error": "",
        "started_at": at,
        "finished_at": None,
        "rolled_back_by_run_id": None,
    }
    return values | over


def _stored(store: HistoryStore, change_id: int) -> tuple[Any, ...]:
    """A changes row as the database keeps it (JSON as text, timestamps as the backend stores them)."""
    cast = "CAST({} AS TEXT)"
    columns = ", ".join(cast.format(c) if c in ("before", "after", "resource") else c for c in COLUMNS)
    with store._engine.connect() as connection:
        row = connection.execute(text(f"SELECT {columns} FROM changes WHERE id = :i"), {"i": change_id}).one()
    return tuple(row)


def test_a_prepared_insert_stores_what_sqlalchemy_stores(store: HistoryStore) -> None:
    run_id = store.start_run("t", "remediate", controls=["C"])
    prepared = Prepared(insert(CHANGES).returning(CHANGES.c.id), columns=COLUMNS)
    rows = [_change(run_id), _change(run_id, before={"x": None}, created=True, finished_at=datetime.now(UTC))]
    with store._write_engine.begin() as connection:
        ours = [prepared.execute(connection, row).fetchall()[0][0] for row in rows]
        theirs = [connection.execute(insert(CHANGES).returning(CHANGES.c.id), row).scalar_one() for row in rows]
    for mine, sqlalchemy in zip(ours, theirs, strict=True):
        assert _stored(store, mine) == _stored(store, sqlalchemy)
    with store._engine.connect() as connection:
        nulls = connection.execute(text("SELECT count(*) FROM changes WHERE before IS NULL")).scalar()
    assert nulls == 0, "None in a JSON column is JSON's null, as SQLAlchemy stores it"


def test_reads_come_back_typed_as_sqlalchemy_reads_them(store: HistoryStore) -> None:
    run_id = store.start_run("t", "assess", controls=["A", "B"])
    query = select(RUNS.c.id, RUNS.c.started_at, RUNS.c.controls, RUNS.c.scheduled).where(
        RUNS.c.id.in_(bindparam("ids", expanding=True)), RUNS.c.kind.in_(["assess", "plan"])
    )
    prepared = Prepared(query)
    with store._engine.connect() as connection:
        for ids in ([run_id], [run_id, 999, 998], []):  # one compiled form per length of the caller's list
            expected = [tuple(r) for r in connection.execute(query, {"ids": ids})]
            assert prepared.rows(connection, {"ids": ids}) == expected
    with store._engine.connect() as connection:
        (found,) = prepared.rows(connection, {"ids": [run_id]})
    assert found[1].tzinfo is UTC and found[2] == ["A", "B"] and found[3] is False


def test_an_insert_that_would_need_a_python_default_is_refused(store: HistoryStore) -> None:
    partial = Prepared(insert(CHANGES), columns=[c for c in COLUMNS if c != "created"])
    with store._write_engine.begin() as connection, pytest.raises(TypeError, match="created"):
        partial.execute(connection, _change(1))


def test_driver_errors_are_sqlalchemy_errors_and_a_write_fails_as_a_store_error(store: HistoryStore) -> None:
    prepared = Prepared(insert(CHANGES), columns=COLUMNS)
    with store._write_engine.begin() as connection, pytest.raises(DBAPIError):
        prepared.execute(connection, _change(123456))  # no such run: the foreign key refuses it
    with pytest.raises(StoreError, match="history database write failed"), store._write_connection() as connection:
        prepared.execute(connection, _change(123456))


def test_observers_see_each_statement_sent(store: HistoryStore) -> None:
    seen: list[tuple[str, bool]] = []

    def note(statement: str, parameters: Any, many: bool) -> None:
        seen.append((statement.split()[0], many))

    OBSERVERS.append(note)
    try:
        store.start_run("t", "assess", controls=["C"])
    finally:
        OBSERVERS.remove(note)
    assert ("INSERT", False) in seen

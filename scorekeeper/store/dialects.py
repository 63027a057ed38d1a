"""What the write path needs to know of the backend, asked one way for a session or a connection."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def dialect_name(executor: Session | Connection) -> str:
    """The backend's name (``sqlite``, ``postgresql``) of a session or a connection."""
    if isinstance(executor, Connection):
        return executor.dialect.name
    return executor.get_bind().dialect.name


@cache
def insert_ignoring_duplicates(table: Table, dialect: str) -> Insert:
    """An insert into a content-addressed ``table`` that skips a ``digest`` already stored.

    Two writers storing the same new value at once both succeed (PostgreSQL; SQLite serialises
    writers). Built once per table and backend.
    """
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=["digest"])
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=["digest"])
    return insert(table)


@cache
def _id_by_digest(table: Table) -> Select[Any]:
    return select(table.c.id).where(table.c.digest == bindparam("digest"))


def content_id(executor: Session | Connection, table: Table, digest: str, values: Callable[[], dict[str, Any]]) -> int:
    """The id of ``table``'s row for ``digest``, inserting ``values()`` with it the first time it is seen.

    ``values`` is called only when the row is new. The insert skips a digest another writer
    stored meanwhile (:func:`insert_ignoring_duplicates`), so the second lookup always finds it.
    """
    lookup = _id_by_digest(table)
    found = executor.execute(lookup, {"digest": digest}).scalar()
    if found is not None:
        return int(found)
    executor.execute(insert_ignoring_duplicates(table, dialect_name(executor)), {"digest": digest, **values()})
    return int(executor.execute(lookup, {"digest": digest}).scalar_one())

"""What the write path needs to know of the backend, asked one way for a session or a connection."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Connection, Table, insert
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

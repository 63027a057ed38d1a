"""The base of every part of ``HistoryStore``: its engines, its two kinds of transaction, its clock.

The store is split by what it keeps (runs, changes, attestations, scores, drift: one mixin each,
``HistoryStore`` in ``history.py`` joins them), but each part opens its transactions the same way,
so that several processes can share one SQLite file: a write takes the write lock up front
(``BEGIN IMMEDIATE``, see ``db.py``) and releases it at commit; a read is a snapshot that never
blocks writers (WAL). Nothing holds a transaction open across an ``await`` or a network call.
Every part also stamps rows with the same clock and creates a tenant's row on first sight, so
those live here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Result, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlmodel import col

from scorekeeper.domain.actor import local_actor
from scorekeeper.store import db
from scorekeeper.store.heartbeat import Heartbeat
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import TenantRow

__all__ = ["Transactions", "rowcount"]


class Transactions:
    """The engines and transactions each store method runs in; the mixins of ``HistoryStore`` build on it."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already at head (``HistoryStore.open`` migrates first)."""
        self._engine = engine
        self._write_engine = engine.execution_options(**{db.WRITE_OPTION: True})
        self._os_user = local_actor().os_user
        # Tenants whose row this store has seen committed: rows are never deleted, so start_run
        # need not look a known tenant up again (one statement fewer per assessed tenant).
        self._known_tenants: set[str] = set()
        self.heartbeat = Heartbeat(self._write)

    def _clock(self) -> datetime:
        """The time rows are stamped with: one method, so a subclass can swap the clock for every part at once.

        ``HistoryStore`` overrides it to call ``history._now`` at run time, the name tests patch.
        """
        return datetime.now(UTC)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction holding the write lock from its first statement to commit."""
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"history database write failed: {_reason(exc)}") from exc

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        """:meth:`_write` without a session: the write path's statements run on the connection (``prepared.py``).

        A ``Session`` costs CPU to build, begin and commit (its transaction object, event hooks,
        identity map) that a run's few Core statements do not need.
        """
        try:
            with self._write_engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(f"history database write failed: {_reason(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """One read transaction: a consistent snapshot that never blocks writers (WAL)."""
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"history database read failed: {_reason(exc)}") from exc

    def _ensure_tenant(self, session: Session, name: str, tenant_id: str = "") -> None:
        """Create the tenant row on first sight; fill in its directory id once it is known.

        Every row the store keeps names its tenant, so each part calls this inside its own write.
        """
        if not name:
            raise StoreError("a tenant name is required")
        row = session.execute(select(TenantRow).where(col(TenantRow.name) == name)).scalars().first()
        if row is None:
            session.add(TenantRow(name=name, tenant_id=tenant_id, created_at=self._clock()))
            session.flush()
        elif tenant_id and row.tenant_id != tenant_id:
            row.tenant_id = tenant_id


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message (``database is locked``, a constraint name), without the SQL or parameters."""
    orig: Any = getattr(exc, "orig", None)
    return str(orig) if orig is not None else type(exc).__name__


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched, to tell a missing id from a done write.

    ``Session.execute`` is typed to return a plain ``Result``; for DML it is a ``CursorResult``.
    """
    assert isinstance(result, CursorResult)
    return result.rowcount

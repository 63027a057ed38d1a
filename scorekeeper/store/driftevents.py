"""Drift events as the store keeps them: recorded, listed, and detected for a run after the fact.

The rule lives in ``drift.py`` and gathering what it compares in ``driftdetect.py``; this is the
store's side: each entry point one short transaction, and detection idempotent, so a run that
``record_run`` already checked (or an operator who asks twice) never records the same drift again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from scorekeeper.store import convert, driftdetect
from scorekeeper.store.records import DriftEvent, StoreError
from scorekeeper.store.tables import DRIFT_KINDS, DriftEventRow, RunRow
from scorekeeper.store.transactions import Transactions

__all__ = ["DriftHistory"]


class DriftHistory(Transactions):
    """Recording and reading drift events, and detecting a run's drift against the previous assessment."""

    def record_drift(self, event: DriftEvent) -> int:
        """Store one drift event (``at`` defaults to now); returns its id."""
        if event.kind not in DRIFT_KINDS:
            raise StoreError(f"unknown drift kind {event.kind!r}; expected one of {', '.join(DRIFT_KINDS)}")
        with self._write() as session:
            self._ensure_tenant(session, event.tenant)
            row = convert.drift_to_row(event, self._clock())
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def drift_events(self, tenant: str | None = None, limit: int = 100) -> list[DriftEvent]:
        """Drift events newest first, optionally of one tenant."""
        query = select(DriftEventRow).order_by(col(DriftEventRow.at).desc(), col(DriftEventRow.id).desc()).limit(limit)
        if tenant is not None:
            query = query.where(col(DriftEventRow.tenant) == tenant)
        with self._read() as session:
            return [convert.drift_from_row(r) for r in session.execute(query).scalars()]

    def drift_of_runs(self, run_ids: Iterable[int]) -> dict[int, list[DriftEvent]]:
        """The drift each of ``run_ids`` found (runs without drift are left out)."""
        ids = list(run_ids)
        if not ids:
            return {}
        query = select(DriftEventRow).where(col(DriftEventRow.run_id).in_(ids)).order_by(col(DriftEventRow.id))
        found: dict[int, list[DriftEvent]] = {}
        with self._read() as session:
            for row in session.execute(query).scalars():
                found.setdefault(row.run_id, []).append(convert.drift_from_row(row))
        return found

    def detect_drift(self, run_id: int) -> list[DriftEvent]:
        """Compare an assessment with the tenant's previous completed one; record and return the drift.

        Idempotent: when drift was already recorded for ``run_id`` those events are returned and
        nothing new is written. Returns ``[]`` for a run with no earlier assessment to compare with.
        """
        with self._write() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"no run {run_id} in history")
            return self._drift_in(session, run)

    @staticmethod
    def _drift_in(session: Session, run: RunRow) -> list[DriftEvent]:
        """:meth:`detect_drift` inside an open write transaction (the run's facts read back)."""
        assert run.id is not None
        return driftdetect.drift_in(session, run.id, run.tenant)

"""Upkeep an operator asks for: pruning old runs by the retention policy, rebuilding the latest pointers.

Neither is part of a run, and both touch every part of history at once, so they sit apart from
the per-kind mixins. Pruning goes in chunks, one short transaction each (``retention.CHUNK``), so
other writers wait only for a chunk, never for the whole prune.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlmodel import col

from scorekeeper.store import retention, summary
from scorekeeper.store.overview import ASSESSING_KINDS
from scorekeeper.store.records import StoreError
from scorekeeper.store.retention import PruneResult
from scorekeeper.store.tables import ControlResultRow, LatestResultRow, RunRow
from scorekeeper.store.transactions import Transactions

__all__ = ["Upkeep"]


class Upkeep(Transactions):
    """Retention and repair of the derived ``latest_results`` rows."""

    def prune(self, keep_days: int, *, dry_run: bool = False, now: datetime | None = None) -> PruneResult:
        """Delete what the retention policy lets go (see ``retention.py``): runs older than ``keep_days``.

        ``dry_run`` counts without deleting. Runs go in chunks, one short transaction each.
        """
        if keep_days < 1:
            raise StoreError("keep_days must be at least 1")
        cutoff = (now or self._clock()) - timedelta(days=keep_days)
        with self._read() as session:
            ids = retention.prunable_runs(session, cutoff)
            if dry_run:
                return PruneResult(len(ids), retention.count_findings(session, ids), 0, cutoff)
        findings = 0
        for start in range(0, len(ids), retention.CHUNK):
            with self._write() as session:
                findings += retention.delete_runs(session, ids[start : start + retention.CHUNK])
        with self._write() as session:
            bodies = retention.delete_orphan_bodies(session)
        return PruneResult(len(ids), findings, bodies, cutoff)

    def rebuild_latest_results(self) -> int:
        """Recompute every ``latest_results`` pointer and its summary from history (after pruning runs by hand).

        Returns how many tenant × control pairs there are.
        """
        newest = (
            select(col(RunRow.tenant), col(ControlResultRow.control), func.max(col(RunRow.id)))
            .join(RunRow, col(RunRow.id) == col(ControlResultRow.run_id))
            .where(col(RunRow.kind).in_(ASSESSING_KINDS))
            .group_by(col(RunRow.tenant), col(ControlResultRow.control))
        )
        with self._write() as session:
            session.execute(delete(LatestResultRow))
            session.execute(insert(LatestResultRow).from_select(["tenant", "control", "run_id"], newest))
            summary.refresh(session)
            return session.execute(select(func.count()).select_from(LatestResultRow)).scalar_one()

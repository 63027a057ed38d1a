"""Retention: which runs ``scorekeeper history prune`` may delete, and deleting them.

A run is pruned when it finished before the cut-off, is an assessment, plan or verification
(``remediate`` and ``rollback`` runs hold the before-values a rollback needs, so they stay
however old), and is not the newest assessment of any tenant × control (the dashboard's
``latest_results`` points at those; a tenant assessed once a year keeps its last answer).
Everything that belongs to a pruned run goes with it: control results, findings, score
snapshots and the drift it found (a tenant × control whose kept trend loses a point has its
summary recomputed in the same transaction, see ``summary.py``); drift of later runs that
compared against it keeps its detail with ``previous_run_id`` unset. Finding bodies no finding
points at any more are removed. Work is done in chunks of :data:`CHUNK` runs, one transaction
each, so other writers wait only for a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from scorekeeper.store import summary
from scorekeeper.store.tables import (
    ChangeRow,
    ControlResultRow,
    DriftEventRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    ScheduleRow,
    ScoreSnapshotRow,
)

#: Run kinds whose rows may be pruned (remediations and rollbacks are kept for rollback).
PRUNABLE_KINDS = ("assess", "plan", "verify")
CHUNK = 500


@dataclass(frozen=True)
class PruneResult:
    """What a prune removed (or, with ``dry_run``, would remove)."""

    runs: int
    findings: int
    bodies: int
    cutoff: datetime

    def to_dict(self) -> dict[str, object]:
        return {"runs": self.runs, "findings": self.findings, "bodies": self.bodies, "cutoff": self.cutoff.isoformat()}


def prunable_runs(session: Session, cutoff: datetime) -> list[int]:
    """Ids of the runs the policy above lets go, oldest first."""
    kept = select(LatestResultRow.run_id)
    query = (
        select(RunRow.id)
        .where(
            RunRow.kind.in_(PRUNABLE_KINDS),
            RunRow.status != "running",
            RunRow.started_at < cutoff,
            RunRow.id.not_in(kept),
        )
        .order_by(RunRow.id)
    )
    return list(session.execute(query).scalars())


def count_findings(session: Session, run_ids: list[int]) -> int:
    from sqlalchemy import func

    total = 0
    for start in range(0, len(run_ids), CHUNK):
        part = run_ids[start : start + CHUNK]
        total += session.execute(select(func.count()).where(FindingRow.run_id.in_(part))).scalar_one()
    return total


def delete_runs(session: Session, run_ids: list[int]) -> int:
    """Delete ``run_ids`` and what belongs to them (one chunk, in the caller's transaction); return findings removed.

    Pairs whose kept trend loses a point get their summary recomputed in the same transaction.
    """
    stale = summary.refresh_after_delete(session, run_ids)
    removed = session.execute(delete(FindingRow).where(FindingRow.run_id.in_(run_ids))).rowcount or 0
    for table in (ControlResultRow, ScoreSnapshotRow, DriftEventRow, ChangeRow):
        session.execute(delete(table).where(table.run_id.in_(run_ids)))
    session.execute(
        update(DriftEventRow).where(DriftEventRow.previous_run_id.in_(run_ids)).values(previous_run_id=None)
    )
    session.execute(update(RunRow).where(RunRow.parent_run_id.in_(run_ids)).values(parent_run_id=None))
    session.execute(
        update(ChangeRow).where(ChangeRow.rolled_back_by_run_id.in_(run_ids)).values(rolled_back_by_run_id=None)
    )
    session.execute(update(ScheduleRow).where(ScheduleRow.last_run_id.in_(run_ids)).values(last_run_id=None))
    session.execute(delete(RunRow).where(RunRow.id.in_(run_ids)))
    summary.refresh(session, stale)
    return int(removed)


def delete_orphan_bodies(session: Session) -> int:
    """Remove finding bodies that no finding points at (uses ``ix_findings_body_id``)."""
    used = exists().where(FindingRow.body_id == FindingBodyRow.id)
    return int(session.execute(delete(FindingBodyRow).where(~used)).rowcount or 0)

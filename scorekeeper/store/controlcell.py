"""One tenant × control as the TUI's control view shows it, read on its own.

The control view used to read the whole dashboard (``overview()``: every tenant × control, about
2,000 rows at 1,000 tenants) to find one cell, and then the whole run that cell points at (every
control's findings). This reads exactly what the view shows, by primary and unique keys: the
pair's ``latest_results`` pointer with its newest score (``tables.LatestResultRow``), the run's
kind and time, and that one control's title, error, findings, changes and score snapshot in the
run — so its cost is one pair's, whatever the size of the fleet or its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from scorekeeper.domain.model import ControlResult
from scorekeeper.store import convert
from scorekeeper.store.tables import (
    ChangeRow,
    ControlResultRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    ScoreSnapshotRow,
)

__all__ = ["ControlCell", "control_cell"]

_TABLES = SQLModel.metadata.tables  # Core tables: typed columns, and no ORM objects to build
_LATEST = _TABLES[LatestResultRow.__tablename__].c
_RUN_TABLE = _TABLES[RunRow.__tablename__]
_RUNS = _RUN_TABLE.c
_RESULTS = _TABLES[ControlResultRow.__tablename__].c
_FINDING_TABLE = _TABLES[FindingRow.__tablename__]
_FINDINGS = _FINDING_TABLE.c
_BODIES = _TABLES[FindingBodyRow.__tablename__]
_CHANGES = _TABLES[ChangeRow.__tablename__].c
_SCORES = _TABLES[ScoreSnapshotRow.__tablename__].c


@dataclass(frozen=True)
class ControlCell:
    """A tenant × control's newest assessment: which run, its newest score, and the control's result in it.

    ``score``/``max_score`` are the pair's newest reported score, as the dashboard shows it
    (``TenantOverview.score``); ``result`` is the control's own part of the run, as
    ``get_run(run_id)`` would hold it.
    """

    tenant: str
    control: str
    run_id: int
    run_kind: str
    run_started_at: datetime
    score: float | None
    max_score: float | None
    result: ControlResult


def control_cell(session: Session, tenant: str, control: str) -> ControlCell | None:
    """``tenant`` × ``control`` as its newest assessment left it; ``None`` when never assessed."""
    pointer = session.execute(
        select(_LATEST.run_id, _LATEST.score, _LATEST.max_score, _RUNS.kind, _RUNS.started_at)
        .join(_RUN_TABLE, _RUNS.id == _LATEST.run_id)
        .where(_LATEST.tenant == tenant, _LATEST.control == control)
    ).first()
    if pointer is None:
        return None
    run_id, score, max_score, kind, started_at = pointer
    return ControlCell(tenant, control, run_id, kind, started_at, score, max_score, _result(session, run_id, control))


def _result(session: Session, run_id: int, control: str) -> ControlResult:
    """The control's part of run ``run_id``, as ``bulk.runs_by_id`` assembles it for a whole run."""
    head = session.execute(
        select(_RESULTS.title, _RESULTS.error).where(_RESULTS.run_id == run_id, _RESULTS.control == control)
    ).first()
    title, error = head if head is not None else ("", "")
    bodies = session.execute(
        select(_BODIES)
        .join(_FINDING_TABLE, _FINDINGS.body_id == _BODIES.c.id)
        .where(_FINDINGS.run_id == run_id, _BODIES.c.control == control)
        .order_by(_FINDINGS.id)
    )
    findings = tuple(convert.finding_from_row(SimpleNamespace(**row._mapping)) for row in bodies)
    changes = session.execute(
        select(ChangeRow).where(_CHANGES.run_id == run_id, _CHANGES.control == control).order_by(_CHANGES.id)
    ).scalars()
    snapshot = (
        session.execute(
            select(ScoreSnapshotRow)
            .where(_SCORES.run_id == run_id, _SCORES.control == control)
            .order_by(_SCORES.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    return ControlResult(
        control=control,
        title=title,
        findings=findings,
        changes=tuple(convert.change_from_row(r) for r in changes),
        score=convert.score_from_row(snapshot) if snapshot is not None else None,
        error=error,
    )

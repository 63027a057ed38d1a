"""The dashboard query: every tenant × control in two statements that read one row per pair.

The TUI's first screen and ``scorekeeper status`` show this for every tenant, so it must stay
fast as history grows. Each ``latest_results`` row points at its pair's newest assessment and
carries the pair's summary — finding counts of that assessment, the last :data:`TREND_POINTS`
scores and the newest one — kept up to date by the writes themselves (``summary.py``). So:

1. the pointers with their summaries, joined to their runs for the run's time;
2. the drift events recorded against those runs, counted per pair (one index seek per pair).

Nothing here reads findings or score snapshots; the cost follows the number of pairs only
(2,000 rows at 1,000 tenants × 2 controls, however many runs are kept).
"""

from __future__ import annotations

import json

from sqlalchemy import Text, and_, cast, func, select
from sqlalchemy.orm import Session

from scorekeeper.store.records import TenantOverview, empty_counts
from scorekeeper.store.summary import reported
from scorekeeper.store.tables import ASSESSING_KINDS, DriftEventRow, LatestResultRow, RunRow

__all__ = ["ASSESSING_KINDS", "build_overview"]

Key = tuple[str, str]


def build_overview(session: Session) -> list[TenantOverview]:
    latest = LatestResultRow.__table__.c
    drift: dict[Key, int] = {
        (tenant, control): n
        for tenant, control, n in session.execute(
            select(latest.tenant, latest.control, func.count())
            .select_from(LatestResultRow.__table__)
            .join(DriftEventRow, and_(DriftEventRow.run_id == latest.run_id, DriftEventRow.control == latest.control))
            .group_by(latest.tenant, latest.control)
        )
    }
    zero = empty_counts()
    counts_of: dict[str, dict[str, int]] = {}  # few distinct count sets in a fleet: parse each once
    cells = []
    for tenant, control, run_id, counts, trend, score, max_score, at in session.execute(
        select(
            latest.tenant,
            latest.control,
            latest.run_id,
            cast(latest.counts, Text),
            latest.trend,
            latest.score,
            latest.max_score,
            func.coalesce(RunRow.finished_at, RunRow.started_at),
        )
        .join(RunRow, RunRow.id == latest.run_id)
        .order_by(latest.tenant, latest.control)
    ):
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
                last_run_at=at,
                trend=reported(trend),
                drift=drift.get((tenant, control), 0),
            )
        )
    return cells

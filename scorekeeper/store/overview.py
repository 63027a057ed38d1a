"""The dashboard query: every tenant × control in a handful of grouped queries.

The TUI's first screen and ``scorekeeper status`` show this for every tenant, so it must not grow
with the number of runs kept: each step below is one statement over indexed columns, whatever the
number of tenants, controls or runs (no query per tenant or per control).

1. each tenant × control's latest assessment (``assess``/``plan`` run with a result for it);
2. the status counts of those runs' findings;
3. the last :data:`TREND_POINTS` score snapshots of each tenant × control (a window function);
4. the drift events recorded against those latest runs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from scorekeeper.store.records import TREND_POINTS, TenantOverview, empty_counts
from scorekeeper.store.tables import ControlResultRow, DriftEventRow, FindingRow, RunRow, ScoreSnapshotRow

#: Run kinds whose findings describe a control's whole state (verify runs only re-read what changed).
ASSESSING_KINDS = ("assess", "plan")

Key = tuple[str, str]


def build_overview(session: Session) -> list[TenantOverview]:
    latest = (
        select(RunRow.tenant, ControlResultRow.control, func.max(RunRow.id).label("run_id"))
        .join(RunRow, RunRow.id == ControlResultRow.run_id)
        .where(RunRow.kind.in_(ASSESSING_KINDS))
        .group_by(RunRow.tenant, ControlResultRow.control)
        .subquery("latest")
    )
    last_runs: dict[Key, tuple[int, datetime]] = {
        (tenant, control): (run_id, finished or started)
        for tenant, control, run_id, started, finished in session.execute(
            select(latest.c.tenant, latest.c.control, latest.c.run_id, RunRow.started_at, RunRow.finished_at).join(
                RunRow, RunRow.id == latest.c.run_id
            )
        )
    }

    counts: dict[Key, dict[str, int]] = defaultdict(empty_counts)
    for tenant, control, status, n in session.execute(
        select(latest.c.tenant, latest.c.control, FindingRow.status, func.count())
        .join(FindingRow, and_(FindingRow.run_id == latest.c.run_id, FindingRow.control == latest.c.control))
        .group_by(latest.c.tenant, latest.c.control, FindingRow.status)
    ):
        counts[(tenant, control)][status] = n

    ranked = select(
        ScoreSnapshotRow.tenant,
        ScoreSnapshotRow.control,
        ScoreSnapshotRow.score,
        ScoreSnapshotRow.max_score,
        func.row_number()
        .over(
            partition_by=(ScoreSnapshotRow.tenant, ScoreSnapshotRow.control),
            order_by=(ScoreSnapshotRow.taken_at.desc(), ScoreSnapshotRow.id.desc()),
        )
        .label("rank"),
    ).subquery("ranked")
    trends: dict[Key, list[float]] = defaultdict(list)
    newest: dict[Key, tuple[float | None, float | None]] = {}
    for tenant, control, score, max_score, rank in session.execute(
        select(ranked).where(ranked.c.rank <= TREND_POINTS).order_by(ranked.c.rank.desc())
    ):
        if score is not None:
            trends[(tenant, control)].append(score)
        if rank == 1:
            newest[(tenant, control)] = (score, max_score)

    drift: dict[Key, int] = {
        (tenant, control): n
        for tenant, control, n in session.execute(
            select(latest.c.tenant, latest.c.control, func.count(DriftEventRow.id))
            .join(
                DriftEventRow,
                and_(
                    DriftEventRow.run_id == latest.c.run_id,
                    DriftEventRow.control == latest.c.control,
                    DriftEventRow.tenant == latest.c.tenant,
                ),
            )
            .group_by(latest.c.tenant, latest.c.control)
        )
    }

    cells = []
    for key in sorted(set(last_runs) | set(newest)):
        run_id, at = last_runs.get(key, (None, None))
        score, max_score = newest.get(key, (None, None))
        cells.append(
            TenantOverview(
                tenant=key[0],
                control=key[1],
                score=score,
                max_score=max_score,
                counts=dict(counts[key]) if key in counts else empty_counts(),
                last_run_id=run_id,
                last_run_at=at,
                trend=trends.get(key, []),
                drift=drift.get(key, 0),
            )
        )
    return cells

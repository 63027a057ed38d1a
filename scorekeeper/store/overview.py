"""The dashboard query: every tenant × control in four statements whose cost follows the number of
tenant × control pairs, not the number of runs kept.

The TUI's first screen and ``scorekeeper status`` show this for every tenant, so it must stay
fast as history grows. ``latest_results`` (kept up to date by ``record_control_result``) points
at each pair's newest assessment, and every statement below starts from those few rows and seeks
through indexes from there — no scan of all runs or all snapshots, no query per tenant or control:

1. the latest assessment of each pair, with its run's times;
2. the status counts of those runs' findings (``findings.run_id IN (...)`` joined to their bodies, grouped);
3. the last :data:`TREND_POINTS` score snapshots of each pair (per pair, a correlated seek finds
   the oldest snapshot to keep; the join then reads only those);
4. the drift events recorded against those runs (grouped).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session, aliased

from scorekeeper.store.records import TREND_POINTS, TenantOverview, empty_counts
from scorekeeper.store.tables import (
    DriftEventRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    ScoreSnapshotRow,
)

#: Run kinds whose findings describe a control's whole state (verify runs only re-read what changed).
ASSESSING_KINDS = ("assess", "plan")

Key = tuple[str, str]


def build_overview(session: Session) -> list[TenantOverview]:
    latest: dict[Key, tuple[int, datetime]] = {}
    key_of: dict[tuple[int, str], Key] = {}
    for tenant, control, run_id, started, finished in session.execute(
        select(LatestResultRow.tenant, LatestResultRow.control, RunRow.id, RunRow.started_at, RunRow.finished_at)
        .join(RunRow, RunRow.id == LatestResultRow.run_id)
        .order_by(LatestResultRow.tenant, LatestResultRow.control)
    ):
        latest[(tenant, control)] = (run_id, finished or started)
        key_of[(run_id, control)] = (tenant, control)
    if not latest:
        return []
    run_ids = sorted({run_id for run_id, _ in latest.values()})

    counts: dict[Key, dict[str, int]] = defaultdict(empty_counts)
    for run_id, control, status, n in session.execute(
        select(FindingRow.run_id, FindingBodyRow.control, FindingBodyRow.status, func.count())
        .join(FindingBodyRow, FindingBodyRow.id == FindingRow.body_id)
        .where(FindingRow.run_id.in_(run_ids))
        .group_by(FindingRow.run_id, FindingBodyRow.control, FindingBodyRow.status)
    ):
        if (run_id, control) in key_of:
            counts[key_of[(run_id, control)]][status] = n

    drift: dict[Key, int] = {}
    for run_id, control, n in session.execute(
        select(DriftEventRow.run_id, DriftEventRow.control, func.count())
        .where(DriftEventRow.run_id.in_(run_ids))
        .group_by(DriftEventRow.run_id, DriftEventRow.control)
    ):
        if (run_id, control) in key_of:
            drift[key_of[(run_id, control)]] = n

    trends, newest = _trends(session)

    return [
        TenantOverview(
            tenant=key[0],
            control=key[1],
            score=newest.get(key, (None, None))[0],
            max_score=newest.get(key, (None, None))[1],
            counts=dict(counts[key]) if key in counts else empty_counts(),
            last_run_id=run_id,
            last_run_at=at,
            trend=trends.get(key, []),
            drift=drift.get(key, 0),
        )
        for key, (run_id, at) in latest.items()
    ]


def _trends(session: Session) -> tuple[dict[Key, list[float]], dict[Key, tuple[float | None, float | None]]]:
    """The last :data:`TREND_POINTS` scores per pair (oldest first) and each pair's newest snapshot."""
    pair = (ScoreSnapshotRow.tenant == LatestResultRow.tenant, ScoreSnapshotRow.control == LatestResultRow.control)
    kept, oldest = aliased(ScoreSnapshotRow), aliased(ScoreSnapshotRow)
    nth_newest = (
        select(kept.taken_at)
        .where(kept.tenant == LatestResultRow.tenant, kept.control == LatestResultRow.control)
        .order_by(kept.taken_at.desc())
        .limit(1)
        .offset(TREND_POINTS - 1)
        .scalar_subquery()
    )
    first = (
        select(func.min(oldest.taken_at))
        .where(oldest.tenant == LatestResultRow.tenant, oldest.control == LatestResultRow.control)
        .scalar_subquery()
    )
    if session.get_bind().dialect.name == "postgresql":
        rows = _lateral_trends(session)
    else:
        rows = session.execute(
            select(LatestResultRow.tenant, LatestResultRow.control, ScoreSnapshotRow.score, ScoreSnapshotRow.max_score)
            .join(ScoreSnapshotRow, and_(*pair, ScoreSnapshotRow.taken_at >= func.coalesce(nth_newest, first)))
            .order_by(LatestResultRow.tenant, LatestResultRow.control, ScoreSnapshotRow.taken_at, ScoreSnapshotRow.id)
        )
    series: dict[Key, list[tuple[float | None, float | None]]] = defaultdict(list)
    for tenant, control, score, max_score in rows:
        series[(tenant, control)].append((score, max_score))
    trends: dict[Key, list[float]] = {}
    newest: dict[Key, tuple[float | None, float | None]] = {}
    for key, points in series.items():
        points = points[-TREND_POINTS:]  # ties at the cut-off time can add a few
        trends[key] = [score for score, _ in points if score is not None]
        newest[key] = points[-1]
    return trends, newest


def _lateral_trends(session: Session) -> Any:
    """PostgreSQL: each pair's newest :data:`TREND_POINTS` snapshots through one index seek per pair (LATERAL).

    PostgreSQL runs the portable query above as a join re-evaluating its correlated cut-off for
    every candidate row (48 s at 1,000 tenants × 365 runs); a lateral ``LIMIT`` reads only the
    rows kept. Rows come oldest first per pair, as the portable query returns them.
    """
    newest = (
        select(ScoreSnapshotRow.score, ScoreSnapshotRow.max_score, ScoreSnapshotRow.taken_at, ScoreSnapshotRow.id)
        .where(ScoreSnapshotRow.tenant == LatestResultRow.tenant, ScoreSnapshotRow.control == LatestResultRow.control)
        .order_by(ScoreSnapshotRow.taken_at.desc(), ScoreSnapshotRow.id.desc())
        .limit(TREND_POINTS)
        .lateral("newest")
    )
    return session.execute(
        select(LatestResultRow.tenant, LatestResultRow.control, newest.c.score, newest.c.max_score)
        .select_from(LatestResultRow)
        .join(newest, true())
        .order_by(LatestResultRow.tenant, LatestResultRow.control, newest.c.taken_at, newest.c.id)
    )

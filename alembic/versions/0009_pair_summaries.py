"""Each ``latest_results`` row carries its pair's dashboard summary: counts, trend and newest score.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

``counts`` (finding count per status of the pointed-at run's findings of the control), ``trend``
and ``trend_at`` (the newest 30 score snapshots of the pair by ``(taken_at, id)``, oldest first:
scores packed as little-endian float64 with NaN for none, and times as little-endian int64
microseconds since the epoch) and
``score`` / ``max_score`` (the newest snapshot's). The upgrade fills them from existing history
with its own copy of the rule in ``scorekeeper.store.summary`` (a migration must not change when
the code does). The downgrade only drops the columns: everything they hold is derived from
history, which is not touched. On SQLite dropping columns rebuilds ``latest_results``; no table
references it, so the rebuild deletes nothing elsewhere.

Also ``ix_drift_events_at``: ``drift_events()`` without a tenant read the whole table and sorted
it to return the newest 100.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TREND_POINTS = 30


def _pack(scores: list[float | None]) -> bytes | None:
    if not scores:
        return None
    return struct.pack(f"<{len(scores)}d", *(math.nan if s is None else s for s in scores))


def _micros(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def upgrade() -> None:
    op.create_index("ix_drift_events_at", "drift_events", ["at"])
    op.add_column("latest_results", sa.Column("counts", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column("latest_results", sa.Column("trend", sa.LargeBinary(), nullable=True))
    op.add_column("latest_results", sa.Column("trend_at", sa.LargeBinary(), nullable=True))
    op.add_column("latest_results", sa.Column("score", sa.Float(), nullable=True))
    op.add_column("latest_results", sa.Column("max_score", sa.Float(), nullable=True))

    latest = sa.table(
        "latest_results",
        sa.column("tenant", sa.String()),
        sa.column("control", sa.String()),
        sa.column("run_id", sa.Integer()),
        sa.column("counts", sa.JSON()),
        sa.column("trend", sa.LargeBinary()),
        sa.column("trend_at", sa.LargeBinary()),
        sa.column("score", sa.Float()),
        sa.column("max_score", sa.Float()),
    )
    findings = sa.table("findings", sa.column("run_id", sa.Integer()), sa.column("body_id", sa.Integer()))
    bodies = sa.table(
        "finding_bodies",
        sa.column("id", sa.Integer()),
        sa.column("control", sa.String()),
        sa.column("status", sa.String()),
    )
    snapshots = sa.table(
        "score_snapshots",
        sa.column("id", sa.Integer()),
        sa.column("tenant", sa.String()),
        sa.column("control", sa.String()),
        sa.column("score", sa.Float()),
        sa.column("max_score", sa.Float()),
        sa.column("taken_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    summaries: dict[tuple[str, str], dict[str, Any]] = {
        (tenant, control): {"counts": {}, "trend": [], "trend_at": [], "score": None, "max_score": None}
        for tenant, control in connection.execute(sa.select(latest.c.tenant, latest.c.control))
    }
    if not summaries:
        return
    counts = (
        sa.select(latest.c.tenant, latest.c.control, bodies.c.status, sa.func.count())
        .select_from(latest)
        .join(findings, findings.c.run_id == latest.c.run_id)
        .join(bodies, (bodies.c.id == findings.c.body_id) & (bodies.c.control == latest.c.control))
        .group_by(latest.c.tenant, latest.c.control, bodies.c.status)
    )
    for tenant, control, status, n in connection.execute(counts):
        summaries[(tenant, control)]["counts"][status] = n
    ranked = sa.select(
        snapshots.c.tenant,
        snapshots.c.control,
        snapshots.c.score,
        snapshots.c.max_score,
        snapshots.c.taken_at,
        snapshots.c.id,
        sa.func.row_number()
        .over(
            partition_by=(snapshots.c.tenant, snapshots.c.control),
            order_by=(snapshots.c.taken_at.desc(), snapshots.c.id.desc()),
        )
        .label("n"),
    ).subquery()
    newest = (
        sa.select(ranked.c.tenant, ranked.c.control, ranked.c.score, ranked.c.max_score, ranked.c.taken_at)
        .where(ranked.c.n <= TREND_POINTS)
        .order_by(ranked.c.tenant, ranked.c.control, ranked.c.taken_at, ranked.c.id)
    )
    for tenant, control, score, max_score, taken_at in connection.execute(newest):
        summary = summaries.get((tenant, control))
        if summary is not None:
            summary["trend"].append(score)
            summary["trend_at"].append(_micros(taken_at))
            summary["score"], summary["max_score"] = score, max_score
    connection.execute(
        sa.update(latest)
        .where(latest.c.tenant == sa.bindparam("t"), latest.c.control == sa.bindparam("c"))
        .values(
            counts=sa.bindparam("counts_"),
            trend=sa.bindparam("trend_"),
            trend_at=sa.bindparam("trend_at_"),
            score=sa.bindparam("score_"),
            max_score=sa.bindparam("max_score_"),
        ),
        [
            {
                "t": tenant,
                "c": control,
                "counts_": s["counts"],
                "trend_": _pack(s["trend"]),
                "trend_at_": struct.pack(f"<{len(s['trend_at'])}q", *s["trend_at"]) if s["trend_at"] else None,
                "score_": s["score"],
                "max_score_": s["max_score"],
            }
            for (tenant, control), s in summaries.items()
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_drift_events_at", table_name="drift_events")
    with op.batch_alter_table("latest_results") as batch:
        for name in ("max_score", "score", "trend_at", "trend", "counts"):
            batch.drop_column(name)

"""A tenant score's map of control scores is stored once per distinct map (``score_controls``), not on every row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Each ``tenant_scores`` row carried the score of every control of the tenant's whole Secure Score
(~45 controls, ~1.2 KB of JSON); an unchanged tenant's map is the same every day, and with the
page space it left unused that was half of what an assessed tenant-run added to history.
``score_controls`` holds each distinct map once, keyed by the SHA-256 of the canonical JSON of
its ``[control, score]`` pairs in the map's own order (the rule of
``scorekeeper.store.tenant_scores.controls_digest``, copied here: a migration must not change
when the code does), and ``tenant_scores.controls_id`` points at it; a row with an empty map
(``{}``) points at nothing. The downgrade copies each map back onto its rows (``{}`` where none)
and drops the table. On SQLite, dropping a column rebuilds ``tenant_scores``; no table
references it, so the rebuild deletes nothing elsewhere.

Two indexes that no query uses are dropped (and made again by the downgrade), each a few dozen
bytes per tenant-run: ``ix_tenant_scores_profiles_id`` (nothing deletes a profile set or looks
rows up by the set they point at) and ``ix_control_results_control`` (control results are read
by run, through the index of the unique ``(run_id, control)``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500


def _digest(controls: dict[str, Any]) -> str:
    pairs = [[key, value] for key, value in controls.items()]
    canonical = json.dumps(pairs, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade() -> None:
    op.create_table(
        "score_controls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("controls", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score_controls"),
        sa.UniqueConstraint("digest", name="uq_score_controls_digest"),
    )
    with op.batch_alter_table("tenant_scores") as batch:
        batch.add_column(sa.Column("controls_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    scores = sa.table(
        "tenant_scores",
        sa.column("id", sa.Integer()),
        sa.column("controls", sa.JSON()),
        sa.column("controls_id", sa.Integer()),
    )
    maps = sa.table(
        "score_controls",
        sa.column("id", sa.Integer()),
        sa.column("digest", sa.String()),
        sa.column("controls", sa.JSON()),
    )
    known: dict[str, int] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(scores.c.id, scores.c.controls).where(scores.c.id > last).order_by(scores.c.id).limit(CHUNK)
        ).all()
        if not rows:
            break
        links: dict[int, list[int]] = {}
        for row_id, controls in rows:
            if not controls:
                continue
            digest = _digest(dict(controls))
            if digest not in known:
                known[digest] = connection.execute(
                    sa.insert(maps).values(digest=digest, controls=dict(controls)).returning(maps.c.id)
                ).scalar_one()
            links.setdefault(known[digest], []).append(row_id)
        for map_id, ids in links.items():
            connection.execute(sa.update(scores).where(scores.c.id.in_(ids)).values(controls_id=map_id))
        last = rows[-1].id

    with op.batch_alter_table("tenant_scores") as batch:
        batch.drop_column("controls")
        batch.create_foreign_key(
            "fk_tenant_scores_controls_id_score_controls", "score_controls", ["controls_id"], ["id"]
        )
        batch.drop_index("ix_tenant_scores_profiles_id")
    op.drop_index("ix_control_results_control", table_name="control_results")


def downgrade() -> None:
    op.create_index("ix_control_results_control", "control_results", ["control"])
    with op.batch_alter_table("tenant_scores") as batch:
        batch.create_index("ix_tenant_scores_profiles_id", ["profiles_id"])
        batch.add_column(sa.Column("controls", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    connection = op.get_bind()
    scores = sa.table("tenant_scores", sa.column("controls_id", sa.Integer()), sa.column("controls", sa.JSON()))
    maps = sa.table("score_controls", sa.column("id", sa.Integer()), sa.column("controls", sa.JSON()))
    connection.execute(
        sa.update(scores)
        .where(scores.c.controls_id.is_not(None))
        .values(controls=sa.select(maps.c.controls).where(maps.c.id == scores.c.controls_id).scalar_subquery())
    )
    with op.batch_alter_table("tenant_scores") as batch:
        batch.drop_constraint("fk_tenant_scores_controls_id_score_controls", type_="foreignkey")
        batch.drop_column("controls_id")
        batch.alter_column("controls", existing_type=sa.JSON(), existing_nullable=False, server_default=None)
    op.drop_table("score_controls")

"""A tenant's control profiles are stored once per distinct set (``score_profiles``), not on every score row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Every assessment keeps the ~45 control profiles it read with the tenant's whole Secure Score;
they rarely change between runs, yet each ``tenant_scores`` row carried all of them (~23 KB per
tenant-run). ``score_profiles`` holds each distinct set once, keyed by the SHA-256 of its
canonical JSON (the rule of ``scorekeeper.store.tenant_scores.profiles_digest``, copied here: a
migration must not change when the code does), and ``tenant_scores.profiles_id`` points at it;
a row with no profiles (``[]``) points at nothing. The downgrade copies each set back onto its
rows (``[]`` where none) and drops the table. On SQLite, dropping a column rebuilds
``tenant_scores``; no table references it, so the rebuild deletes nothing elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500


def _digest(profiles: list[dict[str, Any]]) -> str:
    canonical = json.dumps(profiles, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade() -> None:
    op.create_table(
        "score_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("profiles", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score_profiles"),
        sa.UniqueConstraint("digest", name="uq_score_profiles_digest"),
    )
    with op.batch_alter_table("tenant_scores") as batch:
        batch.add_column(sa.Column("profiles_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    scores = sa.table(
        "tenant_scores",
        sa.column("id", sa.Integer()),
        sa.column("profiles", sa.JSON()),
        sa.column("profiles_id", sa.Integer()),
    )
    sets = sa.table(
        "score_profiles",
        sa.column("id", sa.Integer()),
        sa.column("digest", sa.String()),
        sa.column("profiles", sa.JSON()),
    )
    known: dict[str, int] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(scores.c.id, scores.c.profiles).where(scores.c.id > last).order_by(scores.c.id).limit(CHUNK)
        ).all()
        if not rows:
            break
        links: dict[int, list[int]] = {}
        for row_id, profiles in rows:
            if not profiles:
                continue
            digest = _digest(list(profiles))
            if digest not in known:
                known[digest] = connection.execute(
                    sa.insert(sets).values(digest=digest, profiles=list(profiles)).returning(sets.c.id)
                ).scalar_one()
            links.setdefault(known[digest], []).append(row_id)
        for set_id, ids in links.items():
            connection.execute(sa.update(scores).where(scores.c.id.in_(ids)).values(profiles_id=set_id))
        last = rows[-1].id

    with op.batch_alter_table("tenant_scores") as batch:
        batch.drop_column("profiles")
        batch.create_foreign_key(
            "fk_tenant_scores_profiles_id_score_profiles", "score_profiles", ["profiles_id"], ["id"]
        )
        batch.create_index("ix_tenant_scores_profiles_id", ["profiles_id"])


def downgrade() -> None:
    with op.batch_alter_table("tenant_scores") as batch:
        batch.add_column(sa.Column("profiles", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    connection = op.get_bind()
    scores = sa.table("tenant_scores", sa.column("profiles_id", sa.Integer()), sa.column("profiles", sa.JSON()))
    sets = sa.table("score_profiles", sa.column("id", sa.Integer()), sa.column("profiles", sa.JSON()))
    connection.execute(
        sa.update(scores)
        .where(scores.c.profiles_id.is_not(None))
        .values(profiles=sa.select(sets.c.profiles).where(sets.c.id == scores.c.profiles_id).scalar_subquery())
    )
    with op.batch_alter_table("tenant_scores") as batch:
        batch.drop_index("ix_tenant_scores_profiles_id")
        batch.drop_constraint("fk_tenant_scores_profiles_id_score_profiles", type_="foreignkey")
        batch.drop_column("profiles_id")
        batch.alter_column("profiles", existing_type=sa.JSON(), existing_nullable=False, server_default=None)
    op.drop_table("score_profiles")

"""The tenant's whole Secure Score per day, beside the per-control snapshots.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

``tenant_scores`` keeps each assessment's total (``source`` ``assessment``, with its run) and the
daily entries Microsoft already held when a tenant was first seen (``imported``, no run), with
the comparison averages and every control's score.

The downgrade refuses while the table holds a row: 0004 has nowhere to keep the scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from scorekeeper.store.migrationsafety import refuse_dropping_rows

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("comparisons", sa.JSON(), nullable=False),
        sa.Column("controls", sa.JSON(), nullable=False),
        sa.Column("profiles", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_scores"),
        sa.ForeignKeyConstraint(
            ["tenant"], ["tenants.name"], name="fk_tenant_scores_tenant_tenants", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_tenant_scores_run_id_runs", ondelete="SET NULL"),
    )
    op.create_index("ix_tenant_scores_tenant_scored_at", "tenant_scores", ["tenant", "scored_at"])
    op.create_index("ix_tenant_scores_run_id", "tenant_scores", ["run_id"])


def downgrade() -> None:
    refuse_dropping_rows(op.get_bind(), ("tenant_scores",), revision="0005", older="0004")
    op.drop_index("ix_tenant_scores_run_id", table_name="tenant_scores")
    op.drop_index("ix_tenant_scores_tenant_scored_at", table_name="tenant_scores")
    op.drop_table("tenant_scores")

"""Drift baselines: the value a verified remediation established for each tenant × control × setting.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Drift used to compare an assessment with the previous one; it now compares with the value a
verified remediation established (``scorekeeper.domain.baseline``). ``baselines`` is append-only:
a rollback marks the rows of the run it rolled back ``withdrawn_by_run_id`` instead of deleting
them. A new table only: nothing existing is rebuilt. The downgrade refuses while the table holds
rows (below 0013 there is nowhere to keep them) and otherwise drops it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from scorekeeper.store.migrationsafety import refuse_dropping_rows

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by_run_id", sa.Integer(), nullable=True),
        sa.Column("drift_value", sa.JSON(), nullable=True),
        sa.Column("drift_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant"], ["tenants.name"], name="fk_baselines_tenant_tenants", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_baselines_run_id_runs", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_run_id"], ["runs.id"], name="fk_baselines_withdrawn_by_run_id_runs", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_baselines"),
    )
    op.create_index("ix_baselines_tenant_control_setting", "baselines", ["tenant", "control", "setting"])


def downgrade() -> None:
    refuse_dropping_rows(op.get_bind(), ("baselines",), revision="0013", older="0012")
    op.drop_index("ix_baselines_tenant_control_setting", table_name="baselines")
    op.drop_table("baselines")

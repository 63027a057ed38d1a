"""Scheduled assessments and expired-exception notices.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-26

``schedules`` holds what ``scorekeeper schedule add`` defines and the daemon runs;
``exception_notices`` remembers which expired accepted-risk exceptions were already notified.
Runs need nothing new: ``runs.scheduled`` (from 0001) already marks a scheduled run.

The downgrade refuses while either table holds a row (0001 has nowhere to keep them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from scorekeeper.store.migrationsafety import refuse_dropping_rows

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=True),
        sa.Column("cron", sa.String(), nullable=True),
        sa.Column("interval_seconds", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("remediate", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(), nullable=False),
        sa.Column("last_problem", sa.Text(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
        sa.ForeignKeyConstraint(
            ["last_run_id"], ["runs.id"], name="fk_schedules_last_run_id_runs", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_schedules_tenant", "schedules", ["tenant"])

    op.create_table(
        "exception_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=False),
        sa.Column("expires", sa.String(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_exception_notices"),
        sa.UniqueConstraint(
            "tenant", "control", "setting", "expires", name="uq_exception_notices_tenant_control_setting_expires"
        ),
    )


def downgrade() -> None:
    refuse_dropping_rows(op.get_bind(), ("schedules", "exception_notices"), revision="0002", older="0001")
    op.drop_table("exception_notices")
    op.drop_index("ix_schedules_tenant", table_name="schedules")
    op.drop_table("schedules")

"""Initial history schema: tenants, runs, control and latest results, findings, changes, scores, attestations, drift.

Revision ID: 0001
Revises:
Create Date: 2025-11-25

Written by hand to match ``scorekeeper/store/tables.py``; ``tests/store/test_migrations.py``
upgrades an empty database and compares it with the models. Types are the portable SQLAlchemy
ones (``JSON`` is ``json`` on PostgreSQL, text on SQLite; timestamps are ``timestamptz`` on
PostgreSQL and UTC ISO text on SQLite). Constraint names follow ``tables.NAMING_CONVENTION`` so
later batch migrations can refer to them.

The downgrade drops every table, so it refuses while any of them holds a row: going below the
first revision would delete the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from scorekeeper.store.migrationsafety import refuse_dropping_rows

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _run_fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["runs.id"], name=f"fk_{table}_{column}_runs", ondelete=ondelete)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant"], ["tenants.name"], name=f"fk_{table}_tenant_tenants", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("parent_run_id", sa.Integer(), nullable=True),
        sa.Column("controls", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        _tenant_fk("runs"),
        _run_fk("parent_run_id", "runs", "SET NULL"),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index("ix_runs_tenant_started_at", "runs", ["tenant", "started_at"])
    op.create_index("ix_runs_tenant_kind", "runs", ["tenant", "kind"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_index("ix_runs_parent_run_id", "runs", ["parent_run_id"])

    op.create_table(
        "control_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_control_results"),
        sa.UniqueConstraint("run_id", "control", name="uq_control_results_run_id_control"),
        _run_fk("run_id", "control_results", "CASCADE"),
    )
    op.create_index("ix_control_results_control", "control_results", ["control"])

    op.create_table(
        "latest_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_latest_results"),
        sa.UniqueConstraint("tenant", "control", name="uq_latest_results_tenant_control"),
        _tenant_fk("latest_results"),
        _run_fk("run_id", "latest_results", "CASCADE"),
    )

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("current", sa.JSON(), nullable=True),
        sa.Column("desired", sa.JSON(), nullable=True),
        sa.Column("remediation", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("missing_permissions", sa.JSON(), nullable=False),
        sa.Column("excepted", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        _run_fk("run_id", "findings", "CASCADE"),
    )
    op.create_index("ix_findings_run_id_control", "findings", ["run_id", "control"])

    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("resource", sa.JSON(), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("rolled_back_by_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
        _run_fk("run_id", "changes", "CASCADE"),
        _run_fk("rolled_back_by_run_id", "changes", "SET NULL"),
    )
    op.create_index("ix_changes_run_id", "changes", ["run_id"])
    op.create_index("ix_changes_rolled_back_by_run_id", "changes", ["rolled_back_by_run_id"])

    op.create_table(
        "score_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        _timestamp("taken_at"),
        sa.PrimaryKeyConstraint("id", name="pk_score_snapshots"),
        _run_fk("run_id", "score_snapshots", "CASCADE"),
        _tenant_fk("score_snapshots"),
    )
    op.create_index("ix_score_snapshots_tenant_control_taken_at", "score_snapshots", ["tenant", "control", "taken_at"])
    op.create_index("ix_score_snapshots_run_id", "score_snapshots", ["run_id"])

    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _timestamp("at"),
        sa.PrimaryKeyConstraint("id", name="pk_attestations"),
        _tenant_fk("attestations"),
    )
    op.create_index("ix_attestations_tenant_control", "attestations", ["tenant", "control"])

    op.create_table(
        "drift_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("setting", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("previous_run_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _timestamp("at"),
        sa.PrimaryKeyConstraint("id", name="pk_drift_events"),
        _tenant_fk("drift_events"),
        _run_fk("previous_run_id", "drift_events", "SET NULL"),
        _run_fk("run_id", "drift_events", "CASCADE"),
    )
    op.create_index("ix_drift_events_tenant_at", "drift_events", ["tenant", "at"])
    op.create_index("ix_drift_events_run_id", "drift_events", ["run_id"])


TABLES = (
    "drift_events",
    "attestations",
    "score_snapshots",
    "changes",
    "findings",
    "latest_results",
    "control_results",
    "runs",
    "tenants",
)


def downgrade() -> None:
    refuse_dropping_rows(op.get_bind(), TABLES[::-1], revision="0001", older="base")  # tenants and runs first
    for table in TABLES:
        op.drop_table(table)

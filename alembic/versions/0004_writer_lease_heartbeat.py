"""One writer per tenant (``tenant_leases``) and a heartbeat on every run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

``tenant_leases`` holds at most one row per tenant: the process allowed to write to it, with a
heartbeat. Runs gain ``heartbeat_at``/``heartbeat_seconds`` (refreshed while the run lives) and
``process_key`` (kernel boot and PID namespace of the process), so a dead run is recognised by
its silence rather than by asking whether a process id exists — which fails in containers,
where PID 1 is always alive, and across hosts. Plain columns and one table: the same on SQLite
and PostgreSQL.

The downgrade keeps every run and drops only the three columns; it refuses while a lease is held
(a writer is at work, and 0003 has no table for its lease). Both directions rebuild ``runs`` on
SQLite, which ``env.py`` does with foreign keys off, so no child row of a run is touched.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from scorekeeper.store.migrationsafety import refuse_dropping_rows

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("process_key", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("heartbeat_seconds", sa.Float(), nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("process_key", server_default=None)
    op.create_table(
        "tenant_leases",
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("process_key", sa.String(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_tenant_leases"),
    )


def downgrade() -> None:
    refuse_dropping_rows(
        op.get_bind(),
        ("tenant_leases",),
        revision="0004",
        older="0003",
        hint="A writer holds a tenant's lease: let it finish (or, if its process is gone, wait until its lease "
        "expires and a scorekeeper command takes it over), then downgrade",
    )
    op.drop_table("tenant_leases")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("heartbeat_seconds")
        batch.drop_column("heartbeat_at")
        batch.drop_column("process_key")

"""Who acted in a run: the OS user beside the host, and the identity the tenant's token named.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

``runs.os_user`` is the account that ran scorekeeper on ``runs.host``; ``runs.identity`` is what
the access token named (``app <appid>`` for app-only tokens, the UPN for delegated ones). Runs
recorded before this migration keep "" in both: unknown, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("os_user", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("identity", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("identity")
        batch.drop_column("os_user")

"""Each run records the scorekeeper and plugin versions it used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

``runs.versions`` (JSON, nullable) maps ``"scorekeeper"`` and each loaded plugin's distribution
name to its version (see ``scorekeeper/runversions.py``). Runs recorded before this migration keep
``NULL``: reports say "not recorded" for them rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("versions")

"""Each run records the scorekeeper and plugin versions it used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

``runs.versions`` (JSON, nullable) maps ``"scorekeeper"`` and each loaded plugin's distribution
name to its version (see ``scorekeeper/engine/versions.py``). Runs recorded before this migration keep
``NULL``: reports say "not recorded" for them rather than guessing.

Plain ``ADD COLUMN`` / ``DROP COLUMN``, never ``batch_alter_table``: a batch rebuilds ``runs``
on SQLite (copy, drop, rename), and with foreign keys on — as ``alembic -x db=...`` opens the
database — dropping the old ``runs`` cascades into findings, changes and every other child row.
SQLite has ``DROP COLUMN`` since 3.35 (2021); on an older SQLite the downgrade refuses in one line
instead of rebuilding the table (``tests/store/test_migration_keeps_rows.py``).
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
    op.add_column("runs", sa.Column("versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    _refuse_sqlite_without_drop_column()
    op.drop_column("runs", "versions")


def _refuse_sqlite_without_drop_column() -> None:
    """A table rebuild could cascade-delete history; an SQLite without DROP COLUMN stops here instead."""
    import sqlite3

    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35, 0):
        raise RuntimeError(
            f"downgrading below 0007 needs SQLite 3.35 or newer (DROP COLUMN); this Python has "
            f"SQLite {sqlite3.sqlite_version}. Nothing was changed."
        )

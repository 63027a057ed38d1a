"""Each assessment records the tenant's organisation as Graph named it: display name and primary domain.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

``runs.org_display_name`` and ``runs.org_primary_domain`` come from ``GET /organization``
(``displayName``; the ``verifiedDomains`` entry with ``isDefault``), read in the assessment's shared
``$batch`` (``scorekeeper/graph/organization.py``). ``runs.org_unread`` says why they are unknown when the
read failed (a missing permission, say); an assessment never fails for it. All three stay ``NULL``
for runs recorded before this migration and for runs that read no organisation (remediation,
verification, rollback): reports say "not recorded" for those.

Plain ``ADD COLUMN`` / ``DROP COLUMN`` as in 0007, never a ``batch_alter_table`` rebuild of
``runs``, whose drop would cascade into every child row with foreign keys on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("org_display_name", "org_primary_domain", "org_unread")


def upgrade() -> None:
    op.add_column("runs", sa.Column("org_display_name", sa.String(), nullable=True))
    op.add_column("runs", sa.Column("org_primary_domain", sa.String(), nullable=True))
    op.add_column("runs", sa.Column("org_unread", sa.Text(), nullable=True))


def downgrade() -> None:
    import sqlite3

    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35, 0):
        raise RuntimeError(
            f"downgrading below 0008 needs SQLite 3.35 or newer (DROP COLUMN); this Python has "
            f"SQLite {sqlite3.sqlite_version}. Nothing was changed."
        )
    for name in reversed(COLUMNS):
        op.drop_column("runs", name)

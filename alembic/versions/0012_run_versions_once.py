"""A run's versions map is stored once per distinct map (``run_versions``), not on every ``runs`` row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

Every run records the scorekeeper and plugin versions it used (0007); one installation records the
same ~170 bytes of JSON on every run until it is upgraded, a third of each ``runs`` row.
``run_versions`` holds each distinct map once, keyed by the SHA-256 of the canonical JSON of its
``[name, version]`` pairs in the map's own order (the rule of
``scorekeeper.store.runwrite.versions_digest``, copied here: a migration must not change when the
code does), and ``runs.versions_id`` points at it; a run that recorded none (``NULL``) points at
nothing, and one whose column held a JSON ``null`` (how the writer stored "none" beside an
organisation) points at a map holding that ``null``. The downgrade copies each map back onto its
runs, exactly as it was, and drops the table.

Plain ``ADD COLUMN`` / ``DROP COLUMN`` as in 0007, never a ``batch_alter_table`` rebuild of
``runs``, whose drop would cascade into every child row with foreign keys on; for the same reason
``versions_id`` has no foreign-key constraint (SQLite cannot drop a column that has one without a
rebuild).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500


def _digest(versions: dict[str, Any]) -> str:
    pairs = [[key, value] for key, value in versions.items()]
    canonical = json.dumps(pairs, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse_sqlite_without_drop_column() -> None:
    import sqlite3

    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35, 0):
        raise RuntimeError(
            f"migration 0012 needs SQLite 3.35 or newer (DROP COLUMN); this Python has "
            f"SQLite {sqlite3.sqlite_version}. Nothing was changed."
        )


def upgrade() -> None:
    _refuse_sqlite_without_drop_column()
    op.create_table(
        "run_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_run_versions"),
        sa.UniqueConstraint("digest", name="uq_run_versions_digest"),
    )
    op.add_column("runs", sa.Column("versions_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    runs = sa.table(
        "runs",
        sa.column("id", sa.Integer()),
        sa.column("versions", sa.JSON(none_as_null=True)),
        sa.column("versions_id", sa.Integer()),
    )
    maps = sa.table(
        "run_versions",
        sa.column("id", sa.Integer()),
        sa.column("digest", sa.String()),
        sa.column("versions", sa.JSON()),
    )
    known: dict[str, int] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(runs.c.id, runs.c.versions)
            .where(runs.c.id > last, runs.c.versions.is_not(None))
            .order_by(runs.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        links: dict[int, list[int]] = {}
        for run_id, versions in rows:
            # SQL NULL is left out above; a JSON null (what the writer stored for "no versions"
            # beside an organisation) gets a map of its own, so the downgrade gives it back as it was.
            value = None if versions is None else dict(versions)
            digest = hashlib.sha256(b"null").hexdigest() if value is None else _digest(value)
            if digest not in known:
                known[digest] = connection.execute(
                    sa.insert(maps).values(digest=digest, versions=value).returning(maps.c.id)
                ).scalar_one()
            links.setdefault(known[digest], []).append(run_id)
        for map_id, ids in links.items():
            connection.execute(sa.update(runs).where(runs.c.id.in_(ids)).values(versions_id=map_id))
        last = rows[-1].id
    op.drop_column("runs", "versions")


def downgrade() -> None:
    _refuse_sqlite_without_drop_column()
    op.add_column("runs", sa.Column("versions", sa.JSON(), nullable=True))
    connection = op.get_bind()
    runs = sa.table("runs", sa.column("versions_id", sa.Integer()), sa.column("versions", sa.JSON()))
    maps = sa.table("run_versions", sa.column("id", sa.Integer()), sa.column("versions", sa.JSON()))
    connection.execute(
        sa.update(runs)
        .where(runs.c.versions_id.is_not(None))
        .values(versions=sa.select(maps.c.versions).where(maps.c.id == runs.c.versions_id).scalar_subquery())
    )
    op.drop_column("runs", "versions_id")
    op.drop_table("run_versions")

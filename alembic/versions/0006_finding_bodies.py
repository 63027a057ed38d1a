"""Findings point at bodies stored once: an unchanged finding no longer costs a full row per run.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

``finding_bodies`` holds what a finding said (every former column of ``findings`` but ``run_id``),
keyed by ``digest``, the SHA-256 of its canonical JSON; ``findings`` keeps one row per finding per
run (``id`` for the order, ``run_id``, ``body_id``). Existing rows are moved: equal findings become
one body. The digest is computed here with its own copy of the rule in
``scorekeeper.store.convert.body_digest`` (a migration must not change when the code does); if
the two ever differ, equal findings stored before and after would only be stored twice.
Downgrade copies every body back into its findings rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = (
    "control",
    "setting",
    "title",
    "status",
    "current",
    "desired",
    "remediation",
    "reason",
    "steps",
    "missing_permissions",
    "excepted",
    "evidence",
)
JSON_FIELDS = ("current", "desired", "steps", "missing_permissions", "evidence")
TEXT_FIELDS = ("reason", "excepted")
CHUNK = 5000


def _columns() -> list[sa.Column[Any]]:
    """The body columns, as ``0001`` created them on ``findings``."""
    columns: list[sa.Column[Any]] = []
    for name in FIELDS:
        if name in JSON_FIELDS:
            kind: Any = sa.JSON()
        elif name in TEXT_FIELDS:
            kind = sa.Text()
        else:
            kind = sa.String()
        columns.append(sa.Column(name, kind, nullable=name in ("current", "desired")))
    return columns


def _digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(
        {k: values[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade() -> None:
    op.create_table(
        "finding_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_finding_bodies"),
        sa.UniqueConstraint("digest", name="uq_finding_bodies_digest"),
    )
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("body_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    old = sa.table("findings", sa.column("id", sa.Integer()), sa.column("body_id", sa.Integer()), *_columns())
    bodies = sa.table("finding_bodies", sa.column("id", sa.Integer()), sa.column("digest", sa.String()), *_columns())
    known: dict[str, int] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(old.c.id, *(old.c[f] for f in FIELDS)).where(old.c.id > last).order_by(old.c.id).limit(CHUNK)
        ).all()
        if not rows:
            break
        links: dict[int, list[int]] = {}
        for row in rows:
            values = {f: getattr(row, f) for f in FIELDS}
            for name in ("steps", "missing_permissions"):
                values[name] = list(values[name] or [])
            values["evidence"] = dict(values["evidence"] or {})
            digest = _digest(values)
            if digest not in known:
                known[digest] = connection.execute(
                    sa.insert(bodies).values(digest=digest, **values).returning(bodies.c.id)
                ).scalar_one()
            links.setdefault(known[digest], []).append(row.id)
        for body_id, ids in links.items():
            connection.execute(sa.update(old).where(old.c.id.in_(ids)).values(body_id=body_id))
        last = rows[-1].id

    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_run_id_control")
        for name in FIELDS:
            batch.drop_column(name)
        batch.alter_column("body_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_findings_body_id_finding_bodies", "finding_bodies", ["body_id"], ["id"])
        batch.create_index("ix_findings_run_id", ["run_id"])
        batch.create_index("ix_findings_body_id", ["body_id"])  # pruning finds unused bodies through it


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        for column in _columns():
            batch.add_column(sa.Column(column.name, column.type, nullable=True))
    connection = op.get_bind()
    old = sa.table("findings", sa.column("body_id", sa.Integer()), *_columns())
    bodies = sa.table("finding_bodies", sa.column("id", sa.Integer()), *_columns())
    connection.execute(
        sa.update(old).values(
            {name: sa.select(bodies.c[name]).where(bodies.c.id == old.c.body_id).scalar_subquery() for name in FIELDS}
        )
    )
    with op.batch_alter_table("findings") as batch:
        batch.drop_index("ix_findings_body_id")
        batch.drop_index("ix_findings_run_id")
        batch.drop_constraint("fk_findings_body_id_finding_bodies", type_="foreignkey")
        batch.drop_column("body_id")
        for column in _columns():
            batch.alter_column(column.name, existing_type=column.type, nullable=column.nullable)
        batch.create_index("ix_findings_run_id_control", ["run_id", "control"])
    op.drop_table("finding_bodies")

"""Each control's Secure Score over time, and the latest state of every tenant × control.

What the dashboard and reports draw: a control's score snapshots (one per assessment that read
it), and the overview grid built from ``latest_results`` and its summary (``overview.py``,
``controlcell.py``) rather than from every run, so it stays a handful of indexed queries however
long history grows. The tenant's whole Secure Score per day is kept apart (``wholescore.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from scorekeeper.domain.model import SecureScore
from scorekeeper.store import bulk, convert
from scorekeeper.store.overview import build_overview
from scorekeeper.store.records import TenantOverview
from scorekeeper.store.tables import ScoreSnapshotRow
from scorekeeper.store.transactions import Transactions

if TYPE_CHECKING:
    from scorekeeper.store.controlcell import ControlCell

__all__ = ["ScoreHistory"]


class ScoreHistory(Transactions):
    """Per-control score snapshots, and the overview of every tenant × control's newest assessment."""

    def score_history(self, tenant: str, control: str, limit: int = 200) -> list[SecureScore]:
        """The latest ``limit`` score snapshots of a control in a tenant, oldest first (``[-1]`` is newest)."""
        with self._read() as session:
            rows = session.execute(
                select(ScoreSnapshotRow)
                .where(col(ScoreSnapshotRow.tenant) == tenant, col(ScoreSnapshotRow.control) == control)
                .order_by(col(ScoreSnapshotRow.taken_at).desc(), col(ScoreSnapshotRow.id).desc())
                .limit(limit)
            )
            return [convert.score_from_row(r) for r in reversed(list(rows.scalars()))]

    def score_histories(self, tenants: Iterable[str], limit: int = 200) -> dict[tuple[str, str], list[SecureScore]]:
        """The newest ``limit`` snapshots of every control of ``tenants``, oldest first, by (tenant, control)."""
        with self._read() as session:
            return bulk.score_histories(session, list(tenants), limit)

    def overview(self) -> list[TenantOverview]:
        """One cell per tenant × control with its latest counts, score, trend and drift (see ``overview.py``)."""
        with self._read() as session:
            return build_overview(session)

    def control_cell(self, tenant: str, control: str) -> ControlCell | None:
        """One tenant × control's newest assessment, read on its own (``controlcell.py``: the TUI's control view)."""
        from scorekeeper.store.controlcell import control_cell

        with self._read() as session:
            return control_cell(session, tenant, control)

"""The writes a run made to a tenant: each before-value committed before the write, each outcome after.

This is what rollback restores from, so its one rule is the one the engine relies on most:
:meth:`ChangeHistory.change_started` has committed the before-value by the time it returns,
before the plugin writes to the tenant. A process that dies mid-write still leaves the change
in history for rollback to find.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import col

from scorekeeper.domain.model import Change, Outcome
from scorekeeper.store import convert
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import ChangeRow, RunRow
from scorekeeper.store.transactions import Transactions, rowcount

__all__ = ["ChangeHistory"]


class ChangeHistory(Transactions):
    """Recording a run's writes as they happen, reading them back, and marking those rolled back."""

    def change_started(self, run_id: int, control: str, change: Change) -> int:
        """Persist a write's before-value and commit it before the write happens; return the change id."""
        with self._write() as session:
            if session.get(RunRow, run_id) is None:
                raise StoreError(f"no run {run_id} in history")
            row = convert.change_row(run_id, control, change, self._clock())
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def change_finished(self, change: Change) -> None:
        """Record a write's outcome (``after``, ``outcome``, ``resource``, ``error``) by ``change.id``."""
        if change.id is None:
            raise StoreError(f"change of {change.setting!r} has no id; record it with change_started first")
        with self._write() as session:
            done = session.execute(
                update(ChangeRow)
                .where(col(ChangeRow.id) == change.id)
                .values(
                    after=change.after,
                    outcome=Outcome(change.outcome).value,
                    resource=dict(change.resource),
                    created=change.created,
                    error=change.error,
                    finished_at=self._clock(),
                )
            )
            if rowcount(done) != 1:
                raise StoreError(f"no change {change.id} in history")

    def changes_for_run(self, run_id: int) -> list[tuple[str, Change]]:
        """``(control, change)`` pairs of a run, in the order the writes were started."""
        with self._read() as session:
            rows = session.execute(select(ChangeRow).where(col(ChangeRow.run_id) == run_id).order_by(col(ChangeRow.id)))
            return [(r.control, convert.change_from_row(r)) for r in rows.scalars()]

    def mark_rolled_back(self, change_ids: list[int], rollback_run_id: int) -> None:
        """Note that ``rollback_run_id`` restored these changes, so they are not rolled back twice."""
        ids = sorted(set(change_ids))
        if not ids:
            return
        with self._write() as session:
            if session.get(RunRow, rollback_run_id) is None:
                raise StoreError(f"no run {rollback_run_id} in history")
            done = session.execute(
                update(ChangeRow).where(col(ChangeRow.id).in_(ids)).values(rolled_back_by_run_id=rollback_run_id)
            )
            if rowcount(done) != len(ids):
                raise StoreError(f"only {rowcount(done)} of changes {ids} are in history; none were marked")

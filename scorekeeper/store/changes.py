"""The writes a run made to a tenant: each before-value committed before the write, each outcome after.

This is what rollback restores from, so its one rule is the one the engine relies on most:
:meth:`ChangeHistory.change_started` has committed the before-value by the time it returns,
before the plugin writes to the tenant. A process that dies mid-write still leaves the change
in history for rollback to find.

A fleet remediation records two rows' worth of statements per setting (the pending row, then
its outcome), seven settings a tenant: through the ORM (a ``Session``, an identity map, a flush)
each cost about as much CPU as the tenant's requests did. The statements are compiled once
(:mod:`scorekeeper.store.prepared`) and run on a bare connection: the same rows, the same
transaction per call, the same commit before the call returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from scorekeeper.domain.model import Change, Outcome
from scorekeeper.store import convert
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import ChangeRow, RunRow
from scorekeeper.store.transactions import Transactions

__all__ = ["ChangeHistory"]

_CHANGES = ChangeRow.__table__  # type: ignore[attr-defined]
_RUNS = RunRow.__table__  # type: ignore[attr-defined]

#: Every column a pending change row fills (``convert.change_values``' keys).
_STARTED_COLUMNS = (
    "run_id",
    "control",
    "setting",
    "before",
    "after",
    "outcome",
    "resource",
    "created",
    "error",
    "started_at",
    "rolled_back_by_run_id",
)
_INSERT_CHANGE = Prepared(insert(_CHANGES).returning(_CHANGES.c.id), columns=list(_STARTED_COLUMNS))
_FINISH_CHANGE = Prepared(
    update(_CHANGES)
    .where(_CHANGES.c.id == bindparam("change_id"))
    .values(
        after=bindparam("after_value"),
        outcome=bindparam("outcome_value"),
        resource=bindparam("resource_value"),
        created=bindparam("created_value"),
        error=bindparam("error_value"),
        finished_at=bindparam("finished_value"),
    )
)
_RUN_EXISTS = Prepared(select(_RUNS.c.id).where(_RUNS.c.id == bindparam("run_id")))
_RUN_TENANT = Prepared(select(_RUNS.c.tenant).where(_RUNS.c.id == bindparam("run_id")))
#: The columns :func:`_change` reads, in its order.
_READ_COLUMNS = (
    _CHANGES.c.control,
    _CHANGES.c.setting,
    _CHANGES.c.before,
    _CHANGES.c.after,
    _CHANGES.c.outcome,
    _CHANGES.c.resource,
    _CHANGES.c.created,
    _CHANGES.c.error,
    _CHANGES.c.id,
    _CHANGES.c.rolled_back_by_run_id,
)
_CHANGES_OF_RUN = Prepared(
    select(*_READ_COLUMNS).where(_CHANGES.c.run_id == bindparam("run_id")).order_by(_CHANGES.c.id)
)
_MARK_ROLLED_BACK = Prepared(
    update(_CHANGES)
    .where(_CHANGES.c.id.in_(bindparam("ids", expanding=True)))
    .values(rolled_back_by_run_id=bindparam("rollback_run"))
)


def _change(row: Sequence[Any]) -> tuple[str, Change]:
    """``(control, change)`` of one :data:`_CHANGES_OF_RUN` row."""
    control, *columns = row
    return control, convert.change_from_columns(*columns)


class ChangeHistory(Transactions):
    """Recording a run's writes as they happen, reading them back, and marking those rolled back."""

    def change_started(self, run_id: int, control: str, change: Change) -> int:
        """Persist a write's before-value and commit it before the write happens; return the change id."""
        values = convert.change_values(run_id, control, change, self._clock())
        try:
            with self._write_connection() as connection:
                returned = _INSERT_CHANGE.execute(connection, values).fetchall()  # to the end: the statement is done
        except StoreError as exc:  # the run's foreign key: a change of no run is refused, nothing stored
            if isinstance(exc.__cause__, IntegrityError):
                raise StoreError(f"no run {run_id} in history") from exc
            raise
        assert returned and returned[0][0] is not None
        return int(returned[0][0])

    def change_finished(self, change: Change) -> None:
        """Record a write's outcome (``after``, ``outcome``, ``resource``, ``error``) by ``change.id``."""
        if change.id is None:
            raise StoreError(f"change of {change.setting!r} has no id; record it with change_started first")
        values = {
            "change_id": change.id,
            "after_value": change.after,
            "outcome_value": Outcome(change.outcome).value,
            "resource_value": dict(change.resource),
            "created_value": change.created,
            "error_value": change.error,
            "finished_value": self._clock(),
        }
        with self._write_connection() as connection:
            done = _FINISH_CHANGE.execute(connection, values).rowcount
        if done != 1:
            raise StoreError(f"no change {change.id} in history")

    def changes_for_run(self, run_id: int) -> list[tuple[str, Change]]:
        """``(control, change)`` pairs of a run, in the order the writes were started."""
        with self._read() as session:
            rows = _CHANGES_OF_RUN.rows(session.connection(), {"run_id": run_id})
        return [_change(row) for row in rows]

    def run_tenant(self, run_id: int) -> str | None:
        """The tenant a run belongs to (``None``: no such run); all a rollback needs of the run itself.

        ``get_run`` reads the run whole (its findings too): a fleet rollback asked it once per tenant.
        """
        with self._read() as session:
            found = _RUN_TENANT.first(session.connection(), {"run_id": run_id})
        return str(found[0]) if found is not None else None

    def mark_rolled_back(self, change_ids: list[int], rollback_run_id: int) -> None:
        """Note that ``rollback_run_id`` restored these changes, so they are not rolled back twice."""
        ids = sorted(set(change_ids))
        if not ids:
            return
        with self._write_connection() as connection:
            if _RUN_EXISTS.first(connection, {"run_id": rollback_run_id}) is None:
                raise StoreError(f"no run {rollback_run_id} in history")
            done = _MARK_ROLLED_BACK.execute(connection, {"ids": ids, "rollback_run": rollback_run_id}).rowcount
            if done != len(ids):
                raise StoreError(f"only {done} of changes {ids} are in history; none were marked")

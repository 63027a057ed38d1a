"""Drift baselines as the store keeps them: established by verified remediations, attestations and
exceptions, withdrawn by rollbacks.

The rule — what establishes a baseline and what counts as drift — is ``domain/baseline.py``; this
module only keeps its rows (``BaselineRow``, append-only) with Core statements on the caller's
open write transaction, so that a run's results, its baselines and its drift commit together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from scorekeeper.domain.baseline import Baseline, by_person, established
from scorekeeper.domain.model import ControlResult, RestoreStatus
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.tables import AttestationRow, BaselineRow, ChangeRow, RunRow
from scorekeeper.store.transactions import Transactions

__all__ = ["BaselineHistory", "current", "establish", "withdraw_rolled_back"]

_BASELINES = SQLModel.metadata.tables[BaselineRow.__tablename__]
_CHANGES = SQLModel.metadata.tables[ChangeRow.__tablename__]
_RUNS = SQLModel.metadata.tables[RunRow.__tablename__]
_ATTESTATIONS = SQLModel.metadata.tables[AttestationRow.__tablename__]

_OF_TENANT = Prepared(
    select(_BASELINES)
    .where(_BASELINES.c.tenant == bindparam("tenant"), _BASELINES.c.withdrawn_by_run_id.is_(None))
    .order_by(_BASELINES.c.id)
)
_ATTESTED = Prepared(
    select(_ATTESTATIONS.c.control, _ATTESTATIONS.c.setting, func.max(_ATTESTATIONS.c.at))
    .where(_ATTESTATIONS.c.tenant == bindparam("tenant"))
    .group_by(_ATTESTATIONS.c.control, _ATTESTATIONS.c.setting)
)
_SET_DRIFT = (
    update(_BASELINES)
    .where(_BASELINES.c.id == bindparam("id_"))
    .values(drift_value=bindparam("drift_value"), drift_since=bindparam("drift_since"))
)


def current(connection: Connection, tenant: str) -> dict[tuple[str, str], Baseline]:
    """Each setting's baseline: the newest row not withdrawn (by control and setting)."""
    found: dict[tuple[str, str], Baseline] = {}
    names = _BASELINES.c.keys()
    for values in _OF_TENANT.rows(connection, {"tenant": tenant}):
        row = dict(zip(names, values, strict=True))
        found[(row["control"], row["setting"])] = Baseline(
            tenant=row["tenant"],
            control=row["control"],
            setting=row["setting"],
            value=row["value"],
            source=row["source"],
            run_id=row["run_id"],
            at=row["at"],
            drift_value=row["drift_value"],
            drift_since=row["drift_since"],
            id=row["id"],
        )
    return found


def establish(connection: Connection, tenant: str, run_id: int, results: Iterable[ControlResult], at: datetime) -> int:
    """Add the baselines a remediation's verified writes established; returns how many."""
    rows = [
        {"tenant": tenant, "control": control, "setting": setting, "value": value, "source": "remediation"}
        | {"run_id": run_id, "at": at}
        for result in results
        for (control, setting), value in established(result.findings).items()
    ]
    if rows:
        connection.execute(insert(_BASELINES), rows)
    return len(rows)


def establish_by_person(
    connection: Connection,
    tenant: str,
    run_id: int,
    held: dict[tuple[str, str], Baseline],
    findings: list[Any],
    at: datetime,
) -> None:
    """Add the baselines attestations and exceptions establish at this assessment (``by_person``), into ``held`` too."""
    attested: dict[tuple[str, str], datetime] = {}
    for control, setting, when in _ATTESTED.rows(connection, {"tenant": tenant}):
        attested[(control, setting)] = when
    found = by_person(held, findings, attested)
    if not found:
        return
    for finding, source in found:
        row = {"tenant": tenant, "control": finding.control, "setting": finding.setting, "value": finding.current}
        new_id = connection.execute(
            insert(_BASELINES).values(**row, source=source, run_id=run_id, at=at)
        ).inserted_primary_key
        held[(finding.control, finding.setting)] = Baseline(
            tenant,
            finding.control,
            finding.setting,
            finding.current,
            source,
            run_id,
            at,
            id=new_id[0] if new_id else None,
        )


def withdraw_rolled_back(
    connection: Connection, tenant: str, rollback_run_id: int, results: Iterable[ControlResult]
) -> int:
    """Withdraw the baselines the rolled-back run established for each setting a rollback restored.

    The rolled-back run is the rollback's parent. The baseline then falls back to what was
    established before it, or there is none: scorekeeper's own undo is never drift.
    """
    parent = _PARENT_RUN.scalar(connection, {"run_id": rollback_run_id})
    if parent is None:
        return 0
    restored = {
        (result.control, r.change.setting)
        for result in results
        for r in result.restorations
        if r.status is not RestoreStatus.FAILED
    }
    count = 0
    for control, setting in sorted(restored):
        values = {"tenant": tenant, "parent": parent, "control": control, "setting": setting, "by": rollback_run_id}
        count += _WITHDRAW.execute(connection, values).rowcount or 0
    return count


# Built and compiled once: a rollback withdraws a baseline per restored setting (7 a tenant in a fleet).
_PARENT_RUN = Prepared(select(_RUNS.c.parent_run_id).where(_RUNS.c.id == bindparam("run_id")))
_WITHDRAW = Prepared(
    update(_BASELINES)
    .where(
        _BASELINES.c.tenant == bindparam("tenant"),
        _BASELINES.c.run_id == bindparam("parent"),
        _BASELINES.c.control == bindparam("control"),
        _BASELINES.c.setting == bindparam("setting"),
        _BASELINES.c.withdrawn_by_run_id.is_(None),
    )
    .values(withdrawn_by_run_id=bindparam("by"))
)


def set_drift(connection: Connection, changes: Iterable[tuple[int, object, datetime | None]]) -> None:
    """Remember the drift last reported against each baseline row: ``(id, value, since)``, ``since`` None to clear."""
    params = [{"id_": i, "drift_value": v, "drift_since": s} for i, v, s in changes]
    if params:
        connection.execute(_SET_DRIFT, params)


def rolled_back_since(
    connection: Connection, tenant: str, after_run_id: int, before_run_id: int
) -> set[tuple[str, str]]:
    """Settings a rollback of ``tenant`` between the two runs restored: scorekeeper's own undo, not drift."""
    values = {"tenant": tenant, "after": after_run_id, "before": before_run_id}
    return {(c, s) for c, s in _ROLLED_BACK.rows(connection, values)}


_ROLLED_BACK = Prepared(
    select(_CHANGES.c.control, _CHANGES.c.setting)
    .join(_RUNS, _RUNS.c.id == _CHANGES.c.rolled_back_by_run_id)
    .where(
        and_(
            _RUNS.c.tenant == bindparam("tenant"),
            _CHANGES.c.rolled_back_by_run_id > bindparam("after"),
            _CHANGES.c.rolled_back_by_run_id < bindparam("before"),
        )
    )
)


class BaselineHistory(Transactions):
    """Reading each setting's baseline (what drift compares an assessment with)."""

    def baselines(self, tenant: str) -> list[Baseline]:
        """The tenant's baselines in force, in the order they were established."""
        with self._read() as session:
            return sorted(current(_connection(session), tenant).values(), key=lambda b: b.id or 0)

    def attested_and_baselined(self) -> tuple[set[tuple[str, str]], set[str]]:
        """Every (tenant, control) with an attestation, and every tenant with a baseline: one read for a fleet.

        A fleet's assessment asks these once, so that a tenant that attests nothing and has no
        baseline (most of them) costs no read of its own.
        """
        with self._read() as session:
            connection = _connection(session)
            pairs = connection.execute(select(_ATTESTATIONS.c.tenant, _ATTESTATIONS.c.control).distinct())
            attested = {(tenant, control) for tenant, control in pairs}
            held = _BASELINES.c.withdrawn_by_run_id.is_(None)
            baselined = set(connection.execute(select(_BASELINES.c.tenant).where(held).distinct()).scalars())
            return attested, baselined

    def open_drift(self, tenant: str) -> list[Baseline]:
        """The tenant's settings off their baseline now (``drift_value``, ``drift_since``): for reports and views."""
        return [b for b in self.baselines(tenant) if b.drift_since is not None]

    def baselines_by_setting(self, tenant: str) -> dict[tuple[str, str], Baseline]:
        """The tenant's baselines in force by ``(control, setting)`` (what the engine's drift check needs)."""
        with self._read() as session:
            return current(_connection(session), tenant)


def _connection(session: Session) -> Connection:
    return session.connection()

"""Reads of many runs at once, in a handful of statements whatever the number of runs or tenants.

A fleet report of 200 tenants needs 200 runs with their findings, changes and scores, each
tenant's previous assessment, score history and attestations. One query per run (``get_run``
in a loop) made that ~2,600 statements; the functions here answer each need with one statement
per table over ``IN (...)`` lists (chunked below SQLite's parameter limit), and ``get_run`` is
:func:`runs_by_id` of one id, so a run is assembled in one place.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import JSON, Text, func, select, type_coerce
from sqlalchemy.orm import Session

from scorekeeper.domain.model import Attestation, Change, ControlResult, Finding, RunResult, SecureScore
from scorekeeper.store import convert
from scorekeeper.store.tables import (
    AttestationRow,
    ChangeRow,
    ControlResultRow,
    FindingBodyRow,
    FindingRow,
    RunRow,
    RunVersionsRow,
    ScoreSnapshotRow,
)

CHUNK = 500
T = TypeVar("T")


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _rows(session: Session, table: Any, column: Any, keys: Sequence[Any], *order: Any) -> list[Any]:
    found: list[Any] = []
    for part in _chunks(keys):
        found += session.execute(select(table).where(column.in_(part)).order_by(*order)).scalars()
    return found


def runs_by_id(session: Session, run_ids: Iterable[int]) -> dict[int, RunResult]:
    """The runs of ``run_ids`` that exist, each with its findings, changes and scores by control.

    A run still going (or cut short) has no finish time; ``finished_at`` then repeats
    ``started_at`` and ``status`` says ``running`` or ``interrupted``.
    """
    ids = sorted(set(run_ids))
    runs = {r.id: r for r in _rows(session, RunRow, RunRow.id, ids)}
    if not runs:
        return {}
    versions = _versions(session, sorted({r.versions_id for r in runs.values() if r.versions_id is not None}))
    ids = sorted(runs)
    results: dict[int, list[ControlResultRow]] = defaultdict(list)
    for row in _rows(session, ControlResultRow, ControlResultRow.run_id, ids, ControlResultRow.id):
        results[row.run_id].append(row)
    findings: dict[int, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    links: list[tuple[int, int]] = []
    for part in _chunks(ids):
        query = select(FindingRow.run_id, FindingRow.body_id).where(FindingRow.run_id.in_(part)).order_by(FindingRow.id)
        links += [(run_id, body_id) for run_id, body_id in session.execute(query)]
    bodies = _bodies(session, sorted({body_id for _, body_id in links}))
    for run_id, body_id in links:
        finding = bodies[body_id]
        findings[run_id][finding.control].append(finding)
    changes: dict[int, dict[str, list[Change]]] = defaultdict(lambda: defaultdict(list))
    for row in _rows(session, ChangeRow, ChangeRow.run_id, ids, ChangeRow.id):
        changes[row.run_id][row.control].append(convert.change_from_row(row))
    scores: dict[int, dict[str, SecureScore]] = defaultdict(dict)
    for row in _rows(session, ScoreSnapshotRow, ScoreSnapshotRow.run_id, ids, ScoreSnapshotRow.id):
        scores[row.run_id][row.control] = convert.score_from_row(row)
    return {
        run_id: _assemble(
            run, versions.get(run.versions_id or 0), results[run_id], findings[run_id], changes[run_id], scores[run_id]
        )
        for run_id, run in runs.items()
    }


def _versions(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    """The stored versions maps of ``ids`` (``run_versions``, migration 0012), each decoded once."""
    found: dict[int, Any] = {}
    for part in _chunks(ids):
        query = select(RunVersionsRow.id, RunVersionsRow.versions).where(RunVersionsRow.id.in_(part))
        found.update({map_id: versions for map_id, versions in session.execute(query)})
    return found


def _bodies(session: Session, body_ids: Sequence[int]) -> dict[int, Finding]:
    """Each finding body once, however many runs point at it.

    Bodies are stored once per distinct finding (migration 0006), and a fleet's runs share many
    (every tenant whose setting reads the same); decoding each once, not once per run, is most
    of what reading a fleet's findings costs. The ``Finding`` objects are immutable, so the runs
    share them too (and a report renders a shared value once, ``reports.rows``).
    """
    columns = FindingBodyRow.__table__.c  # Core rows, not ORM objects: a fleet has thousands of bodies
    # SQLite hands JSON columns over as text: read them as text and decode here, where the many
    # empty lists and objects skip the parser. Other drivers decode JSON themselves.
    sqlite = session.get_bind().dialect.name == "sqlite"
    decode = [sqlite and isinstance(c.type, JSON) for c in columns]
    raw = [type_coerce(c, Text).label(c.name) if text else c for c, text in zip(columns, decode, strict=True)]
    names = [c.name for c in columns]
    found: dict[int, Finding] = {}
    for part in _chunks(body_ids):
        for row in session.execute(select(*raw).where(columns.id.in_(part))):
            values = {n: _json(v) if j else v for n, j, v in zip(names, decode, row, strict=True)}
            found[values["id"]] = convert.finding_from_row(SimpleNamespace(**values))
    return found


_JSON_CONSTANTS: dict[str, Any] = {"null": None, "true": True, "false": False}


def _json(value: str | float | None) -> Any:
    """A JSON column read as text (SQL NULL: ``None``), decoded; empty lists, objects, constants without the parser."""
    if not isinstance(value, str):  # NULL, or a number that SQLite's NUMERIC affinity stored as one
        return value
    if value in _JSON_CONSTANTS:
        return _JSON_CONSTANTS[value]
    if value == "[]":
        return []
    if value == "{}":
        return {}
    return json.loads(value)


def _assemble(
    run: RunRow,
    versions: dict[str, str] | None,
    results: list[ControlResultRow],
    by_control: dict[str, list[Finding]],
    changes_by: dict[str, list[Change]],
    score_by: dict[str, SecureScore],
) -> RunResult:
    titles: dict[str, tuple[str, str]] = {r.control: (r.title, r.error) for r in results}
    order = [c for c in run.controls if c in titles or c in by_control or c in changes_by]
    order += [c for c in [*titles, *by_control, *changes_by] if c not in order]
    controls = tuple(
        ControlResult(
            control=c,
            title=titles.get(c, ("", ""))[0],
            findings=tuple(by_control.get(c, ())),
            changes=tuple(changes_by.get(c, ())),
            score=score_by.get(c),
            error=titles.get(c, ("", ""))[1],
        )
        for c in dict.fromkeys(order)
    )
    assert run.id is not None
    return RunResult(
        run_id=run.id,
        tenant=run.tenant,
        kind=run.kind,
        controls=controls,
        started_at=run.started_at,
        finished_at=run.finished_at or run.started_at,
        status=run.status,
        actor=convert.actor_from_row(run),
        versions=dict(versions) if versions else None,
        organization=convert.organization_from_row(run),
    )


def latest_run_ids(session: Session, tenants: Sequence[str], kind: str) -> dict[str, int]:
    """The newest run of ``kind`` of each tenant that has one."""
    found: dict[str, int] = {}
    for part in _chunks(tenants):
        query = (
            select(RunRow.tenant, func.max(RunRow.id))
            .where(RunRow.tenant.in_(part), RunRow.kind == kind)
            .group_by(RunRow.tenant)
        )
        found.update({tenant: run_id for tenant, run_id in session.execute(query)})
    return found


def previous_run_ids(session: Session, runs: Sequence[tuple[int, str]], kind: str, status: str) -> dict[int, int]:
    """For each ``(run_id, tenant)``, the tenant's newest earlier run of ``kind`` that ended ``status``."""
    found: dict[int, int] = {}
    if not runs:
        return found
    tenants = sorted({tenant for _, tenant in runs})
    newest = max(run_id for run_id, _ in runs)
    earlier: dict[str, list[int]] = defaultdict(list)
    for part in _chunks(tenants):
        query = (
            select(RunRow.tenant, RunRow.id)
            .where(RunRow.tenant.in_(part), RunRow.kind == kind, RunRow.status == status, RunRow.id < newest)
            .order_by(RunRow.id)
        )
        for tenant, run_id in session.execute(query):
            earlier[tenant].append(run_id)
    for run_id, tenant in runs:
        before = [r for r in earlier.get(tenant, []) if r < run_id]
        if before:
            found[run_id] = before[-1]
    return found


def finding_statuses(session: Session, run_ids: Sequence[int]) -> dict[int, dict[tuple[str, str], str]]:
    """Each run's status per (control, setting)."""
    found: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    for part in _chunks(sorted(set(run_ids))):
        query = (
            select(FindingRow.run_id, FindingBodyRow.control, FindingBodyRow.setting, FindingBodyRow.status)
            .join(FindingBodyRow, FindingBodyRow.id == FindingRow.body_id)
            .where(FindingRow.run_id.in_(part))
        )
        for run_id, control, setting, status in session.execute(query):
            found[run_id][(control, setting)] = status
    return found


def score_histories(session: Session, tenants: Sequence[str], limit: int) -> dict[tuple[str, str], list[SecureScore]]:
    """The newest ``limit`` score snapshots of every (tenant, control), oldest first."""
    found: dict[tuple[str, str], list[SecureScore]] = defaultdict(list)
    for part in _chunks(sorted(set(tenants))):
        ranked = (
            select(
                ScoreSnapshotRow.id,
                func.row_number()
                .over(
                    partition_by=(ScoreSnapshotRow.tenant, ScoreSnapshotRow.control),
                    order_by=(ScoreSnapshotRow.taken_at.desc(), ScoreSnapshotRow.id.desc()),
                )
                .label("n"),
            )
            .where(ScoreSnapshotRow.tenant.in_(part))
            .subquery()
        )
        query = (
            select(ScoreSnapshotRow)
            .join(ranked, ranked.c.id == ScoreSnapshotRow.id)
            .where(ranked.c.n <= limit)
            .order_by(ScoreSnapshotRow.taken_at, ScoreSnapshotRow.id)
        )
        for row in session.execute(query).scalars():
            found[(row.tenant, row.control)].append(convert.score_from_row(row))
    return found


def attestations_of(session: Session, tenants: Sequence[str]) -> dict[str, list[Attestation]]:
    """Every attestation of ``tenants``, oldest first per tenant."""
    found: dict[str, list[Attestation]] = defaultdict(list)
    names = sorted(set(tenants))
    for row in _rows(session, AttestationRow, AttestationRow.tenant, names, AttestationRow.at, AttestationRow.id):
        found[row.tenant].append(convert.attestation_from_row(row))
    return found

"""A run's drift against the tenant's previous completed assessment, inside an open write transaction.

The rule itself lives in ``drift.py`` (pure functions over domain objects); this module only
gathers what it compares, as cheaply as a fleet needs: every assessed tenant pays for it once
per run. The previous run is read through a few cached Core statements that fetch only the
columns the rule looks at (a finding's status and value, a score, a total with its control
scores; never the evidence or the stored control profiles), and the run being recorded is
taken from memory when the caller has it (``record_run`` does) instead of being read back.
Measured per tenant run of SSPR + PWAgePolicyNew: about 10 ms of CPU through ORM rows, about
1 ms here (see docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, bindparam, insert, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from scorekeeper.domain.baseline import back_in_line, drifted
from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.domain.securescore import Comparison, DailyScore
from scorekeeper.store import baselines, convert
from scorekeeper.store.drift import baseline_drift, dropped_scores, dropped_totals, regressed_settings
from scorekeeper.store.overview import ASSESSING_KINDS
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.records import DriftEvent
from scorekeeper.store.tables import (
    DriftEventRow,
    FindingBodyRow,
    FindingRow,
    RunRow,
    ScoreControlsRow,
    ScoreSnapshotRow,
    TenantScoreRow,
)

_TABLES = SQLModel.metadata.tables
_BODIES = _TABLES[FindingBodyRow.__tablename__]
_FINDINGS = _TABLES[FindingRow.__tablename__]
_SCORES = _TABLES[ScoreSnapshotRow.__tablename__]
_TOTALS = _TABLES[TenantScoreRow.__tablename__]
_MAPS = _TABLES[ScoreControlsRow.__tablename__]
_DRIFT = _TABLES[DriftEventRow.__tablename__]
_RUNS = _TABLES[RunRow.__tablename__]

# Built once per process: SQLAlchemy then finds each compiled form in its cache and only binds values.
_RECORDED = select(_DRIFT.c.id).where(_DRIFT.c.run_id == bindparam("run_id")).limit(1)
_PREVIOUS_RUN = (
    select(_RUNS.c.id)
    .where(
        _RUNS.c.tenant == bindparam("tenant"),
        _RUNS.c.kind.in_(ASSESSING_KINDS),
        _RUNS.c.status == "completed",
        _RUNS.c.id < bindparam("run_id"),
    )
    .order_by(_RUNS.c.id.desc())
    .limit(1)
)
_RUN_FINDINGS = Prepared(
    select(*(_BODIES.c[name] for name in ("control", "setting", "status", "current", "desired", "reason")))
    .join(_FINDINGS, _FINDINGS.c.body_id == _BODIES.c.id)
    .where(_FINDINGS.c.run_id == bindparam("run_id"))
    .order_by(_FINDINGS.c.id)
)
_RUN_BODY_IDS = Prepared(
    select(_FINDINGS.c.body_id).where(_FINDINGS.c.run_id == bindparam("run_id")).order_by(_FINDINGS.c.id)
)
_RUN_SCORES = Prepared(
    select(_SCORES.c.control, _SCORES.c.score, _SCORES.c.max_score, _SCORES.c.taken_at)
    .where(_SCORES.c.run_id == bindparam("run_id"))
    .order_by(_SCORES.c.id)
)
#: A run's whole score and its control-score map, the map left out (NULL) when its id is ``known_map``:
#: the caller holds that map already (an unchanged tenant's map is the one it is recording), so it
#: is neither sent nor decoded.
_RUN_TOTAL = Prepared(
    select(
        _TOTALS.c.scored_at,
        _TOTALS.c.current_score,
        _TOTALS.c.max_score,
        _TOTALS.c.comparisons,
        _TOTALS.c.controls_id,
        _MAPS.c.controls,
    )
    .select_from(
        _TOTALS.outerjoin(_MAPS, and_(_MAPS.c.id == _TOTALS.c.controls_id, _MAPS.c.id != bindparam("known_map")))
    )
    .where(_TOTALS.c.run_id == bindparam("run_id"))
    .order_by(_TOTALS.c.id)
    .limit(1)
)
_DRIFT_COLUMNS = ("tenant", "control", "setting", "kind", "previous_run_id", "run_id", "detail", "at")
_INSERT_DRIFT = Prepared(insert(_DRIFT), columns=_DRIFT_COLUMNS)


def _connection(session: Session | Connection) -> Connection:
    return session if isinstance(session, Connection) else session.connection()


@dataclass(frozen=True)
class RunFacts:
    """What drift compares of one run: its findings in report order, control scores, whole score."""

    findings: Sequence[Finding]
    scores: dict[str, SecureScore]
    total: DailyScore | None


def facts_of(results: Iterable[ControlResult], total: DailyScore | None) -> RunFacts:
    """The facts of a run about to be stored, from the results in hand (what ``record_run`` writes)."""
    results = list(results)
    findings = [f for r in results for f in r.findings]
    return RunFacts(findings, {r.control: r.score for r in results if r.score is not None}, total)


def read_facts(
    session: Session | Connection,
    run_id: int,
    *,
    like: tuple[Sequence[int], Sequence[Finding]] | None = None,
    body_ids: Sequence[int] | None = None,
    known_map: tuple[int, Mapping[str, float]] | None = None,
) -> RunFacts:
    """A stored run's :class:`RunFacts`, reading only the columns the drift rule uses.

    ``like`` is another run's findings with their body ids, in report order: when the stored run
    points at the same bodies in the same order its findings are those (bodies are
    content-addressed, the digest covering every column read here), so they are not read and
    decoded again — the common case of an unchanged tenant. ``body_ids`` are the stored run's
    own body ids when the caller read them already. ``known_map`` is a stored control-score map
    the caller holds, by id (see :func:`read_total`).
    """
    connection = _connection(session)
    if like is not None and body_ids is None:
        body_ids = [body_id for (body_id,) in _RUN_BODY_IDS.rows(connection, {"run_id": run_id})]
    if like is not None and list(like[0]) == list(body_ids or ()):
        findings = list(like[1])
    else:
        findings = [
            Finding(control=c, setting=s, status=Status(status), current=current, desired=desired, reason=reason or "")
            for c, s, status, current, desired, reason in _RUN_FINDINGS.rows(connection, {"run_id": run_id})
        ]
    scores = {
        control: SecureScore(control=control, score=score, max_score=max_score, taken_at=taken_at)
        for control, score, max_score, taken_at in _RUN_SCORES.rows(connection, {"run_id": run_id})
    }
    return RunFacts(findings, scores, read_total(connection, run_id, known_map))


def read_total(
    session: Session | Connection, run_id: int, known_map: tuple[int, Mapping[str, float]] | None = None
) -> DailyScore | None:
    """The whole Secure Score an assessment recorded (``tenant_scores.of_run`` without the profiles).

    ``known_map``: a stored control-score map's id and its controls, held by the caller; a run
    whose score points at that map gets those controls, not the map read and decoded again.
    """
    known_id, known_controls = known_map if known_map is not None else (-1, None)
    row = _RUN_TOTAL.first(_connection(session), {"run_id": run_id, "known_map": known_id})
    if row is None:
        return None
    scored_at, current, max_score, comparisons, controls_id, controls = row
    if controls_id is not None and controls_id == known_id:
        controls = known_controls
    return DailyScore(
        scored_at=scored_at,
        current=current,
        max_score=max_score,
        comparisons=tuple(Comparison(str(c.get("basis", "")), c.get("averageScore")) for c in comparisons or ()),
        controls={str(k): float(v) for k, v in (controls or {}).items()},
    )


def drift_in(session: Session, run_id: int, tenant: str, current: RunFacts | None = None) -> list[DriftEvent]:
    """Record and return ``run_id``'s drift (idempotent: events already recorded are returned as they are).

    ``current`` is the run's own facts when the caller holds them (they must be what it stored);
    without it they are read back. ``[]`` when the tenant has no earlier completed assessment.
    """
    if session.execute(_RECORDED, {"run_id": run_id}).first() is not None:
        existing = select(DriftEventRow).where(_DRIFT.c.run_id == run_id).order_by(_DRIFT.c.id)
        return [convert.drift_from_row(r) for r in session.execute(existing).scalars()]
    previous_id = session.execute(_PREVIOUS_RUN, {"tenant": tenant, "run_id": run_id}).scalar()
    now_ = current if current is not None else read_facts(session, run_id)
    return drift_against(session, run_id, tenant, previous_id, now_)


def drift_against(
    session: Session | Connection,
    run_id: int,
    tenant: str,
    previous_id: int | None,
    now_: RunFacts,
    body_ids: Sequence[int] | None = None,
    previous_body_ids: Sequence[int] | None = None,
    *,
    authors: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    known_map: tuple[int, Mapping[str, float]] | None = None,
) -> list[DriftEvent]:
    """Record and return the drift of ``run_id`` (facts ``now_``): against each setting's baseline,
    and against the completed assessment ``previous_id`` (``None``: there is none).

    A setting with a baseline is judged against it alone (``domain/baseline.py``): it drifted when
    its value differs, whoever changed it; settings a rollback of scorekeeper's restored since the
    previous assessment are not regressions (the rollback moved their baselines). ``body_ids``
    are ``now_``'s findings' body ids when the caller knows them (``record_run`` just wrote them),
    ``previous_body_ids`` those of ``previous_id`` if it read them: an unchanged run's previous
    findings are then not read back. Given a connection (``record_run``'s write path) the events
    are inserted as Core rows and returned without their ids; given a session, with them.
    ``known_map`` is ``now_``'s control-score map by its stored id, when the caller knows the id
    (:func:`read_total`: an unchanged previous map is not read back).
    """
    core = _connection(session)
    at = datetime.now(UTC)
    held = baselines.current(core, tenant)
    baselines.establish_by_person(core, tenant, run_id, held, list(now_.findings), at)
    found = drifted(held, now_.findings)
    events = baseline_drift(tenant, [d for d in found if d.new], run_id=run_id, at=at, authors=authors or {})
    baselines.set_drift(core, [(d.baseline.id, d.current, at) for d in found if d.new and d.baseline.id is not None])
    baselines.set_drift(core, [(b.id, None, None) for b in back_in_line(held, now_.findings) if b.id is not None])
    if previous_id is not None:
        like = (body_ids, now_.findings) if body_ids is not None else None
        before = read_facts(core, previous_id, like=like, body_ids=previous_body_ids, known_map=known_map)
        ids = {"run_id": run_id, "previous_run_id": previous_id}
        skip = set(held) | baselines.rolled_back_since(core, tenant, previous_id, run_id)
        events += regressed_settings(tenant, before.findings, now_.findings, skip=skip, **ids)
        events += dropped_scores(tenant, before.scores, now_.scores, **ids)
        events += dropped_totals(tenant, before.total, now_.total, already_compared=now_.scores, **ids)
    if not events:
        return []
    rows = [convert.drift_to_row(event, at) for event in events]
    if isinstance(session, Connection):
        _INSERT_DRIFT.executemany(session, [{name: getattr(row, name) for name in _DRIFT_COLUMNS} for row in rows])
        return [convert.drift_from_row(r) for r in rows]
    session.add_all(rows)
    session.flush()
    return [convert.drift_from_row(r) for r in rows]

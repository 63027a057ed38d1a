"""A whole run's results in a few Core statements: the write a fleet makes once per tenant.

``HistoryStore.record_run`` is what every assessed tenant pays for, so it avoids the ORM's unit of
work (object construction, identity map, flush) and builds each statement once per process:
SQLAlchemy then finds the compiled form in its cache and only binds values. Measured per tenant
run of SSPR + PWAgePolicyNew (28 findings): 15 ms of CPU through the ORM, about 3 ms here (see
docs/performance.md). Everything happens inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from scorekeeper.domain.model import ControlResult, Finding, Organization
from scorekeeper.store import convert, summary
from scorekeeper.store.dialects import content_id, dialect_name, insert_ignoring_duplicates
from scorekeeper.store.digestcache import DigestCache
from scorekeeper.store.overview import ASSESSING_KINDS
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.tables import (
    ChangeRow,
    ControlResultRow,
    DriftEventRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    RunVersionsRow,
    ScoreControlsRow,
    ScoreProfilesRow,
    ScoreSnapshotRow,
    TenantRow,
)

_BODIES = FindingBodyRow.__table__
_FINDINGS = FindingRow.__table__
_RESULTS = ControlResultRow.__table__
_SCORES = ScoreSnapshotRow.__table__
_LATEST = LatestResultRow.__table__
_RUNS = RunRow.__table__
_TENANTS = TenantRow.__table__
_EARLIER = RunRow.__table__.alias("earlier")
_DRIFT = DriftEventRow.__table__
_PROFILE_SETS = ScoreProfilesRow.__table__
_CONTROL_MAPS = ScoreControlsRow.__table__
_VERSIONS = RunVersionsRow.__table__

#: A connection or a session: the write path runs its statements on the connection (a session's own
#: when given one): ``Session.execute`` adds an ORM layer per statement that costs more CPU than
#: SQLite's work, and the hot statements go to the driver as :class:`Prepared` ones.
Executor = Session | Connection


def connection_of(executor: Executor) -> Connection:
    """The connection a session's transaction runs on (or the connection itself)."""
    return executor if isinstance(executor, Connection) else executor.connection()


# Statements built once (their construction costs more CPU than running them); values are bound.
_BODY_LOOKUP = select(_BODIES.c.digest, _BODIES.c.id).where(_BODIES.c.digest.in_(bindparam("digests", expanding=True)))
_PREVIOUS_RUN = (
    select(RunRow.id)
    .where(
        RunRow.tenant == bindparam("tenant"),
        RunRow.kind.in_(ASSESSING_KINDS),
        RunRow.status == "completed",
        RunRow.id < bindparam("run_id"),
    )
    .order_by(RunRow.id.desc())
    .limit(1)
)
_RUN_BODIES = (
    select(FindingBodyRow)
    .join(FindingRow, FindingRow.body_id == FindingBodyRow.id)
    .where(FindingRow.run_id == bindparam("run_id"))
    .order_by(FindingRow.id)
)
_RUN_SCORES = (
    select(ScoreSnapshotRow).where(ScoreSnapshotRow.run_id == bindparam("run_id")).order_by(ScoreSnapshotRow.id)
)
#: Everything ``record_run`` needs to know before it writes, in one statement: who ran it, the
#: tenant's directory id as stored (an unchanged one is not written again), the tenant's previous
#: completed assessment (what drift compares with), whether drift was recorded for it already,
#: and the stored ids of the run's control-profile set (by ``profiles_digest``), control-score
#: map (by ``controls_digest``) and versions map (by ``versions_digest``), NULL when new.
RUN_FOR_RESULTS = (
    select(
        _RUNS.c.tenant,
        _RUNS.c.kind,
        _RUNS.c.os_user,
        _RUNS.c.host,
        _RUNS.c.identity,
        _TENANTS.c.tenant_id,
        select(_EARLIER.c.id)
        .where(
            _EARLIER.c.tenant == _RUNS.c.tenant,
            _EARLIER.c.kind.in_(ASSESSING_KINDS),
            _EARLIER.c.status == "completed",
            _EARLIER.c.id < _RUNS.c.id,
        )
        .order_by(_EARLIER.c.id.desc())
        .limit(1)
        .scalar_subquery()
        .label("previous_id"),
        exists().where(_DRIFT.c.run_id == _RUNS.c.id).label("drift_recorded"),
        select(_PROFILE_SETS.c.id)
        .where(_PROFILE_SETS.c.digest == bindparam("profiles_digest"))
        .scalar_subquery()
        .label("profiles_id"),
        select(_CONTROL_MAPS.c.id)
        .where(_CONTROL_MAPS.c.digest == bindparam("controls_digest"))
        .scalar_subquery()
        .label("controls_id"),
        select(_VERSIONS.c.id)
        .where(_VERSIONS.c.digest == bindparam("versions_digest"))
        .scalar_subquery()
        .label("versions_id"),
    )
    .select_from(_RUNS.outerjoin(_TENANTS, _TENANTS.c.name == _RUNS.c.tenant))
    .where(_RUNS.c.id == bindparam("run_id"))
)


class RunForResults(NamedTuple):
    """A row of :data:`RUN_FOR_RESULTS`, by name."""

    tenant: str
    kind: str
    os_user: str
    host: str
    identity: str
    tenant_id: str | None
    previous_id: int | None
    drift_recorded: bool
    profiles_id: int | None
    controls_id: int | None
    versions_id: int | None


_RUN_FOR_RESULTS = Prepared(RUN_FOR_RESULTS)


def run_for_results(connection: Connection, values: Mapping[str, Any]) -> RunForResults | None:
    """:data:`RUN_FOR_RESULTS` with ``values`` (``run_id`` and the three digests); ``None`` for no such run."""
    row = _RUN_FOR_RESULTS.first(connection, values)
    return RunForResults(*row) if row is not None else None


_FINISH_VALUES = {
    "status": bindparam("status"),
    "error": bindparam("error"),
    "finished_at": bindparam("finished_at"),
    "identity": bindparam("who"),
}
FINISH_RUN = update(_RUNS).where(_RUNS.c.id == bindparam("id_")).values(**_FINISH_VALUES)
#: What a run recorded about its own context, once, when it finishes: the code it used (0007) and
#: the tenant's organisation names as it read them (0008); the code as a pointer to its stored
#: map in ``run_versions`` since 0012 (:func:`versions_id`).
_FACT_VALUES = {
    "versions_id": bindparam("versions_id"),
    "org_display_name": bindparam("org_display_name"),
    "org_primary_domain": bindparam("org_primary_domain"),
    "org_unread": bindparam("org_unread"),
}
RECORD_FACTS = update(_RUNS).where(_RUNS.c.id == bindparam("id_")).values(**_FACT_VALUES)
#: :data:`FINISH_RUN` and :data:`RECORD_FACTS` in one statement (what ``record_run`` sends).
FINISH_RUN_WITH_FACTS = update(_RUNS).where(_RUNS.c.id == bindparam("id_")).values(**_FINISH_VALUES, **_FACT_VALUES)
_SET_TENANT_ID = Prepared(
    update(_TENANTS)
    .where(_TENANTS.c.name == bindparam("tenant_name"), _TENANTS.c.tenant_id != bindparam("new_id"))
    .values(tenant_id=bindparam("new_id"))
)
#: The finishing updates as ``record_run`` sends them (on the driver).
FINISH_RUN_PREPARED = Prepared(FINISH_RUN)
FINISH_RUN_WITH_FACTS_PREPARED = Prepared(FINISH_RUN_WITH_FACTS)


def run_facts(run_id: int, stored_versions: int | None, organization: Organization | None) -> dict[str, Any]:
    """The parameters of :data:`RECORD_FACTS` (``None`` stays NULL: not recorded).

    ``stored_versions`` is the run's versions map as :func:`versions_id` stored it.
    """
    org = organization or Organization()
    return {
        "id_": run_id,
        "versions_id": stored_versions,
        "org_display_name": org.display_name,
        "org_primary_domain": org.primary_domain,
        "org_unread": (org.unread or None) if organization is not None else None,
    }


#: Digests of versions maps seen by this process (one per installation, in practice).
_VERSION_DIGESTS = DigestCache(1_000)


def versions_digest(versions: Mapping[str, str] | None) -> str | None:
    """SHA-256 of the canonical JSON of a versions map's ``[name, version]`` pairs in its order (migration 0012).

    ``None`` for no map (not recorded). Pairs, so a run reads back its map exactly, order included.
    """
    if versions is None:
        return None
    pairs = tuple(versions.items())
    return _VERSION_DIGESTS.digest(pairs, lambda: [list(pair) for pair in pairs])


def versions_id(session: Executor, versions: Mapping[str, str] | None, known: int | None = None) -> int | None:
    """The ``run_versions`` id of ``versions`` (``None`` for none), storing the map the first time it is seen.

    ``known`` is the id when the caller looked the digest up already (``record_run`` does, in
    :data:`RUN_FOR_RESULTS`).
    """
    digest = versions_digest(versions)
    if digest is None or versions is None:
        return None
    if known is not None:
        return known
    return content_id(session, _VERSIONS, digest, lambda: {"versions": dict(versions)})


_INSERT_FINDINGS = Prepared(insert(_FINDINGS), columns=["run_id", "body_id"])
_INSERT_RESULTS = Prepared(insert(_RESULTS), columns=["run_id", "control", "title", "error"])
SCORE_COLUMNS = ("run_id", "tenant", "control", "score", "max_score", "taken_at")
_INSERT_SCORES = Prepared(insert(_SCORES), columns=SCORE_COLUMNS)


_TENANT_LOOKUP = Prepared(select(_TENANTS.c.tenant_id).where(_TENANTS.c.name == bindparam("tenant_name")))
_INSERT_TENANT = Prepared(insert(_TENANTS), columns=["name", "tenant_id", "created_at"])
#: Every column ``start_run`` fills (the others stay NULL until the run finishes).
RUN_COLUMNS = (
    "tenant",
    "kind",
    "status",
    "scheduled",
    "parent_run_id",
    "controls",
    "error",
    "started_at",
    "pid",
    "host",
    "os_user",
    "identity",
    "process_key",
    "heartbeat_at",
    "heartbeat_seconds",
)
_INSERT_RUN = Prepared(insert(_RUNS).returning(_RUNS.c.id), columns=RUN_COLUMNS)


def ensure_tenant(session: Executor, tenant: str, tenant_id: str, clock: Callable[[], datetime]) -> None:
    """The tenant's row on first sight (``clock`` gives its creation time); its directory id filled in once known."""
    connection = connection_of(session)
    found = _TENANT_LOOKUP.first(connection, {"tenant_name": tenant})
    if found is None:
        _INSERT_TENANT.execute(connection, {"name": tenant, "tenant_id": tenant_id, "created_at": clock()})
    elif tenant_id and found[0] != tenant_id:
        set_tenant_id(connection, tenant, tenant_id)


def insert_run(session: Executor, values: Mapping[str, Any]) -> int:
    """Insert one ``runs`` row (``values`` has every one of :data:`RUN_COLUMNS`); returns its id."""
    returned = _INSERT_RUN.execute(connection_of(session), values).fetchall()  # to the end: the statement is done
    assert returned and returned[0][0] is not None
    return int(returned[0][0])


_RUN_EXISTS = Prepared(select(_RUNS.c.id).where(_RUNS.c.id == bindparam("run_id")))


def run_exists(connection: Connection, run_id: int) -> bool:
    return _RUN_EXISTS.first(connection, {"run_id": run_id}) is not None


#: Every column of a ``changes`` row but its id (``insert_changes``).
_CHANGE_COLUMNS = tuple(c.key for c in ChangeRow.__table__.columns if c.key != "id")
_INSERT_CHANGES = Prepared(insert(ChangeRow.__table__), columns=_CHANGE_COLUMNS)


def insert_changes(connection: Connection, rows: Sequence[ChangeRow]) -> None:
    """Store change rows built by ``convert.change_row`` (a run's changes that carry no id yet)."""
    _INSERT_CHANGES.executemany(connection, [{name: getattr(row, name) for name in _CHANGE_COLUMNS} for row in rows])


def set_tenant_id(session: Executor, tenant: str, tenant_id: str) -> None:
    """Keep the directory id a session used for ``tenant`` (its row exists: ``start_run`` made it)."""
    _SET_TENANT_ID.execute(connection_of(session), {"tenant_name": tenant, "new_id": tenant_id})


_PREVIOUS_BODIES = Prepared(
    select(_FINDINGS.c.body_id, _BODIES.c.digest)
    .join(_BODIES, _BODIES.c.id == _FINDINGS.c.body_id)
    .where(_FINDINGS.c.run_id == bindparam("run_id"))
    .order_by(_FINDINGS.c.id)
)


def run_bodies(session: Executor, run_id: int) -> list[tuple[int, str]]:
    """A stored run's findings as (body id, digest), in report order.

    ``record_run`` reads the tenant's previous run this way: an unchanged run's digests are all
    there (no lookup of its own), and drift compares the body ids.
    """
    return [(body_id, digest) for body_id, digest in _PREVIOUS_BODIES.rows(connection_of(session), {"run_id": run_id})]


def insert_findings(
    session: Executor, run_id: int, findings: Iterable[Finding], known: Mapping[str, int] | None = None
) -> list[int]:
    """One small row per finding, pointing at its body; a body is written only the first time it is seen.

    Returns the body ids in the order of ``findings`` (equal ids, equal findings: bodies are
    content-addressed). A body's columns are built only when it is not stored yet; the digests of
    findings this process saw before come from ``convert``'s cache; ``known`` maps digests to
    stored body ids already read (:func:`run_bodies`), which are not looked up again.
    """
    findings = list(findings)
    if not findings:
        return []
    digests = convert.finding_digests(findings)
    ids = body_ids(session, dict(zip(digests, findings, strict=True)), known or {})
    pointed = [ids[d] for d in digests]
    _INSERT_FINDINGS.executemany(
        connection_of(session), [{"run_id": run_id, "body_id": body_id} for body_id in pointed]
    )
    return pointed


def body_ids(session: Executor, findings: Mapping[str, Finding], known: Mapping[str, int]) -> dict[str, int]:
    """Digest → body id for ``findings`` (by digest), inserting the bodies not stored yet.

    ``known`` are ids already read; the other digests are looked up. New bodies go in digest
    order, so two writers on PostgreSQL take their locks in the same order; ``ON CONFLICT DO
    NOTHING`` lets both succeed when they insert the same body at once.
    """
    found: dict[str, int] = {d: known[d] for d in findings if d in known}
    wanted = sorted(d for d in findings if d not in found)
    if not wanted:
        return found
    connection = connection_of(session)
    found.update({d: i for d, i in _lookup_bodies(connection, wanted)})
    missing = [convert.body_values(findings[d]) for d in wanted if d not in found]
    if missing:
        _insert_bodies(connection.dialect.name).executemany(connection, missing)
        found.update({d: i for d, i in _lookup_bodies(connection, [b["digest"] for b in missing])})
    return found


_BODY_LOOKUP_PREPARED = Prepared(_BODY_LOOKUP)
#: Every column of a body (``convert.body_values``' keys).
_BODY_COLUMNS = (*convert.BODY_FIELDS, "digest")


def _lookup_bodies(connection: Connection, digests: Sequence[str]) -> list[tuple[str, int]]:
    """(digest, id) of the stored bodies among ``digests``, 500 at a time (one compiled form per length)."""
    found: list[tuple[str, int]] = []
    for start in range(0, len(digests), 500):
        found += _BODY_LOOKUP_PREPARED.rows(connection, {"digests": digests[start : start + 500]})
    return found


@cache
def _insert_bodies(dialect: str) -> Prepared:
    return Prepared(insert_ignoring_duplicates(_BODIES, dialect), columns=_BODY_COLUMNS)


@cache
def _point_latest_statement(dialect: str) -> Prepared:
    """Move a tenant × control's latest-assessment pointer forward (never back): one upsert, built once."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        from sqlalchemy.dialects.postgresql import insert as upsert
    statement = upsert(_LATEST).values(
        tenant=bindparam("tenant"), control=bindparam("control"), run_id=bindparam("run_id")
    )
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=["tenant", "control"],
            set_={"run_id": statement.excluded.run_id},
            where=_LATEST.c.run_id < statement.excluded.run_id,
        )
    )


def write_results(
    session: Executor,
    run_id: int,
    tenant: str,
    kind: str,
    results: Sequence[ControlResult],
    now: datetime,
    known: Mapping[str, int] | None = None,
) -> list[int]:
    """Control results, findings, score snapshots and latest pointers of one run; returns the findings' body ids.

    ``known``: body ids by digest already read (see :func:`insert_findings`).
    """
    if not results:
        return []
    connection = connection_of(session)
    _INSERT_RESULTS.executemany(
        connection,
        [{"run_id": run_id, "control": r.control, "title": r.title, "error": r.error} for r in results],
    )
    pointed = insert_findings(session, run_id, [f for r in results for f in r.findings], known)
    scores = [
        {
            "run_id": run_id,
            "tenant": tenant,
            "control": r.control,
            "score": r.score.score,
            "max_score": r.score.max_score,
            "taken_at": r.score.taken_at or now,
        }
        for r in results
        if r.score is not None
    ]
    _INSERT_SCORES.executemany(connection, scores)
    assessing = kind in ASSESSING_KINDS
    touched = [r.control for r in results if assessing or r.score is not None]
    current = summary.lock_current(connection, tenant, touched)  # before the pointers move
    # A pair already pointed at (locked by the read above) has its pointer moved by the summary's
    # update; only a pair's first pointer is upserted here (ON CONFLICT: another writer's first).
    new_pairs = [r for r in results if r.control not in current] if assessing else []
    if new_pairs:
        pointers = [{"tenant": tenant, "control": r.control, "run_id": run_id} for r in new_pairs]
        dialect = dialect_name(session)
        if dialect in ("sqlite", "postgresql"):
            _point_latest_statement(dialect).executemany(connection, pointers)
        else:  # pragma: no cover - the two supported backends take the branch above
            assert isinstance(session, Session)
            for pointer in pointers:
                point_latest(session, pointer["tenant"], pointer["control"], run_id)
    summary.record(connection, run_id, tenant, kind, results, now, current, move_pointers=True)
    return pointed


def point_latest(session: Session, tenant: str, control: str, run_id: int) -> None:
    """Move the tenant × control's latest-assessment pointer to ``run_id`` unless a newer run holds it."""
    table = LatestResultRow.__table__
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as upsert
        else:
            from sqlalchemy.dialects.postgresql import insert as upsert
        statement = upsert(table).values(tenant=tenant, control=control, run_id=run_id)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant", "control"],
                set_={"run_id": statement.excluded.run_id},
                where=table.c.run_id < statement.excluded.run_id,
            )
        )
        return
    current = session.execute(
        select(LatestResultRow).where(LatestResultRow.tenant == tenant, LatestResultRow.control == control)
    ).scalar_one_or_none()
    if current is None:
        session.add(LatestResultRow(tenant=tenant, control=control, run_id=run_id))
    elif current.run_id < run_id:
        current.run_id = run_id

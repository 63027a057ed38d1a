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
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from scorekeeper.model import ControlResult, Finding, Organization
from scorekeeper.store import convert, summary
from scorekeeper.store.overview import ASSESSING_KINDS
from scorekeeper.store.tables import (
    ControlResultRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    ScoreSnapshotRow,
    TenantRow,
)

_BODIES = FindingBodyRow.__table__
_FINDINGS = FindingRow.__table__
_RESULTS = ControlResultRow.__table__
_SCORES = ScoreSnapshotRow.__table__
_LATEST = LatestResultRow.__table__

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
RUN_FOR_RESULTS = select(RunRow.tenant, RunRow.kind, RunRow.os_user, RunRow.host, RunRow.identity).where(
    RunRow.id == bindparam("run_id")
)
FINISH_RUN = (
    update(RunRow)
    .where(RunRow.id == bindparam("id_"))
    .values(
        status=bindparam("status"),
        error=bindparam("error"),
        finished_at=bindparam("finished_at"),
        identity=bindparam("who"),
    )
)
_SET_TENANT_ID = (
    update(TenantRow)
    .where(TenantRow.name == bindparam("tenant_name"), TenantRow.tenant_id != bindparam("new_id"))
    .values(tenant_id=bindparam("new_id"))
)
#: What a run recorded about its own context, once, when it finishes: the code it used (0007) and
#: the tenant's organisation names as it read them (0008).
RECORD_FACTS = (
    update(RunRow)
    .where(RunRow.id == bindparam("id_"))
    .values(
        versions=bindparam("versions"),
        org_display_name=bindparam("org_display_name"),
        org_primary_domain=bindparam("org_primary_domain"),
        org_unread=bindparam("org_unread"),
    )
)


def run_facts(run_id: int, versions: Mapping[str, str] | None, organization: Organization | None) -> dict[str, Any]:
    """The parameters of :data:`RECORD_FACTS` (``None`` stays NULL: not recorded)."""
    org = organization or Organization()
    return {
        "id_": run_id,
        "versions": dict(versions) if versions is not None else None,
        "org_display_name": org.display_name,
        "org_primary_domain": org.primary_domain,
        "org_unread": (org.unread or None) if organization is not None else None,
    }


_INSERT_FINDINGS = insert(_FINDINGS)
_INSERT_RESULTS = insert(_RESULTS)
_INSERT_SCORES = insert(_SCORES)


_TENANT_LOOKUP = select(TenantRow.tenant_id).where(TenantRow.name == bindparam("tenant_name"))
_INSERT_TENANT = insert(TenantRow.__table__)
_INSERT_RUN = insert(RunRow.__table__)


def ensure_tenant(session: Session, tenant: str, tenant_id: str, clock: Callable[[], datetime]) -> None:
    """The tenant's row on first sight (``clock`` gives its creation time); its directory id filled in once known."""
    found = session.execute(_TENANT_LOOKUP, {"tenant_name": tenant}).first()
    if found is None:
        session.execute(_INSERT_TENANT, {"name": tenant, "tenant_id": tenant_id, "created_at": clock()})
    elif tenant_id and found.tenant_id != tenant_id:
        set_tenant_id(session, tenant, tenant_id)


def insert_run(session: Session, values: dict[str, Any]) -> int:
    """Insert one ``runs`` row; returns its id."""
    key = session.execute(_INSERT_RUN, values).inserted_primary_key
    assert key is not None and key[0] is not None
    return int(key[0])


def set_tenant_id(session: Session, tenant: str, tenant_id: str) -> None:
    """Keep the directory id a session used for ``tenant`` (its row exists: ``start_run`` made it)."""
    session.execute(_SET_TENANT_ID, {"tenant_name": tenant, "new_id": tenant_id})


def insert_findings(session: Session, run_id: int, findings: Iterable[Finding]) -> None:
    """One small row per finding, pointing at its body; a body is written only the first time it is seen."""
    bodies = [convert.body_values(f) for f in findings]
    if not bodies:
        return
    ids = body_ids(session, bodies)
    session.execute(_INSERT_FINDINGS, [{"run_id": run_id, "body_id": ids[b["digest"]]} for b in bodies])


def body_ids(session: Session, bodies: list[dict[str, Any]]) -> dict[str, int]:
    """Digest → body id for ``bodies``, inserting those not stored yet.

    New bodies go in digest order, so two writers on PostgreSQL take their locks in the same
    order; ``ON CONFLICT DO NOTHING`` lets both succeed when they insert the same body at once.
    """
    unique = {b["digest"]: b for b in bodies}
    wanted = sorted(unique)
    found: dict[str, int] = {d: i for d, i in session.execute(_BODY_LOOKUP, {"digests": wanted})}
    missing = [unique[d] for d in wanted if d not in found]
    if missing:
        session.execute(_insert_ignoring_duplicates(session.get_bind().dialect.name), missing)
        more = session.execute(_BODY_LOOKUP, {"digests": [b["digest"] for b in missing]})
        found.update({d: i for d, i in more})
    return found


@cache
def _insert_ignoring_duplicates(dialect: str) -> Insert:
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(_BODIES).on_conflict_do_nothing(index_elements=["digest"])
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_BODIES).on_conflict_do_nothing(index_elements=["digest"])
    return insert(_BODIES)


@cache
def _point_latest_statement(dialect: str) -> Any:
    """Move a tenant × control's latest-assessment pointer forward (never back): one upsert, built once."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        from sqlalchemy.dialects.postgresql import insert as upsert
    statement = upsert(_LATEST).values(
        tenant=bindparam("tenant"), control=bindparam("control"), run_id=bindparam("run_id")
    )
    return statement.on_conflict_do_update(
        index_elements=["tenant", "control"],
        set_={"run_id": statement.excluded.run_id},
        where=_LATEST.c.run_id < statement.excluded.run_id,
    )


def write_results(
    session: Session, run_id: int, tenant: str, kind: str, results: Sequence[ControlResult], now: datetime
) -> None:
    """Control results, findings, score snapshots and latest pointers of one run."""
    if not results:
        return
    session.execute(
        _INSERT_RESULTS,
        [{"run_id": run_id, "control": r.control, "title": r.title, "error": r.error} for r in results],
    )
    insert_findings(session, run_id, [f for r in results for f in r.findings])
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
    if scores:
        session.execute(_INSERT_SCORES, scores)
    assessing = kind in ASSESSING_KINDS
    touched = [r.control for r in results if assessing or r.score is not None]
    current = summary.lock_current(session, tenant, touched)  # before the pointers move
    if assessing:
        pointers = [{"tenant": tenant, "control": r.control, "run_id": run_id} for r in results]
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            session.execute(_point_latest_statement(dialect), pointers)
        else:  # pragma: no cover - the two supported backends take the branch above
            from scorekeeper.store.history import _point_latest

            for pointer in pointers:
                _point_latest(session, pointer["tenant"], pointer["control"], run_id)
    summary.record(session, run_id, tenant, kind, results, now, current)

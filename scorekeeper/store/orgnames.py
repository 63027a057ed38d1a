"""The tenant's organisation names as history last knew them at a run: for reports of runs that read none.

Only assessments read ``GET /organization`` (``scorekeeper/graph/organization.py``): a remediation, a
verification or a rollback reads exactly what it writes, so that its requests stay the ones its
plan lists. Their reports still name the tenant, from the newest run of the same tenant, at or
before the reported one, that recorded the names (or why it could not read them) — normally the
assessment the remediation was planned from — and they say which run that was. A later run's
record is never used: a report of a run shows what was known when it ran, and does not change
when the tenant is assessed again. Nothing is read from the tenant here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from scorekeeper.domain.model import Organization
from scorekeeper.store.tables import RunRow

__all__ = ["KnownOrganization", "known_organizations"]


@dataclass(frozen=True)
class KnownOrganization:
    """The names one run recorded (``organization``), with which run that was and when it started."""

    run_id: int
    kind: str
    started_at: datetime
    organization: Organization


_RUNS = SQLModel.metadata.tables[RunRow.__tablename__].c  # Core columns: typed, and no ORM objects to build

#: A run recorded the names, or why it could not read them (migration 0008's three columns).
_RECORDED = or_(
    _RUNS.org_display_name.is_not(None), _RUNS.org_primary_domain.is_not(None), _RUNS.org_unread.is_not(None)
)


def known_organizations(session: Session, run_ids: Iterable[int]) -> dict[int, KnownOrganization]:
    """For each of ``run_ids``, the newest record of its tenant's names at or before it; unknown ids and
    runs with no record at or before them are left out.

    One indexed lookup per run (``ix_runs_tenant_started_at``): reports ask only for the runs that
    recorded no names themselves, which are few beside a fleet's assessments.
    """
    ids = list(dict.fromkeys(run_ids))
    if not ids:
        return {}
    asked = session.execute(select(_RUNS.id, _RUNS.tenant, _RUNS.started_at).where(_RUNS.id.in_(ids))).all()
    found: dict[int, KnownOrganization] = {}
    for run_id, tenant, started_at in asked:
        row = session.execute(
            select(
                _RUNS.id,
                _RUNS.kind,
                _RUNS.started_at,
                _RUNS.org_display_name,
                _RUNS.org_primary_domain,
                _RUNS.org_unread,
            )
            .where(_RUNS.tenant == tenant, _RUNS.started_at <= started_at, _RUNS.id <= run_id, _RECORDED)
            .order_by(_RUNS.started_at.desc(), _RUNS.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            source_id, kind, at, name, domain, unread = row
            found[run_id] = KnownOrganization(source_id, kind, at, Organization(name, domain, unread or ""))
    return found

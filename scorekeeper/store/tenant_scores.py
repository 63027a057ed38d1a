"""Queries on ``tenant_scores``: the tenant's whole Secure Score per day (see ``TenantScoreRow``).

Functions over a session, called by :class:`~scorekeeper.store.history.HistoryStore` inside its
own transactions, so each public store method stays one short transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, func, insert, select
from sqlalchemy.orm import Session

from scorekeeper.securescore.model import AssessedScore, Comparison, ControlScore, DailyScore, TrendPoint
from scorekeeper.store.tables import TenantScoreRow

SOURCES: tuple[str, ...] = ("assessment", "read", "imported")
_INSERT = insert(TenantScoreRow.__table__)


def add(
    session: Session | Connection,
    tenant: str,
    scores: Iterable[DailyScore],
    *,
    source: str,
    run_id: int | None,
    profiles: Iterable[ControlScore] = (),
) -> int:
    """Insert one row per daily score; an imported day already held is skipped. Returns rows added.

    ``profiles`` (the control rows read with the newest score) are kept on the first row only.
    """
    kept = [kept_profile(p) for p in profiles]
    now = datetime.now(UTC)
    held: set[date] = set()
    if source == "imported":
        rows = session.execute(
            select(TenantScoreRow.scored_at).where(TenantScoreRow.tenant == tenant, TenantScoreRow.source == source)
        )
        held = {at.date() for (at,) in rows}
    rows = []
    for score in scores:
        if source == "imported" and score.scored_at.date() in held:
            continue
        held.add(score.scored_at.date())
        rows.append(
            {
                "tenant": tenant,
                "run_id": run_id,
                "source": source,
                "scored_at": score.scored_at,
                "recorded_at": now,
                "current_score": score.current,
                "max_score": score.max_score,
                "comparisons": [{"basis": c.basis, "averageScore": c.average} for c in score.comparisons],
                "controls": dict(score.controls),
                "profiles": kept if not rows else [],
            }
        )
    if rows:  # one executemany of a Core statement: a first run imports up to 90 days
        session.execute(_INSERT, rows)
    return len(rows)


def kept_profile(profile: ControlScore) -> dict[str, Any]:
    """A control profile as a row keeps it: ``ControlScore.to_dict`` without ``covered_by`` and ``available``.

    Coverage is given afresh when read and ``available`` is derived; built directly (not by
    filtering ``to_dict``) because every assessed tenant stores ~45 of them per run.
    """
    return {
        "id": profile.id,
        "title": profile.title,
        "category": profile.category,
        "service": profile.service,
        "score": profile.score,
        "max_score": profile.max_score,
        "implementation_status": profile.implementation_status,
        "action_url": profile.action_url,
        "action_type": profile.action_type,
        "state": profile.state.to_dict(),
        "rank": profile.rank,
        "tier": profile.tier,
        "user_impact": profile.user_impact,
        "implementation_cost": profile.implementation_cost,
        "deprecated": profile.deprecated,
    }


def add_record(session: Session | Connection, tenant: str, run_id: int, record: AssessedScore) -> None:
    """Keep an assessment's whole score with its run, and import the older days it brought (a first run)."""
    add(session, tenant, [record.today], source="assessment", run_id=run_id, profiles=record.profiles)
    if record.imported:
        add(session, tenant, record.imported, source="imported", run_id=None)


def held(session: Session, tenant: str) -> bool:
    """Whether any whole-score row exists for ``tenant`` (the first run imports Microsoft's history)."""
    return bool(session.execute(select(exists().where(TenantScoreRow.tenant == tenant))).scalar())


def held_by(session: Session) -> set[str]:
    """The tenants :func:`held` is true for, in one statement (one index probe per tenant row)."""
    from scorekeeper.store.tables import TenantRow

    query = select(TenantRow.name).where(exists().where(TenantScoreRow.tenant == TenantRow.name))
    return {name for (name,) in session.execute(query)}


def trend(session: Session, tenant: str, days: int = 90, *, today: date | None = None) -> list[TrendPoint]:
    """One point per day for the last ``days`` days, oldest first: the newest row recorded for that day."""
    return trends(session, [tenant], days, today=today).get(tenant, [])


def trends(
    session: Session, tenants: Iterable[str], days: int = 90, *, today: date | None = None
) -> dict[str, list[TrendPoint]]:
    """:func:`trend` of many tenants in one statement per 500 tenants (fleet reports)."""
    since = datetime.combine((today or datetime.now(UTC).date()) - timedelta(days=days - 1), datetime.min.time(), UTC)
    names = sorted(set(tenants))
    by_day: dict[str, dict[date, TrendPoint]] = {}
    for start in range(0, len(names), 500):
        rows = session.execute(
            select(
                TenantScoreRow.tenant,
                TenantScoreRow.scored_at,
                TenantScoreRow.current_score,
                TenantScoreRow.max_score,
                TenantScoreRow.source,
            )
            .where(TenantScoreRow.tenant.in_(names[start : start + 500]), TenantScoreRow.scored_at >= since)
            .order_by(TenantScoreRow.tenant, TenantScoreRow.scored_at, TenantScoreRow.recorded_at, TenantScoreRow.id)
        )
        for name, at, score, max_score, source in rows:
            by_day.setdefault(name, {})[at.date()] = TrendPoint(at.date(), score, max_score, source)
    return {name: [days_[d] for d in sorted(days_)] for name, days_ in by_day.items()}


def of_run(session: Session, run_id: int) -> DailyScore | None:
    """The whole score an assessment recorded, if it could read one."""
    row = (
        session.execute(select(TenantScoreRow).where(TenantScoreRow.run_id == run_id).order_by(TenantScoreRow.id))
        .scalars()
        .first()
    )
    return None if row is None else of_run_row(row)


def of_run_row(row: TenantScoreRow) -> DailyScore:
    """A stored row as the domain's :class:`DailyScore`."""
    return DailyScore(
        scored_at=row.scored_at,
        current=row.current_score,
        max_score=row.max_score,
        comparisons=tuple(Comparison(str(c.get("basis", "")), c.get("averageScore")) for c in row.comparisons),
        controls={str(k): float(v) for k, v in row.controls.items()},
    )


def latest_with_profiles(session: Session, tenant: str) -> TenantScoreRow | None:
    """The newest row that carries control profiles (what the last assessment or live read saw)."""
    return latest_with_profiles_of(session, [tenant]).get(tenant)


def latest_with_profiles_of(session: Session, tenants: Iterable[str]) -> dict[str, TenantScoreRow]:
    """:func:`latest_with_profiles` of many tenants: each tenant's newest 20 non-imported rows are looked at."""
    names = sorted(set(tenants))
    found: dict[str, TenantScoreRow] = {}
    for start in range(0, len(names), 500):
        ranked = (
            select(
                TenantScoreRow.id,
                func.row_number()
                .over(
                    partition_by=TenantScoreRow.tenant,
                    order_by=(TenantScoreRow.scored_at.desc(), TenantScoreRow.id.desc()),
                )
                .label("n"),
            )
            .where(TenantScoreRow.tenant.in_(names[start : start + 500]), TenantScoreRow.source != "imported")
            .subquery()
        )
        rows = session.execute(
            select(TenantScoreRow)
            .join(ranked, ranked.c.id == TenantScoreRow.id)
            .where(ranked.c.n <= 20)
            .order_by(TenantScoreRow.tenant, TenantScoreRow.scored_at.desc(), TenantScoreRow.id.desc())
        ).scalars()
        for row in rows:
            if row.profiles and row.tenant not in found:
                found[row.tenant] = row
    return found

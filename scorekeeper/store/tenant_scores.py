"""Queries on ``tenant_scores``: the tenant's whole Secure Score per day (see ``TenantScoreRow``).

Functions over a session, called by :class:`~scorekeeper.store.history.HistoryStore` inside its
own transactions, so each public store method stays one short transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select
from sqlalchemy.orm import Session

from scorekeeper.domain.securescore import AssessedScore, Comparison, ControlScore, DailyScore, TrendPoint
from scorekeeper.store.dialects import content_id, dialect_name, insert_ignoring_duplicates
from scorekeeper.store.digestcache import DigestCache, canonical_digest
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.tables import ScoreControlsRow, ScoreProfilesRow, TenantScoreRow

SOURCES: tuple[str, ...] = ("assessment", "read", "imported")
_TABLE = TenantScoreRow.__table__
#: Every column of a row but its id: what :func:`add` fills.
_COLUMNS = tuple(c.key for c in _TABLE.columns if c.key != "id")
#: One executemany on the driver (``prepared.py``): a first run imports up to 90 days in it.
#: Its timestamps' processed forms are reused (the same days for every tenant, one recorded_at per call).
_INSERT = Prepared(insert(_TABLE), columns=_COLUMNS, repeated=("scored_at", "recorded_at"))
_HELD_DAYS = Prepared(
    select(_TABLE.c.scored_at).where(_TABLE.c.tenant == bindparam("tenant"), _TABLE.c.source == bindparam("source"))
)
_SETS = ScoreProfilesRow.__table__
_SET_PROFILES = select(_SETS.c.id, _SETS.c.profiles).where(_SETS.c.id.in_(bindparam("ids", expanding=True)))
_MAPS = ScoreControlsRow.__table__
_MAP_LOOKUP = Prepared(
    select(_MAPS.c.digest, _MAPS.c.id).where(_MAPS.c.digest.in_(bindparam("digests", expanding=True)))
)
_MAP_CONTROLS = select(_MAPS.c.id, _MAPS.c.controls).where(_MAPS.c.id.in_(bindparam("ids", expanding=True)))

#: The keys of a kept profile, in the order ``ControlScore.to_dict`` has them (so the stored JSON is the same).
_KEPT_KEYS = (
    "id",
    "title",
    "category",
    "service",
    "score",
    "max_score",
    "implementation_status",
    "action_url",
    "action_type",
    "state",
    "rank",
    "tier",
    "user_impact",
    "implementation_cost",
    "deprecated",
)
#: Digests of profile sets seen by this process (see ``digestcache.py``).
_DIGESTS = DigestCache(10_000)
#: Digests of control-score maps seen by this process.
_MAP_DIGESTS = DigestCache(10_000)


def add(
    session: Session | Connection,
    tenant: str,
    scores: Iterable[DailyScore],
    *,
    source: str,
    run_id: int | None,
    profiles: Iterable[ControlScore] | ProfileSet | None = (),
    known_set_id: int | None = None,
    known_maps: Mapping[str, int] | None = None,
) -> int:
    """Insert one row per daily score; an imported day already held is skipped. Returns rows added.

    ``profiles`` (the control rows read with the newest score) are kept with the first row only,
    as a pointer to their set in ``score_profiles`` (written the first time the set is seen);
    ``known_set_id`` is that set's id when the caller looked it up already. Each row's control
    scores are a pointer to their map in ``score_controls`` (see :func:`map_ids`); ``known_maps``
    are stored map ids by digest the caller read already.
    """
    kept = profiles if isinstance(profiles, ProfileSet) or profiles is None else profile_set(profiles)
    now = datetime.now(UTC)
    held: set[date] = set()
    connection = session if isinstance(session, Connection) else session.connection()
    if source == "imported":
        held = {at.date() for (at,) in _HELD_DAYS.rows(connection, {"tenant": tenant, "source": source})}
    rows = []
    maps: dict[str, Mapping[str, float]] = {}
    digests: list[str | None] = []
    previous: tuple[Mapping[str, float] | None, str | None] = (None, None)
    for score in scores:
        if source == "imported" and score.scored_at.date() in held:
            continue
        held.add(score.scored_at.date())
        # Consecutive days mostly carry the same map (84 of 89 imported days in the simulator's
        # profiles): comparing it with the day before costs less than even the digest cache's key.
        if previous[0] is not None and score.controls == previous[0]:
            digest = previous[1]
        else:
            digest = controls_digest(score.controls)
            previous = (score.controls, digest)
        if digest is not None:
            maps.setdefault(digest, score.controls)
        digests.append(digest)
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
                "profiles_id": None,
                "controls_id": None,
            }
        )
    if maps:
        ids = map_ids(session, maps, known_maps or {})
        for row, digest in zip(rows, digests, strict=True):
            if digest is not None:
                row["controls_id"] = ids[digest]
    if rows and kept is not None:
        rows[0]["profiles_id"] = profile_set_id(session, kept, known_set_id)
    _INSERT.executemany(connection, rows)  # one executemany on the driver: a first run imports up to 90 days
    return len(rows)


def controls_digest(controls: Mapping[str, float]) -> str | None:
    """SHA-256 of the canonical JSON of a control-score map's ``[id, score]`` pairs in its order (migration 0011).

    ``None`` for an empty map, which is kept as no map at all. Pairs rather than an object, so
    that two maps differing only in order are two maps: each row reads back exactly what was
    written. The digest of a map this process saw before comes from its cache.
    """
    if not controls:
        return None
    pairs = tuple(controls.items())
    return _MAP_DIGESTS.digest(pairs, lambda: [list(pair) for pair in pairs])


def map_ids(
    session: Session | Connection, maps: Mapping[str, Mapping[str, float]], known: Mapping[str, int]
) -> dict[str, int]:
    """Digest → ``score_controls`` id for ``maps`` (by digest), storing the maps not stored yet.

    ``known`` are ids already read; the other digests are looked up. New maps go in digest
    order, and ``ON CONFLICT DO NOTHING`` lets two writers store the same map at once (as
    ``runwrite.body_ids`` does for finding bodies).
    """
    found: dict[str, int] = {d: known[d] for d in maps if d in known}
    wanted = sorted(d for d in maps if d not in found)
    if not wanted:
        return found
    connection = session if isinstance(session, Connection) else session.connection()
    found.update({d: i for d, i in _lookup_maps(connection, wanted)})
    missing = [{"digest": d, "controls": dict(maps[d])} for d in wanted if d not in found]
    if missing:
        _insert_maps(dialect_name(connection)).executemany(connection, missing)
        found.update({d: i for d, i in _lookup_maps(connection, [m["digest"] for m in missing])})
    return found


def _lookup_maps(connection: Connection, digests: Sequence[str]) -> list[tuple[str, int]]:
    """(digest, id) of the stored maps among ``digests``, 500 at a time (one compiled form per length)."""
    found: list[tuple[str, int]] = []
    for start in range(0, len(digests), 500):
        found += _MAP_LOOKUP.rows(connection, {"digests": digests[start : start + 500]})
    return found


@cache
def _insert_maps(dialect: str) -> Prepared:
    return Prepared(insert_ignoring_duplicates(_MAPS, dialect), columns=("digest", "controls"))


def maps_of(session: Session | Connection, ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """The stored control-score maps of ``ids`` (``None`` left out), each decoded once."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        for map_id, controls in session.execute(_MAP_CONTROLS, {"ids": wanted[start : start + 500]}):
            found[map_id] = controls
    return found


def _profile_fields(profile: ControlScore) -> tuple[Any, ...]:
    """What a row keeps of a control profile, in :data:`_KEPT_KEYS` order.

    ``ControlScore.to_dict`` without ``covered_by`` (given afresh when read) and ``available``
    (derived), built directly: every assessed tenant keeps ~45 of them per run.
    """
    return (
        profile.id,
        profile.title,
        profile.category,
        profile.service,
        profile.score,
        profile.max_score,
        profile.implementation_status,
        profile.action_url,
        profile.action_type,
        profile.state.to_dict(),
        profile.rank,
        profile.tier,
        profile.user_impact,
        profile.implementation_cost,
        profile.deprecated,
    )


def kept_profile(profile: ControlScore) -> dict[str, Any]:
    """A control profile as history keeps it (and hands back): see :func:`_profile_fields`."""
    return dict(zip(_KEPT_KEYS, _profile_fields(profile), strict=True))


def profiles_digest(kept: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of a profile set's canonical JSON: equal sets, equal digests, on any backend (migration 0010)."""
    return canonical_digest(list(kept))


@dataclass(frozen=True)
class ProfileSet:
    """A set of control profiles about to be kept: their :func:`_profile_fields` tuples and the set's digest."""

    fields: tuple[tuple[Any, ...], ...]
    digest: str

    def kept(self) -> list[dict[str, Any]]:
        return [dict(zip(_KEPT_KEYS, f, strict=True)) for f in self.fields]


def profile_set(profiles: Iterable[ControlScore]) -> ProfileSet | None:
    """The set ``profiles`` make (``None`` for none), its digest from the process's cache when it was seen before.

    Encoding ~45 profiles to canonical JSON cost more CPU than the rest of a tenant's score row,
    so it happens once per distinct set per process.
    """
    fields = tuple(_profile_fields(p) for p in profiles)
    if not fields:
        return None
    digest = _DIGESTS.digest(fields, lambda: [dict(zip(_KEPT_KEYS, f, strict=True)) for f in fields])
    return ProfileSet(fields, digest)


def profile_set_id(session: Session | Connection, profiles: ProfileSet, known: int | None = None) -> int:
    """The ``score_profiles`` id of ``profiles``, storing the set the first time it is seen.

    ``known`` is the id when the caller already looked the digest up (``record_run`` does, in
    the statement that reads its run).
    """
    if known is not None:
        return known
    if not isinstance(session, Connection):
        return content_id(session, _SETS, profiles.digest, lambda: {"profiles": profiles.kept()})
    # The write path's connection (record_run): every tenant's first run stores a new set, so its
    # three statements go through prepared forms (``prepared.py``), as dialects.content_id would run them.
    found = _SET_ID.scalar(session, {"digest": profiles.digest})
    if found is None:
        _insert_sets(dialect_name(session)).execute(session, {"digest": profiles.digest, "profiles": profiles.kept()})
        found = _SET_ID.scalar(session, {"digest": profiles.digest})
    return int(found)


_SET_ID = Prepared(select(_SETS.c.id).where(_SETS.c.digest == bindparam("digest")))


@cache
def _insert_sets(dialect: str) -> Prepared:
    return Prepared(insert_ignoring_duplicates(_SETS, dialect), columns=("digest", "profiles"))


def add_record(
    session: Session | Connection,
    tenant: str,
    run_id: int,
    record: AssessedScore,
    *,
    profiles: ProfileSet | None = None,
    known_set_id: int | None = None,
    known_maps: Mapping[str, int] | None = None,
) -> None:
    """Keep an assessment's whole score with its run, and import the older days it brought (a first run).

    ``profiles`` is ``profile_set(record.profiles)`` when the caller made it already, with
    ``known_set_id`` its stored id if it looked that up; ``known_maps`` are stored
    control-score map ids by digest (:func:`controls_digest`) the caller looked up.
    """
    kept = profiles if profiles is not None else profile_set(record.profiles)
    add(
        session,
        tenant,
        [record.today],
        source="assessment",
        run_id=run_id,
        profiles=kept,
        known_set_id=known_set_id,
        known_maps=known_maps,
    )
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
    if row is None:
        return None
    return of_run_row(row, maps_of(session, [row.controls_id]).get(row.controls_id or 0))


def of_run_row(row: TenantScoreRow, controls: Mapping[str, Any] | None) -> DailyScore:
    """A stored row, with its control-score map (``None``: it has none), as the domain's :class:`DailyScore`."""
    return DailyScore(
        scored_at=row.scored_at,
        current=row.current_score,
        max_score=row.max_score,
        comparisons=tuple(Comparison(str(c.get("basis", "")), c.get("averageScore")) for c in row.comparisons),
        controls={str(k): float(v) for k, v in (controls or {}).items()},
    )


def latest_with_profiles(session: Session, tenant: str) -> tuple[DailyScore, list[dict[str, Any]]] | None:
    """The newest score that carries control profiles (what the last assessment or live read saw), with them."""
    return latest_with_profiles_of(session, [tenant]).get(tenant)


def latest_with_profiles_of(
    session: Session, tenants: Iterable[str]
) -> dict[str, tuple[DailyScore, list[dict[str, Any]]]]:
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
            if row.profiles_id is not None and row.tenant not in found:
                found[row.tenant] = row
    sets: dict[int, list[dict[str, Any]]] = {}
    wanted = sorted({row.profiles_id for row in found.values() if row.profiles_id is not None})
    for start in range(0, len(wanted), 500):  # each distinct set decoded once
        for set_id, profiles in session.execute(_SET_PROFILES, {"ids": wanted[start : start + 500]}):
            sets[set_id] = profiles
    maps = maps_of(session, [row.controls_id for row in found.values()])
    return {
        name: (of_run_row(row, maps.get(row.controls_id or 0)), list(sets[row.profiles_id]))
        for name, row in found.items()
        if row.profiles_id in sets
    }

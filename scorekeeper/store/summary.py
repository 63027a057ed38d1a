"""Each tenant × control's dashboard summary, kept on its ``latest_results`` row as history is written.

``overview()`` used to count the findings of every pair's latest assessment and read the last
:data:`TREND_POINTS` score snapshots of every pair on each call: at 1,000 tenants × 365 runs that
is 56,000 finding rows and 60,000 snapshots (2.4 s on SQLite). The answer changes only when history
is written, so each ``latest_results`` row carries it (migration 0009):

* ``counts`` — finding count per status of the pointed-at run's findings of that control
  (statuses with no finding are left out; readers add the zeros);
* ``trend`` / ``trend_at`` — the newest :data:`TREND_POINTS` score snapshots of the pair by
  ``(taken_at, id)``, oldest first: the reported scores packed as little-endian float64 with NaN
  for a snapshot without one (:func:`pack`; so positions line up, and the overview decodes them
  without parsing text) and their times as int64 microseconds since the epoch (:func:`micros`);
* ``score`` / ``max_score`` — the newest snapshot's values.

The rule, in two implementations that tests keep equal to computing it from history:

* :func:`record` — the write path of every run (``record_run``): incremental, from what the run
  reports, since a snapshot only ever joins the newest points and its id is larger than every
  stored one (ties at one ``taken_at`` sort after the points already there);
* :func:`refresh` — exact, from the tables: a pair's first pointer, the one-result-at-a-time
  write path, pruning and :meth:`HistoryStore.rebuild_latest_results`.

On PostgreSQL the rows are read ``FOR UPDATE`` before they change, so two writers of one pair
cannot lose each other's points; SQLite serialises writers already (``BEGIN IMMEDIATE``).
Drift counts and run times are not kept here: the overview joins them live (a run's finish time
and its drift are written after its results).
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from scorekeeper.domain.model import ControlResult
from scorekeeper.store.dialects import dialect_name
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.records import TREND_POINTS
from scorekeeper.store.tables import ASSESSING_KINDS, FindingBodyRow, FindingRow, LatestResultRow, ScoreSnapshotRow

Key = tuple[str, str]
_LATEST: Table = LatestResultRow.__table__  # type: ignore[attr-defined]
_SNAPSHOTS: Table = ScoreSnapshotRow.__table__  # type: ignore[attr-defined]
_FINDINGS: Table = FindingRow.__table__  # type: ignore[attr-defined]
_BODIES: Table = FindingBodyRow.__table__  # type: ignore[attr-defined]

_UPDATE = (
    update(_LATEST)
    .where(_LATEST.c.tenant == bindparam("t"), _LATEST.c.control == bindparam("c"))
    .values(
        counts=bindparam("counts_"),
        trend=bindparam("trend_"),
        trend_at=bindparam("trend_at_"),
        score=bindparam("score_"),
        max_score=bindparam("max_score_"),
    )
)


#: :data:`_UPDATE` that also moves the pair's pointer to the run being recorded (``record_run``'s
#: steady state: the pointer's upsert folded into the summary's update, one statement less).
_UPDATE_POINTING = _UPDATE.values(run_id=bindparam("run_"))
#: The two as the write path sends them (on the driver, see ``prepared.py``).
_UPDATE_PREPARED = Prepared(_UPDATE)
_UPDATE_POINTING_PREPARED = Prepared(_UPDATE_POINTING)


def _connection(session: Session | Connection) -> Connection:
    return session if isinstance(session, Connection) else session.connection()


def pack(scores: Sequence[float | None]) -> bytes | None:
    """Scores as the ``trend`` column keeps them (``None`` for no points)."""
    if not scores:
        return None
    return struct.pack(f"<{len(scores)}d", *(math.nan if s is None else s for s in scores))


def unpack(packed: bytes | None) -> list[float | None]:
    """:func:`pack` undone: the scores, ``None`` where a snapshot reported none."""
    if not packed:
        return []
    return [None if s != s else s for s in struct.unpack(f"<{len(packed) // 8}d", packed)]


@cache
def _floats(count: int) -> struct.Struct:
    """The packed-trend layout of ``count`` scores, compiled once (the overview unpacks 2,000 per call)."""
    return struct.Struct(f"<{count}d")


def reported(packed: bytes | None) -> list[float]:
    """The scores of a packed trend that were reported (what the overview shows), oldest first."""
    if not packed:
        return []
    scores = _floats(len(packed) // 8).unpack(packed)
    total = sum(scores)
    if total == total:  # the common case: no gap (a NaN makes the sum NaN), no per-point test
        return list(scores)
    return [s for s in scores if s == s]  # NaN != NaN


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """A snapshot time as the summary keeps it: microseconds since the epoch, UTC (exact, and sorts as time)."""
    if at.tzinfo is None:  # SQLite hands back naive UTC when read without the store's column type
        at = at.replace(tzinfo=UTC)
    return (at - _EPOCH) // _MICROSECOND


def pack_times(times: Sequence[int]) -> bytes | None:
    return struct.pack(f"<{len(times)}q", *times) if times else None


def unpack_times(packed: bytes | None) -> list[int]:
    return list(struct.unpack(f"<{len(packed) // 8}q", packed)) if packed else []


@dataclass
class Summary:
    """One pair's summary as stored (see the module docstring)."""

    counts: dict[str, int] = field(default_factory=dict)
    trend: list[float | None] = field(default_factory=list)
    trend_at: list[int] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None

    def add_point(self, at: int, score: float | None, max_score: float | None) -> None:
        """Take in a snapshot newer (by id) than every point kept, keeping the newest :data:`TREND_POINTS`."""
        position = bisect_right(self.trend_at, at)
        self.trend_at.insert(position, at)
        self.trend.insert(position, score)
        if position == len(self.trend_at) - 1:
            self.score, self.max_score = score, max_score
        del self.trend_at[:-TREND_POINTS], self.trend[:-TREND_POINTS]

    def values(self, tenant: str, control: str) -> dict[str, Any]:
        return {
            "t": tenant,
            "c": control,
            "counts_": self.counts,
            "trend_": pack(self.trend),
            "trend_at_": pack_times(self.trend_at),
            "score_": self.score,
            "max_score_": self.max_score,
        }


def _locked(session: Session, query: Any) -> Any:
    return query.with_for_update() if session.get_bind().dialect.name == "postgresql" else query


@cache
def _current_statement(postgresql: bool) -> Prepared:
    """The read of :func:`lock_current`, built once (building costs more CPU than running it)."""
    query = (
        select(
            _LATEST.c.control,
            _LATEST.c.run_id,
            _LATEST.c.counts,
            _LATEST.c.trend,
            _LATEST.c.trend_at,
            _LATEST.c.score,
            _LATEST.c.max_score,
        )
        .where(_LATEST.c.tenant == bindparam("tenant"), _LATEST.c.control.in_(bindparam("controls", expanding=True)))
        .order_by(_LATEST.c.control)
    )
    return Prepared(query.with_for_update() if postgresql else query)


def lock_current(
    session: Session | Connection, tenant: str, controls: Collection[str]
) -> dict[str, tuple[int, Summary]]:
    """The tenant's current pointers and summaries of ``controls``, locked for this transaction."""
    if not controls:
        return {}
    query = _current_statement(dialect_name(session) == "postgresql")
    return {
        control: (run_id, Summary(dict(counts), unpack(trend), unpack_times(trend_at), score, max_score))
        for control, run_id, counts, trend, trend_at, score, max_score in query.rows(
            _connection(session), {"tenant": tenant, "controls": sorted(controls)}
        )
    }


def record(
    session: Session | Connection,
    run_id: int,
    tenant: str,
    kind: str,
    results: Sequence[ControlResult],
    now: datetime,
    current: dict[str, tuple[int, Summary]],
    *,
    move_pointers: bool = False,
) -> None:
    """Bring the summaries of a just-written run up to date (its snapshots inserted).

    ``current`` is :func:`lock_current` as read *before* the pointers moved: a pair not in it got
    its first pointer now and is computed from the tables; the others change incrementally. With
    ``move_pointers`` the pairs in ``current`` whose pointer is older than ``run_id`` (locked:
    nobody moves them meanwhile) have it moved here, in the summary's own update, and the caller
    upserts only the pointers of pairs not in ``current``; without it the caller moved them all.
    """
    assessing = kind in ASSESSING_KINDS
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        for finding in result.findings:
            statuses[finding.control][finding.status.value] += 1
    changed: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    fresh: list[Key] = []
    for result in results:
        held = current.get(result.control)
        if held is None:
            if assessing:
                fresh.append((tenant, result.control))
            continue
        pointed, summary = held
        touched = moving = False
        if assessing and pointed < run_id:
            summary.counts = dict(statuses.get(result.control, {}))
            touched, moving = True, move_pointers
        if result.score is not None:
            summary.add_point(micros(result.score.taken_at or now), result.score.score, result.score.max_score)
            touched = True
        if moving:
            moved.append(summary.values(tenant, result.control) | {"run_": run_id})
        elif touched:
            changed.append(summary.values(tenant, result.control))
    _UPDATE_POINTING_PREPARED.executemany(_connection(session), moved)
    _UPDATE_PREPARED.executemany(_connection(session), changed)
    if fresh:
        refresh(session, fresh)


def refresh(session: Session | Connection, pairs: Iterable[Key] | None = None) -> None:
    """Recompute the summaries of ``pairs`` (every pair when ``None``) from the tables."""
    wanted = None if pairs is None else sorted(set(pairs))
    if wanted is not None and not wanted:
        return
    summaries = computed(session, wanted)
    _UPDATE_PREPARED.executemany(_connection(session), [s.values(*key) for key, s in summaries.items()])


def computed(session: Session | Connection, pairs: Sequence[Key] | None = None) -> dict[Key, Summary]:
    """What the summaries of ``pairs`` (every pair with a pointer when ``None``) should hold, from the tables."""
    tenants = sorted({tenant for tenant, _ in pairs}) if pairs is not None else None
    if pairs is not None and tenants is not None and len(tenants) == 1:
        # The common case (a tenant's first pointers): one tenant's pairs, narrowed by the index,
        # through statements prepared once (a first assessment of every tenant of a fleet pays this).
        values = {"tenant": tenants[0], "controls": sorted({control for _, control in pairs})}
        connection = _connection(session)
        latest, counts, newest = (query.rows(connection, values) for query in _one_tenant_queries())
        return _summaries(pairs, latest, counts, newest)
    latest_query = select(_LATEST.c.tenant, _LATEST.c.control, _LATEST.c.run_id)
    snapshots = select(_SNAPSHOTS.c.tenant, _SNAPSHOTS.c.control)
    if tenants is not None:
        latest_query = latest_query.where(_LATEST.c.tenant.in_(tenants))
        snapshots = snapshots.where(_SNAPSHOTS.c.tenant.in_(tenants))
    first, then, last = _queries(latest_query, snapshots)
    latest = list(session.execute(first))
    if not latest:
        return {}
    return _summaries(pairs, latest, session.execute(then), session.execute(last))


def _summaries(
    pairs: Sequence[Key] | None, latest: Iterable[Any], counts: Iterable[Any], newest: Iterable[Any]
) -> dict[Key, Summary]:
    """The summaries from the rows of :func:`_queries`' three statements."""
    keep = None if pairs is None else set(pairs)
    found: dict[Key, Summary] = {
        (tenant, control): Summary() for tenant, control, _ in latest if keep is None or (tenant, control) in keep
    }
    if not found:
        return {}
    for tenant, control, status, n in counts:
        if (tenant, control) in found:
            found[(tenant, control)].counts[status] = n
    for tenant, control, score, max_score, taken_at in newest:
        summary = found.get((tenant, control))
        if summary is not None:
            summary.trend.append(score)
            summary.trend_at.append(micros(taken_at))
            summary.score, summary.max_score = score, max_score
    return found


def _queries(latest: Any, snapshots: Any) -> tuple[Any, Any, Any]:
    """The pairs' pointers, their pointed-at runs' finding counts, and their newest snapshots, ranked."""
    pointer = latest.subquery()
    counts = (
        select(pointer.c.tenant, pointer.c.control, _BODIES.c.status, func.count())
        .join(FindingRow, _FINDINGS.c.run_id == pointer.c.run_id)
        .join(FindingBodyRow, (_BODIES.c.id == _FINDINGS.c.body_id) & (_BODIES.c.control == pointer.c.control))
        .group_by(pointer.c.tenant, pointer.c.control, _BODIES.c.status)
    )
    ranked = snapshots.add_columns(
        _SNAPSHOTS.c.score,
        _SNAPSHOTS.c.max_score,
        _SNAPSHOTS.c.taken_at,
        _SNAPSHOTS.c.id,
        func.row_number()
        .over(
            partition_by=(_SNAPSHOTS.c.tenant, _SNAPSHOTS.c.control),
            order_by=(_SNAPSHOTS.c.taken_at.desc(), _SNAPSHOTS.c.id.desc()),
        )
        .label("n"),
    ).subquery()
    newest = (
        select(ranked.c.tenant, ranked.c.control, ranked.c.score, ranked.c.max_score, ranked.c.taken_at)
        .where(ranked.c.n <= TREND_POINTS)
        .order_by(ranked.c.tenant, ranked.c.control, ranked.c.taken_at, ranked.c.id)
    )
    return latest, counts, newest


@cache
def _one_tenant_queries() -> tuple[Prepared, Prepared, Prepared]:
    """:func:`_queries` for one tenant's pairs (``tenant``, ``controls``), prepared once."""
    tenant: Any = bindparam("tenant")
    controls: Any = bindparam("controls", expanding=True)
    latest = select(_LATEST.c.tenant, _LATEST.c.control, _LATEST.c.run_id).where(
        _LATEST.c.tenant == tenant, _LATEST.c.control.in_(controls)
    )
    snapshots = select(_SNAPSHOTS.c.tenant, _SNAPSHOTS.c.control).where(
        _SNAPSHOTS.c.tenant == tenant, _SNAPSHOTS.c.control.in_(controls)
    )
    first, then, last = _queries(latest, snapshots)
    return Prepared(first), Prepared(then), Prepared(last)


def refresh_after_delete(session: Session, run_ids: Sequence[int]) -> list[Key]:
    """Before deleting ``run_ids``' snapshots: lock and name the pairs whose kept trend they are part of.

    A pair's trend holds its newest :data:`TREND_POINTS` snapshots, so a deleted snapshot matters
    only when the trend is not full (it holds every snapshot) or the snapshot is not older than the
    trend's oldest point. Call :func:`refresh` with the result once the rows are gone.
    """
    if not run_ids:
        return []
    newest = (
        select(_SNAPSHOTS.c.tenant, _SNAPSHOTS.c.control, func.max(_SNAPSHOTS.c.taken_at))
        .where(_SNAPSHOTS.c.run_id.in_(run_ids))
        .group_by(_SNAPSHOTS.c.tenant, _SNAPSHOTS.c.control)
    )
    deleted = {(tenant, control): micros(at) for tenant, control, at in session.execute(newest)}
    if not deleted:
        return []
    query = _locked(
        session,
        select(_LATEST.c.tenant, _LATEST.c.control, _LATEST.c.trend_at)
        .where(tuple_(_LATEST.c.tenant, _LATEST.c.control).in_(sorted(deleted)))
        .order_by(_LATEST.c.tenant, _LATEST.c.control),
    )
    kept = ((tenant, control, unpack_times(trend_at)) for tenant, control, trend_at in session.execute(query))
    return [
        (tenant, control)
        for tenant, control, times in kept
        if len(times) < TREND_POINTS or deleted[(tenant, control)] >= times[0]
    ]

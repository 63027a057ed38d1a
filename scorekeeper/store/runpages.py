"""Runs newest first, one page at a time, for the TUI's history: keyset paging, not offsets.

A tenant assessed daily has 365 runs a year and a fleet hundreds of thousands, so the history
screen loads a page and then the runs older than the last one it shows. The page after a run is
"older than its ``(started_at, id)``" — the order the run list already has — so each page is an
index seek however deep the person has scrolled (an ``OFFSET`` reads and drops every row before
it), and a run recorded meanwhile does not shift the next page by one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlmodel import SQLModel

from scorekeeper.store.tables import RunRow

__all__ = ["RunCursor", "page_of_runs"]

_RUNS = SQLModel.metadata.tables[RunRow.__tablename__].c  # Core columns: typed


@dataclass(frozen=True)
class RunCursor:
    """Where a page ended: the last run shown, by the list's order (newest first)."""

    started_at: datetime
    run_id: int


def page_of_runs(
    limit: int,
    *,
    tenants: Collection[str] | None = None,
    exclude_kinds: Sequence[str] = (),
    after: RunCursor | None = None,
) -> Select[int]:
    """The ids of the next ``limit`` runs, newest first: of ``tenants`` (all when ``None``), not of
    ``exclude_kinds``, older than ``after`` (from the newest when ``None``)."""
    query = select(_RUNS.id).order_by(_RUNS.started_at.desc(), _RUNS.id.desc()).limit(limit)
    if tenants is not None:
        query = query.where(_RUNS.tenant.in_(sorted(tenants)))
    if exclude_kinds:
        query = query.where(_RUNS.kind.not_in(list(exclude_kinds)))
    if after is not None:
        # "(started_at, id) < the cursor's", spelled so that both backends seek the started_at index
        # to the cursor: the bare OR of "older, or as old with a smaller id" is not an index range.
        tie_or_older = or_(_RUNS.started_at < after.started_at, _RUNS.id < after.run_id)
        query = query.where(and_(_RUNS.started_at <= after.started_at, tie_or_older))
    return query

"""Keyset pages of the run list (``store/runpages.py``) on SQLite and PostgreSQL: every run once, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from scorekeeper.domain.model import ControlResult, Finding, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.records import RunSummary
from scorekeeper.store.runpages import RunCursor
from scorekeeper.store.tables import RunRow

SSPR = "SelfServicePasswordReset"
DAY0 = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)


def _history(store: HistoryStore, days: int) -> None:
    """A year of daily runs of contoso (a plan every 10th day), one of fabrikam a week."""
    finding = Finding(control=SSPR, setting="enabled", status=Status.FAIL, current=False, desired=True)
    for day in range(days):
        for tenant, kind in [("contoso", "plan" if day % 10 == 0 else "assess"), ("fabrikam", "assess")]:
            if tenant == "fabrikam" and day % 7:
                continue
            run_id = store.start_run(tenant, kind, controls=[SSPR])
            store.record_run(run_id, [ControlResult(SSPR, "SSPR", (finding,))])
            with store._write() as session:  # recorded on its day (the store stamps "now")
                at = DAY0 + timedelta(days=day)
                session.execute(update(RunRow).where(RunRow.id == run_id).values(started_at=at))


def _all_pages(store: HistoryStore, size: int, **query: object) -> list[list[RunSummary]]:
    pages, after = [], None
    while True:
        page = store.runs_page(size, after=after, **query)  # type: ignore[arg-type]
        if not page:
            return pages
        pages.append(page)
        after = RunCursor(page[-1].started_at, page[-1].id)


def test_pages_of_a_tenant_with_a_year_of_runs_hold_every_run_once_newest_first(store: HistoryStore) -> None:
    _history(store, 370)
    whole = store.runs("contoso", limit=10_000, exclude_kinds=("plan",))
    assert len(whole) == 333  # 370 days less the 37 plans
    pages = _all_pages(store, 100, tenants=["contoso"], exclude_kinds=("plan",))
    assert [len(p) for p in pages] == [100, 100, 100, 33]
    assert [r.id for p in pages for r in p] == [r.id for r in whole]
    assert pages[0][0].counts == whole[0].counts and pages[0][0].counts["fail"] == 1  # the run list's counts


def test_pages_of_several_tenants_and_ties_in_time(store: HistoryStore) -> None:
    _history(store, 40)
    with store._write() as session:  # several runs at the same instant: the id orders them
        session.execute(update(RunRow).where(RunRow.id <= 10).values(started_at=DAY0))
    whole = store.runs(limit=10_000)
    pages = _all_pages(store, 7, tenants=["contoso", "fabrikam"])
    assert [r.id for p in pages for r in p] == [r.id for r in whole]
    assert _all_pages(store, 7) == pages  # tenants=None: every tenant
    assert store.runs_page(7, tenants=[]) == []


def test_a_run_recorded_while_paging_does_not_shift_the_next_page(store: HistoryStore) -> None:
    _history(store, 30)
    first = store.runs_page(10, tenants=["contoso"])
    expected = store.runs_page(10, tenants=["contoso"], after=RunCursor(first[-1].started_at, first[-1].id))
    store.start_run("contoso", "assess", controls=[SSPR])  # newer than every page
    again = store.runs_page(10, tenants=["contoso"], after=RunCursor(first[-1].started_at, first[-1].id))
    assert [r.id for r in again] == [r.id for r in expected]
    assert not {r.id for r in first} & {r.id for r in again}

"""The history screen pages: a tenant with a year of daily runs, loaded 100 at a time from the keyboard."""

from __future__ import annotations

from scorekeeper.domain.model import ControlResult, Finding, Status
from scorekeeper.store import HistoryStore
from scorekeeper.tui.screens.history import PAGE, HistoryScreen
from tests.tui.helpers import settle

TOY = "ToyControl"


def _seed(store: HistoryStore) -> list[int]:
    """370 days of t1 (a plan every 10th), 20 runs of t2, and runs of a tenant no longer configured.

    Returns the run ids the screen lists, newest first: every configured tenant's, plans hidden.
    """
    finding = Finding(control=TOY, setting="a", status=Status.FAIL, current=1, desired=2)
    for day in range(370):
        runs = [("t1", "plan" if day % 10 == 0 else "assess")]
        runs += [("t2", "assess")] if day % 18 == 0 and day < 360 else []
        runs += [("gone", "assess")] if day % 50 == 0 else []
        for tenant, kind in runs:
            run_id = store.start_run(tenant, kind, controls=[TOY])
            store.record_run(run_id, [ControlResult(TOY, TOY, (finding,))])
    every = store.runs(limit=10_000, exclude_kinds=("plan",))
    return [r.id for r in every if r.tenant in ("t1", "t2")]


def _listed(screen: HistoryScreen) -> list[int]:
    return [r.id for r in screen.runs]


def _page_line(screen: HistoryScreen) -> str:
    return str(screen.query_one("#runs-page").content)


async def test_a_year_of_runs_pages_by_m_and_by_moving_past_the_last_row(make_app, store) -> None:
    expected = _seed(store)
    assert len(expected) > 3 * PAGE  # a year of one tenant is more than three pages
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#runs")
        assert _listed(screen) == expected[:PAGE] and table.row_count == PAGE
        assert _page_line(screen).startswith(f"{PAGE} newest runs · m or ↓ at the end: {PAGE} older · t: this")

        await pilot.press("m")  # the next page, older than the last row
        await settle(pilot)
        assert _listed(screen) == expected[: 2 * PAGE] and table.row_count == 2 * PAGE
        assert table.cursor_row == 0  # loading more does not move the cursor

        await pilot.press("ctrl+end")  # the cursor reaches the last row: the page after it loads
        await settle(pilot)
        assert _listed(screen) == expected[: 3 * PAGE]
        while screen.more:
            await pilot.press("ctrl+end")
            await settle(pilot)
        assert _listed(screen) == expected and table.row_count == len(expected)
        assert _page_line(screen).startswith(f"all {len(expected)} runs")

        screen.reload()  # after a job: read again, keeping every row loaded
        await settle(pilot)
        assert _listed(screen) == expected


async def test_t_keeps_only_the_highlighted_runs_tenant_and_pages_it(make_app, store) -> None:
    expected = _seed(store)
    t2 = [r.id for r in store.runs("t2", limit=1_000)]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#runs")
        table.move_cursor(row=_listed(screen).index(t2[0]))
        await pilot.press("t")
        await settle(pilot)
        assert _listed(screen) == t2 and not screen.more
        assert _page_line(screen) == f"all {len(t2)} runs of t2 · t: all tenants"
        await pilot.press("t")  # every tenant again, from the newest page and its first row
        await settle(pilot)
        assert _listed(screen) == expected[:PAGE] and table.cursor_row == 0
        await pilot.press("t")  # t1: a year, paged on its own
        await settle(pilot)
        assert [store.get_run(i).tenant for i in _listed(screen)] == ["t1"] * PAGE  # type: ignore[union-attr]
        assert screen.more and _page_line(screen).startswith(f"{PAGE} newest runs of t1 ·")

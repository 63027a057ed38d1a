"""Filtering the overview by tenant, group and status, and grouping its rows — from the keyboard."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input

from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.screens.overview import OverviewScreen
from tests.tui.helpers import settle

TENANTS = ("t1", "t2", "t3")
GROUPS = {"emea": {"tenants": ["t1", "t3"]}, "apac": {"tenants": ["t2"]}}


def shown(app: ScorekeeperApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, OverviewScreen)
    table = screen.query_one("#overview", DataTable)
    assert table.row_count == len(screen.rows)
    return [f"[{r.heading}]" if r.is_heading else r.tenant for r in screen.rows]


async def type_filter(pilot: Any, line: str) -> None:
    await pilot.press("slash")
    box = pilot.app.screen.query_one("#overview-filter", Input)
    assert box.has_focus and box.display
    box.value = ""
    await pilot.press(*line, "enter")
    await settle(pilot)


async def test_filter_by_group_status_and_name(make_engine, store) -> None:
    app = ScorekeeperApp(make_engine(None, TENANTS, groups=GROUPS), TENANTS)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert shown(app) == ["t1", "t2", "t3"]
        await type_filter(pilot, "group:emea")
        screen = app.screen
        assert shown(app) == ["t1", "t3"]
        assert screen.query_one("#overview", DataTable).has_focus
        assert "2 of 3 rows" in screen.sub_title
        assert screen.query_one("#overview-filter", Input).value == "group:emea"

        await pilot.press("a")  # assesses the highlighted tenant, t1 (the toy tenant fails)
        await settle(pilot)
        await pilot.press("f")  # status:failing
        assert shown(app) == ["t1"]
        assert screen.query_one("#overview-filter", Input).value == "group:emea status:failing"
        await pilot.press("f", "f", "f", "f", "f", "f", "f")  # drift, unknown, manual, staged, advice, passing, never
        assert screen.filter.state is not None and screen.filter.state.value == "never"
        assert shown(app) == ["t3"]

        await pilot.press("escape")  # clears the whole filter
        assert shown(app) == ["t1", "t2", "t3"]
        assert not screen.query_one("#overview-filter", Input).display

        await type_filter(pilot, "T2")  # words match tenant names, any case
        assert shown(app) == ["t2"]
        await pilot.press("G")  # the first group: emea has no t2
        assert shown(app) == [] and "No tenant matches" in str(screen.query_one("#cell-summary").content)
        await pilot.press("G")  # apac
        assert shown(app) == ["t2"]
        await pilot.press("A")  # assess every tenant shown: t2 only
        await settle(pilot)
        assert sorted(r.tenant for r in store.runs()) == ["t1", "t2"]


async def test_a_bad_filter_is_one_line_and_changes_nothing(make_engine) -> None:
    app = ScorekeeperApp(make_engine(None, TENANTS, groups=GROUPS), TENANTS)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "status:bad")
        assert shown(app) == ["t1", "t2", "t3"]
        [note] = app._notifications
        assert note.message.startswith("unknown status 'bad'") and note.severity == "error"
        await pilot.press("escape")  # leaves the line; the filter stays as it was (none)
        assert app.screen.query_one("#overview", DataTable).has_focus
        assert not app.screen.query_one("#overview-filter", Input).display


async def test_rows_grouped_by_group_and_a_heading_assesses_its_tenants(make_engine, store) -> None:
    engine = make_engine(None, ("t1", "t2", "t3", "t4"), groups=GROUPS)
    app = ScorekeeperApp(engine, ["t1", "t2", "t3", "t4"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        assert shown(app) == ["[emea]", "t1", "t3", "[apac]", "t2", "[(no group)]", "t4"]
        heading = app.screen.query_one("#overview", DataTable).get_row_at(0)
        assert "".join(str(c) for c in heading).startswith("▾ emea · 2 tenant(s)")
        assert "Group emea" in str(app.screen.query_one("#cell-summary").content)
        await pilot.press("enter", "p")  # neither opens nor plans a heading
        assert isinstance(app.screen, OverviewScreen) and app.job is None
        await pilot.press("a")
        await settle(pilot)
        assert sorted(r.tenant for r in store.runs()) == ["t1", "t3"]
        await type_filter(pilot, "status:failing")  # the filter applies inside the groups
        assert shown(app) == ["[emea]", "t1", "t3"]
        await pilot.press("b")
        assert shown(app) == ["t1", "t3"]

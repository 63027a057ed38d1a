"""The overview for a fleet: one row per tenant with its controls behind enter, and sorting by a column."""

from __future__ import annotations

from textual.widgets import DataTable

from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.overview import OverviewScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle


def column(screen: OverviewScreen, index: int) -> list[str]:
    table = screen.query_one("#overview", DataTable)
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_t_shows_one_row_per_tenant_and_enter_lists_its_controls(make_app) -> None:
    app = make_app(tenants=("t1", "t2", "t3"))
    async with app.run_test() as pilot:
        await settle(pilot)
        toy_plugins.TENANTS["t2"] = {"colour": "green", "size": 3}
        await app.engine.assess(["t2"])
        app.reload_screens()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        await pilot.press("t")
        assert screen.by_tenant and column(screen, 0) == ["t1", "t2", "t3"]
        assert column(screen, 1) == ["1 control(s)"] * 3
        assert column(screen, 5)[1] != "never" and column(screen, 5)[0] == "never"
        await pilot.press("down", "enter")
        await settle(pilot)
        # The tenant's controls, one row each; escape is back to the tenants, enter opens a control.
        assert not screen.by_tenant and column(screen, 0) == ["t2"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen) and app.screen.tenant == "t2"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        assert screen.by_tenant and column(screen, 0) == ["t1", "t2", "t3"]


async def test_o_sorts_by_each_column_and_O_reverses(make_app) -> None:
    app = make_app(tenants=("b", "c", "a"))
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        assert column(screen, 0) == ["b", "c", "a"]  # the configured order
        await pilot.press("o")
        assert screen.sort == "tenant" and column(screen, 0) == ["a", "b", "c"]
        await pilot.press("O")
        assert column(screen, 0) == ["c", "b", "a"]
        assert "sorted by tenant" in screen.sub_title


async def test_a_click_on_a_header_sorts_by_that_column(make_app) -> None:
    app = make_app(tenants=("b", "c", "a"))
    async with app.run_test() as pilot:
        await settle(pilot)
        toy_plugins.TENANTS["c"] = {"colour": "green", "size": 3}
        await app.engine.assess(["c"])
        app.reload_screens()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.query_one("#overview", DataTable)
        table.post_message(DataTable.HeaderSelected(table, table.ordered_columns[5].key, 5, "last run"))
        await settle(pilot)
        assert screen.sort == "last run"
        assert column(screen, 0)[0] != "c"  # never-assessed tenants first (oldest first)...
        table.post_message(DataTable.HeaderSelected(table, table.ordered_columns[5].key, 5, "last run"))
        await settle(pilot)
        assert column(screen, 0)[0] == "c"  # ...and reversed, the newest run first

"""The dashboard at 80×24, 120×40 and 200×50: whole names and values once the terminal has room.

The snapshots show each screen at the three sizes; the assertions say what a person must be able
to read in them (a long tenant name, a 70-character value, the confirmation's width).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import DataTable

from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.screens.confirm import ConfirmScreen
from scorekeeper.tui.screens.control import ControlScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle
from tests.tui.test_snapshots import keys

SIZES = {"80x24": (80, 24), "120x40": (120, 40), "200x50": (200, 50)}
TENANTS = ("contoso-healthcare-north-europe", "fabrikam-retail")
#: A value as long as the SSPR plugin's registration-methods list, read from the toy tenant.
LONG = "deep ultramarine blue with a hint of teal, as registered in March 2026"


def long_app(make_engine: Any) -> ScorekeeperApp:
    engine = make_engine(None, TENANTS)
    toy_plugins.TENANTS[TENANTS[0]] = {"colour": LONG, "size": 1}
    asyncio.run(engine.assess([TENANTS[0]]))
    return ScorekeeperApp(engine, list(TENANTS))


async def long_app_async(make_engine: Any) -> ScorekeeperApp:
    """:func:`long_app` for a test already in an event loop."""
    engine = make_engine(None, TENANTS)
    toy_plugins.TENANTS[TENANTS[0]] = {"colour": LONG, "size": 1}
    await engine.assess([TENANTS[0]])
    return ScorekeeperApp(engine, list(TENANTS))


@pytest.mark.parametrize("size", SIZES)
def test_overview_sizes(snap_compare: Any, make_engine: Any, size: str) -> None:
    assert snap_compare(long_app(make_engine), terminal_size=SIZES[size], run_before=keys())


@pytest.mark.parametrize("size", SIZES)
def test_control_view_sizes(snap_compare: Any, make_engine: Any, size: str) -> None:
    assert snap_compare(long_app(make_engine), terminal_size=SIZES[size], run_before=keys("enter"))


@pytest.mark.parametrize("size", SIZES)
def test_confirm_sizes(snap_compare: Any, make_engine: Any, size: str) -> None:
    assert snap_compare(long_app(make_engine), terminal_size=SIZES[size], run_before=keys("r"))


def test_control_view_detail_toggle_80x24(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(long_app(make_engine), terminal_size=(80, 24), run_before=keys("enter", "d"))


@pytest.mark.parametrize(("size", "whole"), [("120x40", False), ("200x50", True)])
async def test_wide_screens_show_whole_names_and_values(make_engine: Any, size: str, whole: bool) -> None:
    app = await long_app_async(make_engine)
    async with app.run_test(size=SIZES[size]) as pilot:
        await settle(pilot)
        overview = app.screen.query_one("#overview", DataTable)
        assert str(overview.get_row_at(0)[0]) == TENANTS[0]  # the tenant's whole name from 120 columns
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        current = str(app.screen.query_one("#settings", DataTable).get_row_at(0)[2])
        # At 200 the 70-character value is whole; at 120 it takes all the room there is (> 40).
        assert (current == LONG) if whole else (len(current) > 40 and current.endswith("…"))


@pytest.mark.parametrize("size", SIZES)
async def test_confirmation_width_follows_the_terminal(make_engine: Any, size: str) -> None:
    app = await long_app_async(make_engine)
    async with app.run_test(size=SIZES[size]) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        dialog = app.screen.query_one("#confirm-dialog")
        width = SIZES[size][0]
        assert dialog.outer_size.width == max(width * 95 // 100, 60)
        if width >= 120:
            assert LONG in app.screen.diff_text  # the whole value, not cut at 56
        await pilot.press("n")
        await settle(pilot)


async def test_detail_toggle_gives_the_detail_pane_the_screen(make_engine: Any) -> None:
    app = await long_app_async(make_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        before = screen.query_one("#setting-detail").outer_size.height
        await pilot.press("d")
        await pilot.pause()
        after = screen.query_one("#setting-detail").outer_size.height
        assert not screen.query_one("#settings").display and after > before + 3
        await pilot.press("d")
        await pilot.pause()
        assert screen.query_one("#settings").display

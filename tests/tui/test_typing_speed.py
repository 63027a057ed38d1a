"""Keys typed faster than the dashboard draws: every key acts on the row the keys before it reached.

A terminal delivers "↓ ↓ ⏎" as three key events queued at once; Pilot's ``press`` waits between
keys, so these tests post the events straight to the app, as a terminal driver does.
"""

from __future__ import annotations

from typing import Any

from textual import events

from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.history import HistoryScreen
from tests.tui.helpers import settle


def type_at_once(app: Any, *keys: str) -> None:
    """Queue ``keys`` with no pause between them, as a fast typist's terminal does."""
    for key in keys:
        app.post_message(events.Key(key, None))


async def test_down_down_enter_typed_at_once_opens_the_third_row(make_app) -> None:
    app = make_app(tenants=("t1", "t2", "t3", "t4"))
    async with app.run_test() as pilot:
        await settle(pilot)
        type_at_once(app, "down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        assert app.screen.tenant == "t3"


async def test_j_and_k_move_the_cursor_like_the_arrows(make_app) -> None:
    app = make_app(tenants=("t1", "t2", "t3", "t4"))
    async with app.run_test() as pilot:
        await settle(pilot)
        type_at_once(app, "j", "j", "j", "k", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        assert app.screen.tenant == "t3"


async def test_history_highlight_stays_on_its_run_after_verify(make_app, store) -> None:
    from tests.core import toy_plugins

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        toy_plugins.TENANTS["t1"] = {"colour": "red", "size": 1}
        await app.engine.assess(["t1"])
        plan_run, plans = await app.engine.plan("t1")
        remediation = await app.engine.remediate("t1", plans, parent_run_id=plan_run.run_id)
        await app.engine.assess(["t2"])
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#runs")
        target = next(i for i, r in enumerate(screen.runs) if r.id == remediation.run_id)
        table.move_cursor(row=target)
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        # The verify run is now the newest, listed first: the highlight followed its run, not its index.
        assert screen.runs[0].kind == "verify"
        assert screen.runs[table.cursor_row].id == remediation.run_id
        assert f"Run {remediation.run_id}" in str(screen.query_one("#run-text").content)

"""The main screens at 80×24, as SVG snapshots (pytest-textual-snapshot).

History is seeded through the engine before the app starts, with the test clock from
``conftest.py``, so every timestamp, run id and count on screen is the same on every run.
Update after an intended change with ``pytest tests/tui --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot

from scorekeeper.engine import Engine
from scorekeeper.tui.app import ScorekeeperApp
from tests.core import toy_plugins
from tests.tui.helpers import settle

SIZE = (80, 24)


def seed_drift(engine: Engine) -> None:
    """t1 passes its colour, then regresses: two assessments and the drift between them."""
    toy_plugins.TENANTS["t1"] = {"colour": "green", "size": 1}
    [first] = asyncio.run(engine.assess(["t1"]))
    toy_plugins.TENANTS["t1"]["colour"] = "red"
    [second] = asyncio.run(engine.assess(["t1"]))
    assert engine.store.detect_drift(second.run_id), "the seed must produce drift"
    assert first.run_id < second.run_id


def seed_remediation(engine: Engine) -> None:
    plan_run, plans = asyncio.run(engine.plan("t1"))
    asyncio.run(engine.remediate("t1", plans, parent_run_id=plan_run.run_id))


def app_with(make_engine: Any, *seeds: Any) -> ScorekeeperApp:
    engine = make_engine()
    for seed in seeds:
        seed(engine)
    return ScorekeeperApp(engine, ["t1", "t2"])


def keys(*pressed: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def test_overview(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_drift), terminal_size=SIZE, run_before=keys())


def test_overview_light_theme(snap_compare: Any, make_engine: Any) -> None:
    app = app_with(make_engine, seed_drift)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=SIZE, run_before=keys())


def test_control_view(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_drift), terminal_size=SIZE, run_before=keys("enter"))


def test_control_view_failing_only(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_drift), terminal_size=SIZE, run_before=keys("enter", "f"))


def test_confirm_remediation(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_drift), terminal_size=SIZE, run_before=keys("r"))


def test_history(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_remediation), terminal_size=SIZE, run_before=keys("h"))


def test_confirm_rollback(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_remediation), terminal_size=SIZE, run_before=keys("h", "u"))


def test_help(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine), terminal_size=SIZE, run_before=keys("question_mark"))


LARGE = (160, 48)


def test_overview_large_dark(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_drift), terminal_size=LARGE, run_before=keys())


def test_overview_large_light(snap_compare: Any, make_engine: Any) -> None:
    app = app_with(make_engine, seed_drift)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=LARGE, run_before=keys())


def test_history_large_dark(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(app_with(make_engine, seed_remediation), terminal_size=LARGE, run_before=keys("h"))


def test_history_light(snap_compare: Any, make_engine: Any) -> None:
    app = app_with(make_engine, seed_remediation)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("h"))


FLEET = ("t1", "t2", "t3", "t4")
GROUPS = {"emea": {"tenants": ["t1", "t3"]}, "apac": {"tenants": ["t2"]}}


def grouped_app(make_engine: Any, theme: str | None = None) -> ScorekeeperApp:
    """Four tenants in two groups (t4 in none), t1 assessed twice (drift), t2 once."""
    engine = make_engine(None, FLEET, groups=GROUPS)
    seed_drift(engine)
    asyncio.run(engine.assess(["t2"]))
    app = ScorekeeperApp(engine, list(FLEET))
    if theme:
        app.theme = theme
    return app


def test_overview_grouped_and_filtered(snap_compare: Any, make_engine: Any) -> None:
    """b groups the rows; f keeps the failing cells (the filter line stays on screen)."""
    assert snap_compare(grouped_app(make_engine), terminal_size=SIZE, run_before=keys("b", "f"))


def test_overview_grouped_large_light(snap_compare: Any, make_engine: Any) -> None:
    assert snap_compare(grouped_app(make_engine, "textual-light"), terminal_size=LARGE, run_before=keys("b"))


def test_confirm_many_changes_scrolled(snap_compare: Any, make_engine: Any) -> None:
    """16 changes at 80×24: the dialog shows a scrollbar and the hint, here scrolled to the end."""
    from scorekeeper.tui.screens.confirm import ConfirmScreen
    from tests.tui.test_confirm_scroll import big_plan

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(ConfirmScreen(big_plan(), title="Apply 16 change(s) to t1?"))
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(app_with(make_engine), terminal_size=SIZE, run_before=run_before)


def test_control_view_large_light(snap_compare: Any, make_engine: Any) -> None:
    app = app_with(make_engine, seed_drift)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=LARGE, run_before=keys("enter"))

"""The dashboard driven with Pilot over the toy plugin: what an admin does, checked in history."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from scorekeeper.tui.screens.confirm import ConfirmScreen
from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.history import HistoryScreen
from scorekeeper.tui.screens.overview import OverviewScreen
from tests.core import toy_plugins
from tests.tui.conftest import SlowToyPlugin
from tests.tui.helpers import settle


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_overview_lists_every_tenant_and_control_before_any_run(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        rows = cells(screen.query_one("#overview", DataTable))
        assert [r[:2] for r in rows] == [["t1", "ToyControl"], ["t2", "ToyControl"]]
        assert all(r[4] == "not assessed" and r[5] == "never" for r in rows)


async def test_assess_from_overview_records_a_run_and_fills_the_row(make_app, store) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        [run] = store.runs()
        assert (run.tenant, run.kind, run.status) == ("t1", "assess", "completed")
        row = cells(app.screen.query_one("#overview", DataTable))[0]
        assert row[2] == "0/2"  # the score the toy tenant reported
        assert row[4] == "✔0 ✘2 ?0 ✋1"
        [cell] = [c for c in store.overview() if c.tenant == "t1"]
        # Date with the year, time and zone (the tests run in UTC: conftest sets TZ).
        assert row[5] == cell.last_run_at.strftime("%Y-%m-%d %H:%M UTC")


async def test_control_view_shows_settings_detail_and_filters_failing(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ControlScreen)
        table = screen.query_one("#settings", DataTable)
        rows = cells(table)
        assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
            ("✘ fail", "colour", "red", "green", "automated"),
            ("✘ fail", "size", "1", "3", "automated"),
            ("✋ manual", "paperwork", "—", "—", "guided"),
        ]
        detail = str(screen.query_one("#setting-text").content)
        assert "reason     differs" in detail and "via toy PUT colour" in detail
        await pilot.press("down", "down")
        detail = str(screen.query_one("#setting-text").content)
        assert "Guided steps" in detail and "1. Do the paperwork." in detail
        await pilot.press("f")
        assert [r[1] for r in cells(table)] == ["colour", "size"]
        await pilot.press("f")
        assert len(cells(table)) == 3
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_remediation_writes_nothing_until_confirmed(make_app, store) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        diff = confirm.diff_text
        assert "colour" in diff and "red → green" in diff and "1 → 3" in diff
        assert "paperwork" in diff  # guided: listed, not written
        await pilot.press("n")  # decline
        await settle(pilot)
        assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}
        assert [r.kind for r in store.runs()] == ["plan"]

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 3}
        remediation = store.runs(kind="remediate")[0]
        assert remediation.status == "completed" and remediation.counts["pass"] == 2


async def test_rollback_from_history_restores_the_tenant_after_confirmation(make_app, store) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 3}

        await pilot.press("h")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryScreen)
        # the remediation is followed by a fresh assessment, so the dashboard shows the result
        # (the kind carries the CLI's markers: the remediation acts on plan run 1, which is hidden
        # as `scorekeeper history` hides plans; P shows them)
        assert [r[2] for r in cells(history.query_one("#runs", DataTable))] == ["assess", "remediate ↩1"]
        await pilot.press("P")
        await settle(pilot)
        assert [r[2] for r in cells(history.query_one("#runs", DataTable))] == ["assess", "remediate ↩1", "plan"]
        await pilot.press("P")
        await settle(pilot)
        assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 3}
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "green → red" in app.screen.diff_text and "3 → 1" in app.screen.diff_text
        await pilot.press("y")
        await settle(pilot)
        assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}
        rollback = store.runs(kind="rollback")[0]
        assert rollback.status == "completed"
        remediation = store.runs(kind="remediate")[0]
        assert all(c.rolled_back_by == rollback.id for _, c in store.changes_for_run(remediation.id))
        # the rollback is followed by a fresh assessment (the dashboard shows the restored tenant),
        # and rolling back twice is refused
        kinds = [r[2] for r in cells(history.query_one("#runs", DataTable))][:2]
        assert kinds == ["assess", f"rollback ↩{remediation.id}"]
        await pilot.press("down", "down", "down")  # the remediation, already rolled back
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)


async def test_cancelling_an_assessment_records_it_as_interrupted(make_app, store) -> None:
    plugin = SlowToyPlugin(hold=True)
    app = make_app(plugin)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert await asyncio.to_thread(plugin.entered.wait, 5)
        [running] = store.runs()
        assert running.status == "running"
        await pilot.press("x")
        await settle(pilot)
        [run] = store.runs()
        assert run.status == "interrupted"
        assert store.get_run(run.id).findings == ()  # nothing half-recorded
        assert app.job is None


async def test_ui_answers_keys_while_a_slow_assessment_runs(make_app) -> None:
    plugin = SlowToyPlugin(hold=True)
    app = make_app(plugin)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert await asyncio.to_thread(plugin.entered.wait, 5)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, ControlScreen)
        await pilot.press("escape", "x")
        await settle(pilot)


async def test_one_job_at_a_time(make_app, store) -> None:
    plugin = SlowToyPlugin(hold=True)
    app = make_app(plugin)
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert await asyncio.to_thread(plugin.entered.wait, 5)
        await pilot.press("down", "a")  # t2 while t1 is still assessing
        assert [r.tenant for r in store.runs()] == ["t1"]
        assert any("Busy with" in n.message for n in app._notifications)
        await pilot.press("x")
        await settle(pilot)

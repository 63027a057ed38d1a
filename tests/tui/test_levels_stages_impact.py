"""Issue 25 in the dashboard: staged and advice read as themselves, impact names the people it affects.

The control view is given the findings a run recorded (``ControlScreen._loaded``, as its loader
does) so the test does not depend on which fields history keeps; the confirmation is given a plan
as the engine makes it (an automated staged item with an impact, a guided item blocked by one).
Checked at 80×24, where the impact must be reachable by keyboard.
"""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from scorekeeper import Affected, Assessment, Harm, Impact, Stage
from scorekeeper.domain.display import status_look
from scorekeeper.domain.model import (
    Change,
    ControlResult,
    Finding,
    Outcome,
    Plan,
    PlanItem,
    RemediationKind,
    Status,
)
from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.format import STATUS_VARIABLE, counts_text, status_text
from scorekeeper.tui.screens.confirm import ConfirmScreen
from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.history import HistoryScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle

PEOPLE = tuple(
    Affected(str(n), f"user{n}@contoso.example", detail="loses mobile phone, their only reset method") for n in range(7)
)
IMPACT = Impact(
    "7 users can no longer reset their password",
    Harm.LOCKS_OUT,
    PEOPLE,
    remedy="enable Sms in the Authentication methods policy for them",
    sources=("userRegistrationDetails",),
)
STAGE = Stage(("report-only", "enabled"), 0, needs="7 days of report-only results")
FINDINGS = (
    Finding("ToyControl", "colour", Status.FAIL, "red", "green", "differs", impact=IMPACT),
    Finding("ToyControl", "size", Status.STAGED, 1, 3, "report-only", stage=STAGE),
    Finding("ToyControl", "paperwork", Status.ADVICE, None, None, "recommended", RemediationKind.GUIDED),
)


def test_status_text_and_counts_name_staged_and_advice() -> None:
    palette = {"accent": "#0000ff", "primary": "#00ffff", "success": "#00ff00", "foreground-muted": "#777777"}
    assert str(status_text(Status.STAGED, palette)) == "◐ staged" and STATUS_VARIABLE[Status.STAGED] == "accent"
    assert str(status_text(Status.ADVICE, palette)) == "ℹ advice" and STATUS_VARIABLE[Status.ADVICE] == "primary"
    assert status_look(Status.ADVICE).failure is False and status_look(Status.FAIL).failure is True
    counts = {"pass": 3, "fail": 0, "unknown": 0, "manual": 0, "staged": 1, "advice": 2}
    assert str(counts_text(counts, palette)) == "✔3 ✘0 ?0 ✋0 ◐1 ℹ2"
    assert str(counts_text(counts, palette, width=14)) == "✔3 ✘0 ◐1 ℹ2"  # zero unknown/manual make room
    assert str(counts_text({"pass": 3, "fail": 1}, palette)) == "✔3 ✘1 ?0 ✋0"  # unchanged without them


async def test_control_view_shows_statuses_stage_and_impact_at_80x24(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ControlScreen)
        screen._loaded(ControlResult("ToyControl", "Toy", FINDINGS), "assess run 9")
        await pilot.pause()
        table = screen.query_one("#settings", DataTable)
        statuses = [str(table.get_row_at(n)[0]) for n in range(table.row_count)]
        assert statuses == ["✘ fail", "◐ staged", "ℹ advice"]

        detail = screen.query_one("#setting-detail", VerticalScroll)
        text = str(screen.query_one("#setting-text", Static).content)
        assert "⚠ locks out: 7 users can no longer reset their password" in text
        assert all(f"user{n}@contoso.example — loses mobile phone" in text for n in range(7))  # every one, by name
        assert "To make it safe: enable Sms" in text
        # at 80x24 the whole impact, remedy included, is on screen before any scrolling: it comes
        # right after the status and reason, above the values, level, permissions and evidence
        lines = text.splitlines()
        remedy = next(n for n, line in enumerate(lines) if "To make it safe" in line)
        assert detail.scroll_y == 0 and remedy < detail.scrollable_content_region.height

        table.focus()
        await pilot.press("down")  # the staged setting
        await pilot.pause()
        text = str(screen.query_one("#setting-text", Static).content)
        assert "◐ staged" in text and "staged: report-only → enabled; next stage needs 7 days" in text
        assert "level      criterion" in text
        await pilot.press("f")  # failing only: staged and advice are not failures
        await pilot.pause()
        assert [str(table.get_row_at(n)[1]) for n in range(table.row_count)] == ["colour"]


async def test_confirmation_lists_impacts_and_marks_blocked_items(make_app: Any) -> None:
    staged = PlanItem("size", 1, 3, RemediationKind.AUTOMATED, "PATCH /size", stage="enabled", impact=IMPACT)
    blocked = PlanItem("colour", "red", "green", RemediationKind.GUIDED, steps=("1. Enable Sms first",), impact=IMPACT)
    plans = [Plan("t1", "ToyControl", (staged, blocked))]
    app = make_app()
    answers: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen(plans, title="Apply 1 change(s) to t1?"), answers.append)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        lines = screen.diff_text.splitlines()
        assert lines[1:4] == ["  size  (PATCH /size)", "    ◐ moves to stage enabled", "    1 → 3"]
        assert (
            lines[4]
            == "    ⚠ locks out (accepted by [remediation] accept_impact): 7 users can no longer reset their password"
        )
        assert "      user4@contoso.example — loses mobile phone, their only reset method" in lines
        blocked_line = next(line for line in lines if "⛔ colour" in line)
        assert "blocked: it would lock someone out" in blocked_line
        assert "accept_impact += ToyControl.colour" in blocked_line
        assert "      1. Enable Sms first" in lines
        body = screen.query_one("#confirm-body", VerticalScroll)
        assert body.max_scroll_y > 0, "the plan must be taller than the dialog at 80x24 (else this proves nothing)"
        await pilot.press("end")  # the rest of the plan is reachable by keyboard before answering
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("n")
        assert answers == [False]


async def test_history_names_whom_a_remediations_changes_affected(make_app: Any, store: Any) -> None:
    """The impact the person confirmed is on the run the remediation was planned from (``planned_from``)."""
    planned = store.start_run("t1", "plan", controls=["ToyControl"])
    store.record_run(planned, [ControlResult("ToyControl", "Toy", FINDINGS)])
    remediated = store.start_run("t1", "remediate", controls=["ToyControl"], parent_run_id=planned)
    changes = (Change("colour", "red", "green", Outcome.APPLIED), Change("size", 1, 3, Outcome.APPLIED))
    store.record_run(remediated, [ControlResult("ToyControl", "Toy", (), changes)])
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and screen.selected is not None
        assert screen.selected.run_id == remediated  # the newest run is highlighted (plans are hidden)
        text = str(screen.query_one("#run-text", Static).content)
        colour = text[text.index(" colour") : text.index(" size")]
        assert "⚠ locks out (accepted by [remediation] accept_impact): 7 users" in colour
        assert "user6@contoso.example — loses mobile phone" in colour
        assert "◐ moved to stage enabled" in text[text.index(" size") :]


class StagedToy(toy_plugins.GoodPlugin):
    """The toy colour rolled out in stages: amber (the pilot) before green; ready to move on."""

    async def assess(self, tenant: Any) -> Assessment:
        found = await toy_plugins.GoodPlugin.assess(self, tenant)
        colour = toy_plugins.state(tenant.name)["colour"]
        if colour != "amber":
            return found
        stage = Stage(("amber", "green"), 0, next_desired="green", ready=True, evidence="amber 9 days, no complaint")
        staged = Finding("ToyControl", "colour", Status.STAGED, "amber", "green", "pilot stage", stage=stage)
        return Assessment((staged, *found.findings[1:]), found.score)


async def test_promote_moves_a_ready_stage_on_only_when_the_configuration_allows_it(make_engine: Any) -> None:
    toy_plugins.TENANTS["t1"] = {"colour": "amber", "size": 3}
    refused = ScorekeeperApp(make_engine(StagedToy()), ("t1",))
    async with refused.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        refused.promote("t1")
        await settle(pilot)
        assert not isinstance(refused.screen, ConfirmScreen)
        assert any("No stage to move on in t1" in n.message for n in refused._notifications)
    assert toy_plugins.TENANTS["t1"]["colour"] == "amber"  # nothing written

    app = ScorekeeperApp(make_engine(StagedToy(), remediation={"promote": ["ToyControl.colour"]}), ("t1",))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.promote("t1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert screen.title_text == "Move 1 setting(s) of t1 to their next stage?"
        assert "◐ moves to stage green" in screen.diff_text and "amber → green" in screen.diff_text
        assert toy_plugins.TENANTS["t1"]["colour"] == "amber"  # nothing written before the answer
        await pilot.press("y")
        await settle(pilot)
    assert toy_plugins.TENANTS["t1"]["colour"] == "green"  # an ordinary recorded write: rollback undoes it
    runs = [r for r in app.store.runs() if r.kind == "remediate"]
    assert len(runs) == 1 and app.store.get_run(runs[0].id).changes[0].after == "green"  # type: ignore[union-attr]

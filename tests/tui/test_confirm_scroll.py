"""The confirmation dialog at 80×24 with more changes than fit: every one is reachable by keyboard."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Button

from scorekeeper.domain.model import Plan, PlanItem, RemediationKind
from scorekeeper.tui.screens.confirm import ConfirmScreen
from tests.tui.helpers import settle

CHANGES = 16


def big_plan() -> list[Plan]:
    items = tuple(
        PlanItem(f"setting_{n:02d}", {"enabled": False}, {"enabled": True}, RemediationKind.AUTOMATED, f"PATCH /s/{n}")
        for n in range(CHANGES)
    )
    return [Plan("t1", "ToyControl", items)]


async def test_the_plan_scrolls_by_keyboard_at_80x24(make_app) -> None:
    app = make_app()
    answers: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen(big_plan(), title=f"Apply {CHANGES} change(s) to t1?"), answers.append)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        body = screen.query_one("#confirm-body", VerticalScroll)
        assert body.max_scroll_y > 0, "16 changes must not fit at 80x24 (else this test proves nothing)"
        assert "scroll" in str(screen.query_one("#confirm-hint").content)
        assert screen.query_one("#decline", Button).has_focus  # the safe default keeps the focus
        assert body.scroll_y == 0

        await pilot.press("down")
        assert body.scroll_y == 1
        await pilot.press("pagedown")
        assert body.scroll_y > 1
        await pilot.press("end")
        assert body.scroll_y == body.max_scroll_y
        # the last change is on screen now: its line lies inside the visible part of the body
        last = screen.diff_text.splitlines().index("  setting_15  (PATCH /s/15)")
        assert body.scroll_y <= last < body.scroll_y + body.scrollable_content_region.height
        await pilot.press("up")
        assert body.scroll_y == body.max_scroll_y - 1
        await pilot.press("home")
        assert body.scroll_y == 0
        assert screen.query_one("#decline", Button).has_focus and answers == []  # scrolling decided nothing
        await pilot.press("n")
        assert answers == [False]

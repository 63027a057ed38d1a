"""The gate before any write: the plan as a diff of current → desired, and an explicit yes.

Remediation and rollback both pass through here; nothing is written unless the admin presses
the apply button (or ``y``). Escape, ``n`` and the default-focused Cancel button all decline.
With ``apply_label=None`` it is a read-only view of a plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from scorekeeper.domain.diff import field_changes
from scorekeeper.domain.display import STATUS_LOOK, short
from scorekeeper.domain.model import Plan, PlanItem, Status
from scorekeeper.tui.format import impact_text, theme_palette
from scorekeeper.tui.safe import SafeStatic


def plan_diff(plans: list[Plan], palette: Mapping[str, str], value_width: int = 56) -> Text:
    """Every plan item as ``- current`` / ``+ desired`` lines; guided items as steps for a person.

    Each item's impact follows it (who is affected, by name, and what would make it safe), and
    the stage a staged item moves to. A guided item whose impact locks someone out is marked
    ``⛔ blocked``: the engine kept it out of the writes, and the admin reads why before ``y``.
    """
    removed, added = palette.get("error", ""), palette.get("success", "")
    muted = palette.get("foreground-muted", "")
    text = Text()
    for plan in plans:
        if text:
            text.append("\n")
        text.append(f"{plan.tenant} › {plan.control}", style="bold")
        for item in plan.automated:
            text.append(f"\n  {item.setting}", style="bold")
            if item.title and item.title != item.setting:
                text.append(f" — {item.title}")
            if item.api:
                text.append(f"  ({item.api})", style=muted)
            if item.stage:
                text.append(f"\n    {STATUS_LOOK[Status.STAGED].glyph} moves to stage {item.stage}")
            _diff_lines(text, item, removed, added, value_width)
            if item.impact is not None:  # an automated item that locks someone out was accepted by the config
                text.append("\n")
                text.append_text(impact_text(item.impact, palette, indent="    ", accepted=True))
        if plan.guided:
            text.append("\n  Guided (not written; a person follows the steps):", style=muted)
            for item in plan.guided:
                blocked = item.impact is not None and item.impact.blocks
                if blocked:
                    text.append(f"\n  ⛔ {item.setting}", style=f"bold {removed}".strip())
                    text.append(f" — blocked: it would lock someone out ({ACCEPT_HINT}{plan.control}.{item.setting})")
                else:
                    text.append(f"\n  ✋ {item.setting}")
                if item.impact is not None:
                    text.append("\n")
                    text.append_text(impact_text(item.impact, palette, indent="      "))
                for step in item.steps:
                    text.append(f"\n      {step}", style=muted)
    return text


def value_width(dialog: int) -> int:
    """How wide one side of ``before → after`` may be in a dialog ``dialog`` columns wide.

    One line holds the field's path (about 16 columns), both values and the arrow; 56 at the old
    fixed 76-column dialog was enough for a single value, so that stays the floor.
    """
    return max(56, dialog - 20)


#: How the admin plans a blocked change anyway (the configuration's ``[remediation] accept_impact``).
ACCEPT_HINT = "to plan it anyway: [remediation] accept_impact += "


def _diff_lines(text: Text, item: PlanItem, removed: str, added: str, width: int = 56) -> None:
    """Only the fields that move, as ``path: before → after`` (the arrow reads without colour)."""
    for change in field_changes(item.current, item.desired):
        text.append(f"\n    {change.path}: " if change.path else "\n    ")
        text.append(short(change.before, width), style=removed)
        text.append(" → ")
        text.append(short(change.after, width), style=added)


class ConfirmScreen(ModalScreen[bool]):
    """Returns True only when the admin chose to apply."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "decline", "Cancel"),
        Binding("y", "apply", "Apply", show=False),
        # The plan scrolls by keyboard wherever the focus is (it starts on Cancel): at 80×24 a
        # 14-change plan is taller than the dialog, and every change must be readable before "y".
        Binding("down,j", "scroll_plan('down')", "Scroll", show=False),
        Binding("up,k", "scroll_plan('up')", "Scroll", show=False),
        Binding("pagedown,space", "scroll_plan('page_down')", "Page", show=False),
        Binding("pageup", "scroll_plan('page_up')", "Page", show=False),
        Binding("home", "scroll_plan('home')", "Top", show=False),
        Binding("end", "scroll_plan('end')", "Bottom", show=False),
    ]

    def __init__(self, plans: list[Plan], *, title: str, apply_label: str | None = "Apply") -> None:
        super().__init__()
        self.plans = plans
        self.title_text = title
        self.apply_label = apply_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield SafeStatic(Text(self.title_text, style="bold"), id="confirm-title")
            yield SafeStatic(id="confirm-hint")  # blank unless the plan is taller than the dialog
            with VerticalScroll(id="confirm-body"):
                yield SafeStatic(id="confirm-diff")
            with Horizontal(id="confirm-buttons"):
                if self.apply_label is None:
                    yield Button("Close", id="decline", variant="primary")
                else:
                    yield Button("Cancel (n)", id="decline", variant="default")
                    yield Button(f"{self.apply_label} (y)", id="apply", variant="error")

    def on_mount(self) -> None:
        self._draw()
        self.query_one("#decline", Button).focus()
        self.call_after_refresh(self._hint)

    def _draw(self) -> None:
        """The diff, its values as wide as the dialog allows (the dialog follows the terminal)."""
        palette = theme_palette(self.app.get_css_variables())
        dialog = self.app.size.width * 95 // 100 - 4  # the border and padding
        self.query_one("#confirm-diff", Static).update(plan_diff(self.plans, palette, value_width(dialog)))

    def on_resize(self) -> None:
        self._draw()
        self.call_after_refresh(self._hint)

    def _hint(self) -> None:
        """Say how to read the rest when the plan is taller than the dialog."""
        body = self.query_one("#confirm-body", VerticalScroll)
        hint = "↓ ↑ PgDn PgUp Home End scroll the plan" if body.max_scroll_y > 0 else ""
        self.query_one("#confirm-hint", Static).update(Text(hint, style="italic"))

    def action_scroll_plan(self, how: str) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        moves = {
            "down": body.scroll_down,
            "up": body.scroll_up,
            "page_down": body.scroll_page_down,
            "page_up": body.scroll_page_up,
            "home": body.scroll_home,
            "end": body.scroll_end,
        }
        moves[how](animate=False)

    @property
    def diff_text(self) -> str:
        return str(self.query_one("#confirm-diff", Static).content)

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.apply_label is not None:
            self.dismiss(True)

    @on(Button.Pressed, "#decline")
    def action_decline(self) -> None:
        self.dismiss(False)

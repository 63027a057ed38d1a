"""Set a control's Secure Score state: which state, why, and (optionally) who it is assigned to.

The dialog only asks, as ``scorekeeper score set-state`` takes ``--state``, ``--reason`` and
``--assigned-to``; the app then plans the update under the tenant's lease and shows the usual
confirmation before the PATCH is written (see :meth:`~scorekeeper.tui.app.ScorekeeperApp.set_score_state`).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet

from scorekeeper.tui.safe import SafeStatic
from scorekeeper.tui.screens.form import FormDialog, buttons, labelled

#: Microsoft's states (secureScoreControlProfile ``controlStateUpdates.state``) and what each means here.
STATES = (
    ("Default", "default: counted as Microsoft measures it"),
    ("Ignored", "ignored: risk accepted"),
    ("ThirdParty", "third party: mitigated by another product"),
    ("Reviewed", "reviewed"),
)


class StateAnswer(NamedTuple):
    state: str
    reason: str
    assigned_to: str | None


class StateScreen(FormDialog[StateAnswer]):
    """Returns the state, the reason and the assignee (``None``: kept as it is), or ``None`` when cancelled."""

    def __init__(self, what: str, current: str = "") -> None:
        super().__init__()
        self.what = what
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            title = Text(f"Secure Score state of {self.what}", style="bold")
            if self.current:
                title.append(f" (now {self.current})", style="")
            yield SafeStatic(title, id="confirm-title")
            with RadioSet(id="state-choice", compact=True):
                for name, label in STATES:
                    yield RadioButton(label, value=name == self.current, name=name)
            reason = Input(placeholder="why: kept as the update's comment", id="state-reason", compact=True)
            assigned = Input(placeholder="UPN (empty keeps it as it is)", id="state-assigned", compact=True)
            yield labelled("reason", reason)
            yield labelled("assigned", assigned)
            yield SafeStatic(id="state-error")
            yield buttons("Plan")

    def on_mount(self) -> None:
        self.query_one("#state-choice", RadioSet).focus()

    @on(Input.Submitted, "#state-reason")
    def _next(self) -> None:
        self.query_one("#state-assigned", Input).focus()

    @on(Input.Submitted, "#state-assigned")
    @on(Button.Pressed, "#record")
    def action_record(self) -> None:
        pressed = self.query_one("#state-choice", RadioSet).pressed_button
        reason = self.query_one("#state-reason", Input).value.strip()
        assigned = self.query_one("#state-assigned", Input).value.strip()
        error = self.query_one("#state-error", SafeStatic)
        if pressed is None or not pressed.name:
            error.update(Text("Choose a state (arrows, then enter or space).", style="bold"))
            return
        if not reason:
            error.update(Text("The reason must say why (it is kept as the state update's comment).", style="bold"))
            return
        self.dismiss(StateAnswer(pressed.name, reason, assigned or None))

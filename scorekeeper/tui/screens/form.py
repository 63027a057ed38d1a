"""What the dashboard's small forms share: escape or Cancel answers ``None``, and how a field and the buttons look.

The attest, exception and Secure Score state dialogs each ask a few questions and return the
answers, or ``None`` when the admin backs out; that rule lives here once, with the two pieces
of layout they repeat (a labelled input, the Cancel/primary button row). What each form asks
and checks stays in its own screen.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from scorekeeper.tui.safe import SafeStatic

Answer = TypeVar("Answer")


class FormDialog(ModalScreen[Answer | None]):
    """A modal form returning its answer, or ``None`` on escape or Cancel (nothing is recorded)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def labelled(label: str, field: Input) -> Horizontal:
    """One form row: ``label`` on the left, the input beside it."""
    return Horizontal(SafeStatic(label, classes="form-label"), field, classes="form-field")


def buttons(primary: str) -> Horizontal:
    """The row under a form: Cancel (esc), and the ``primary`` button (id ``record``) that submits it."""
    return Horizontal(
        Button("Cancel (esc)", id="cancel"), Button(primary, id="record", variant="primary"), id="confirm-buttons"
    )

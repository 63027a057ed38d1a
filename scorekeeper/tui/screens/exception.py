"""Accept a setting's risk until a date: the reason and expiry asked, the ``[[exceptions]]`` table shown, then written.

The dialog asks, checks with the app's validator (the config's own rule, see
:mod:`scorekeeper.tui.exception`) and shows the exact table and file before anything is
written: the first ``Record`` checks, the second appends. Escape cancels at any point.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input

from scorekeeper.config.model import ExceptionRule
from scorekeeper.tui.exception import ExceptionInvalid, exception_table
from scorekeeper.tui.safe import SafeStatic
from scorekeeper.tui.screens.form import FormDialog, buttons, labelled

#: ``check(reason, expires)``: the validated rule, or :class:`ExceptionInvalid` naming what is wrong.
Check = Callable[[str, str], ExceptionRule]


class ExceptionScreen(FormDialog[ExceptionRule]):
    """Returns the rule to append once the admin has seen its table, or ``None`` when cancelled."""

    def __init__(self, what: str, file: str, check: Check) -> None:
        super().__init__()
        self.what = what
        self.file = file
        self.check = check
        self.checked: ExceptionRule | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield SafeStatic(Text(f"Accept the risk of {self.what}", style="bold"), id="confirm-title")
            yield SafeStatic("It may fail until the date, for the reason given; then it counts as failing again.")
            reason = Input(
                placeholder="why the risk is accepted (a ticket, who decided)", id="exception-reason", compact=True
            )
            yield labelled("reason", reason)
            yield labelled("expires", Input(placeholder="YYYY-MM-DD", id="exception-expires", compact=True))
            yield SafeStatic(id="exception-error")
            yield SafeStatic(id="exception-preview")
            yield buttons("Check")

    def on_mount(self) -> None:
        self.query_one("#exception-reason", Input).focus()

    @on(Input.Submitted, "#exception-reason")
    def _next(self) -> None:
        self.query_one("#exception-expires", Input).focus()

    @on(Input.Changed)
    def _edited(self) -> None:
        """A change after the check asks for a new check: what is appended is always what was shown."""
        if self.checked is not None:
            self.checked = None
            self.query_one("#exception-preview", SafeStatic).update("")
            self.query_one("#record", Button).label = "Check"

    @on(Input.Submitted, "#exception-expires")
    @on(Button.Pressed, "#record")
    def action_record(self) -> None:
        if self.checked is not None:
            self.dismiss(self.checked)
            return
        error = self.query_one("#exception-error", SafeStatic)
        reason = self.query_one("#exception-reason", Input).value
        expires = self.query_one("#exception-expires", Input).value
        try:
            rule = self.check(reason, expires)
        except ExceptionInvalid as exc:
            error.update(Text(str(exc), style="bold"))
            return
        error.update("")
        preview = Text(f"Append to {self.file}:\n", style="bold")
        preview.append(exception_table(rule))
        preview.append("Press Append (or enter) to write it; escape writes nothing.")
        self.query_one("#exception-preview", SafeStatic).update(preview)
        self.query_one("#record", Button).label = "Append"
        self.checked = rule

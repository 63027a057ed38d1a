"""Record that a person carried out a guided setting: who, and what they did — as ``scorekeeper attest``.

The dialog only asks; the app records it with the same domain rule (``attest_refusal``) and the
same store call as the CLI, so an attestation from the dashboard is the one ``assess``, ``plan``
and the reports already show.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input

from scorekeeper.tui.safe import SafeStatic
from scorekeeper.tui.screens.form import FormDialog, buttons


class AttestScreen(FormDialog[tuple[str, str]]):
    """Returns ``(by, note)``, both filled in, or ``None`` when the admin cancels."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield SafeStatic(Text(f"Attest {self.what}", style="bold"), id="confirm-title")
            yield SafeStatic("Who did the work, and what was done (a ticket number, the evidence).")
            yield Input(placeholder="by: name or UPN", id="attest-by")
            yield Input(placeholder="note: what was done", id="attest-note")
            yield SafeStatic(id="attest-error")
            yield buttons("Record")

    def on_mount(self) -> None:
        self.query_one("#attest-by", Input).focus()

    @on(Input.Submitted, "#attest-by")
    def _next(self) -> None:
        self.query_one("#attest-note", Input).focus()

    @on(Input.Submitted, "#attest-note")
    @on(Button.Pressed, "#record")
    def action_record(self) -> None:
        by = self.query_one("#attest-by", Input).value.strip()
        note = self.query_one("#attest-note", Input).value.strip()
        if not by or not note:
            self.query_one("#attest-error", SafeStatic).update(Text("Both who and what are needed.", style="bold"))
            return
        self.dismiss((by, note))

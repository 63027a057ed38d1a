"""What the CLI prints: text from tenants and plugins is shown verbatim, never read as markup."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from scorekeeper.model import Change, ControlResult, Finding, Outcome, RunResult, Status
from scorekeeper.render import print_run

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _render(width: int, run: RunResult) -> str:
    console = Console(width=width, record=True, color_system=None)
    print_run(console, run)
    return console.export_text()


def test_brackets_in_reasons_values_and_errors_survive() -> None:
    finding = Finding(
        control="C",
        setting="helpdesk_link",
        title="t",
        status=Status.FAIL,
        reason="set helpdesk in [controls.C] ([bold]not markup[/])",
        current=["SPE_E3"],
        desired="[red]x[/red]",
    )
    change = Change(setting="s", before=["[b]"], after=["[i]"], outcome=Outcome.APPLIED)
    control = ControlResult("C", "Title", (finding,), (change,), error="plugin said [oops]")
    text = _render(300, RunResult(1, "t", "assess", (control,), NOW, NOW))

    assert "set helpdesk in [controls.C] ([bold]not markup[/])" in text
    assert '["SPE_E3"]' in text and "[red]x[/red]" in text
    assert '["[b]"]' in text and '["[i]"]' in text
    assert "plugin said [oops]" in text


def test_narrow_terminals_leave_out_the_raw_value_columns() -> None:
    finding = Finding(control="C", setting="s", title="t", status=Status.PASS, reason="fine", current=1, desired=1)
    run = RunResult(1, "t", "assess", (ControlResult("C", "Title", (finding,)),), NOW, NOW)

    assert "current" not in _render(80, run) and "current" in _render(160, run)

"""What the CLI prints: text from tenants and plugins is shown verbatim, never read as markup."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from scorekeeper.cli.render import print_run
from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, RunResult, Status

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _render(width: int, run: RunResult, details: bool = False) -> str:
    console = Console(width=width, record=True, color_system=None)
    print_run(console, run, details=details)
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
    assert "SPE_E3" in text and "[red]x[/red]" in text  # a list is one item per line
    assert "│ [b]    │ [i]   │" in text
    assert "plugin said [oops]" in text


def test_narrow_terminals_leave_out_the_raw_value_columns() -> None:
    finding = Finding(control="C", setting="s", title="t", status=Status.PASS, reason="fine", current=1, desired=1)
    run = RunResult(1, "t", "assess", (ControlResult("C", "Title", (finding,)),), NOW, NOW)

    assert "current" not in _render(80, run) and "current" in _render(160, run)


def test_long_values_wrap_instead_of_being_cut() -> None:
    name = "Policy.ReadWrite.AuthenticationMethod-and-a-very-long-identifier-0123456789"
    finding = Finding(
        control="C",
        setting="a_setting_with_a_long_identifier",
        title="t",
        status=Status.FAIL,
        reason=name,
        current={"id": "00000000-1111-2222-3333-444444444444", "state": "enabled"},
        desired=[name],
    )
    text = _render(80, RunResult(1, "t", "assess", (ControlResult("C", "Title", (finding,)),), NOW, NOW), details=True)
    rows = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    columns = ["".join(cells[i].strip() for cells in rows) for i in range(len(rows[0]))]
    assert "…" not in text
    assert columns[0] == "a_setting_with_a_long_identifier"
    assert "00000000-1111-2222-3333-444444444444" in columns[2]
    assert columns[3] == name


def test_terminal_controls_and_bidi_overrides_in_tenant_text_are_removed() -> None:
    evil = "admin\x1b]0;pwned\x07 \u202etxt.exe\x1b[2J"
    finding = Finding(control="C", setting="s", title=evil, status=Status.FAIL, reason=evil, current=evil)
    text = _render(200, RunResult(1, "t", "assess", (ControlResult("C", evil, (finding,)),), NOW, NOW))
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "txt.exe" in text


def test_the_summary_line_counts_each_status_and_names_the_exit_code() -> None:
    from scorekeeper.cli.render import summary_line

    findings = tuple(
        Finding(control="C", setting=f"s{i}", title="t", status=status)
        for i, status in enumerate([Status.PASS, Status.FAIL, Status.FAIL, Status.NOT_APPLICABLE])
    )
    run = RunResult(1, "demo", "assess", (ControlResult("C", "T", findings),), NOW, NOW)
    assert summary_line(run, 3) == "demo: 1 pass · 2 fail · 1 n/a — exit 3"

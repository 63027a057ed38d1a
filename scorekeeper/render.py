"""Rich renderings of domain objects for people at a terminal (the CLI's output, not its logic)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from scorekeeper.diff import MISSING
from scorekeeper.model import Control, Outcome, Plan, RunResult, Status

if TYPE_CHECKING:
    from rich.console import Console

STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.MANUAL: "yellow",
    Status.UNKNOWN: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.ERROR: "bold red reverse",
}
WIDE_TABLE_COLUMNS = 140
OUTCOME_STYLE = {Outcome.APPLIED: "green", Outcome.FAILED: "bold red", Outcome.SKIPPED: "yellow"}


def short(value: Any, width: int = 48) -> str:
    """A compact one-line form of a JSON value for a table cell or a diff line (CLI and TUI).

    ``—`` for nothing, ``(absent)`` for a field a value does not have (:data:`scorekeeper.diff.MISSING`).
    """
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def status_text(status: Status) -> Any:
    from rich.text import Text

    return Text(f"{status.symbol} {status.value}", style=STATUS_STYLE[status])


def counts(results: Iterable[RunResult]) -> dict[Status, int]:
    tally = dict.fromkeys(Status, 0)
    for run in results:
        for finding in run.findings:
            tally[finding.status] += 1
    return tally


def print_run(
    console: Console, run: RunResult, *, details: bool = False, controls: Mapping[str, Control] | None = None
) -> None:
    """A run as a table per control, with the Secure Score the tenant reported.

    The reason already says current vs desired in words; the raw values get their own columns
    only where they fit beside it (or with ``details``), so an 80-column terminal stays readable.
    With the declared ``controls``, the "Microsoft changes ahead" lines follow each table.
    """
    from rich.table import Table
    from rich.text import Text

    wide = details or console.width >= WIDE_TABLE_COLUMNS

    console.print(f"[bold]{run.kind.capitalize()} run {run.run_id}[/] — tenant [cyan]{run.tenant}[/] — {run.status}")
    for control in run.controls:
        score = control.score
        score_text = (
            f"Secure Score {score.score:g} / {score.max_score:g}"
            if score and score.score is not None and score.max_score is not None
            else "Secure Score not read"
        )
        table = Table(title=f"{control.control}: {control.title} ({score_text})", title_justify="left", expand=False)
        table.add_column("setting", no_wrap=True)
        table.add_column("status", no_wrap=True)
        if wide:
            table.add_column("current", max_width=28)
            table.add_column("desired", max_width=28)
        table.add_column("reason", ratio=1)
        for finding in control.findings:
            reason = finding.reason + (f" [accepted risk: {finding.excepted}]" if finding.excepted else "")
            values = [Text(short(finding.current, 28)), Text(short(finding.desired, 28))] if wide else []
            # Text, not markup: a reason may quote "[controls.X]" or a value with brackets.
            table.add_row(finding.setting, status_text(finding.status), *values, Text(reason))
        console.print(table)
        declared = (controls or {}).get(control.control)
        if declared is not None:
            print_changes_ahead(console, declared, control.findings)
        if control.changes:
            print_changes(console, control.changes)
        if control.error:
            console.print(Text(control.error, style="red"))
        if details:
            for finding in control.findings:
                if finding.steps and finding.status is not Status.PASS:
                    console.print(f"\n[bold]{finding.setting}[/] — steps:")
                    for step in finding.steps:
                        console.print(f"  {step}", markup=False, highlight=False, soft_wrap=True)  # copyable commands


def print_changes_ahead(console: Console, control: Control, findings: Iterable[Any]) -> None:
    """One line per dated platform change that affects this tenant (``scorekeeper.changes_ahead``)."""
    from datetime import date

    from rich.text import Text

    from scorekeeper.platform_changes import changes_ahead

    for ahead in changes_ahead(control, findings, date.today()):
        console.print(Text(f"Microsoft changes ahead: {ahead.line()}", style="yellow"), soft_wrap=True)


def print_changes(console: Console, changes: Iterable[Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Changes", title_justify="left")
    for column in ("id", "setting", "before", "after", "outcome"):
        table.add_column(column)
    for change in changes:
        outcome = Text(
            change.outcome.value + (f": {change.error}" if change.error else ""), style=OUTCOME_STYLE[change.outcome]
        )
        table.add_row(
            str(change.id or ""), change.setting, Text(short(change.before)), Text(short(change.after)), outcome
        )
    console.print(table)


def print_plans(console: Console, plans: list[Plan]) -> None:
    """The plan as a diff of current → desired (only the fields that move), then the guided steps."""
    from rich.text import Text

    from scorekeeper.diff import field_changes

    for plan in plans:
        if plan.automated:
            console.print(Text(f"{plan.tenant} / {plan.control}: automated changes", style="bold"))
            for number, item in enumerate(plan.automated, 1):
                head = Text(f"{number:>3}. ")
                head.append(item.setting, style="bold")
                if item.api:
                    head.append(f"  {item.api}", style="dim")
                console.print(head)
                for change in field_changes(item.current, item.desired) or [None]:
                    line = Text("       ")
                    if change is None:
                        line.append("(no field differs; written to make sure)", style="dim")
                    else:
                        if change.path:
                            line.append(f"{change.path}: ")
                        line.append(short(change.before, 60), style="red")
                        line.append(" → ")
                        line.append(short(change.after, 60), style="green")
                    console.print(line)
                if item.consequence:
                    console.print(Text(f"       ⚠ {item.consequence}", style="yellow"))
        for item in plan.guided:
            console.print(
                Text.assemble(
                    ("\nguided ", "yellow"),
                    (item.setting, "bold"),
                    f" ({item.title}): a person must do this, then `scorekeeper attest`",
                )
            )
            for step in item.steps:
                console.print(f"  {step}", markup=False, highlight=False, soft_wrap=True)  # copyable commands

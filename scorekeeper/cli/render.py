"""Rich renderings of domain objects for people at a terminal (the CLI's output, not its logic)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.diff import DiffLine
from scorekeeper.domain.display import STATUS_LOOK, TERMINAL_STYLE, cell, full, local_time
from scorekeeper.domain.model import Control, Outcome, Plan, RestoreStatus, RunResult, Status, Verification
from scorekeeper.util.safetext import clean

if TYPE_CHECKING:
    from rich.console import Console

#: The terminal style of each status: the domain's one look (tone) per status, in rich's words.
STATUS_STYLE = {status: TERMINAL_STYLE[look.tone] for status, look in STATUS_LOOK.items()}
#: How many affected principals a plan line names before "and K more" (``--json`` names every one).
NAMES_SHOWN = 5
WIDE_TABLE_COLUMNS = 140
OUTCOME_STYLE = {
    Outcome.APPLIED: "green",
    Outcome.FAILED: "bold red",
    Outcome.SKIPPED: "yellow",
    Outcome.AMBIGUOUS: "bold yellow",
}
VERIFICATION_STYLE = {
    Verification.STUCK: "green",
    Verification.NOT_STUCK: "bold red",
    Verification.NOT_APPLIED: "red",
    Verification.UNREAD: "magenta",
}
#: How the CLI words a write's read-back: "stuck" (the stored value) reads to an admin as "hung".
VERIFICATION_WORDS = {
    Verification.STUCK: "confirmed",
    Verification.NOT_STUCK: "did not take effect",
    Verification.NOT_APPLIED: "not applied",
    Verification.UNREAD: "could not be read back",
}
RESTORE_STYLE = {RestoreStatus.RESTORED: "green", RestoreStatus.ALREADY: "dim", RestoreStatus.FAILED: "bold red"}


def diff_text(line: DiffLine, indent: str = "") -> Any:
    """A :class:`~scorekeeper.domain.diff.DiffLine` as rich text: ``path: before → after``, ``+ item``, ``− item``."""
    from rich.text import Text

    text = Text(indent)
    if line.path:
        text.append(f"{clean(line.path)}: ")
    if line.kind == "added":
        text.append(f"+ {full(line.after)}", style="green")
    elif line.kind == "removed":
        text.append(f"− {full(line.before)}", style="red")
    else:
        text.append(full(line.before), style="red")
        text.append(" → ")
        text.append(full(line.after), style="green")
    return text


def plain_diff(line: DiffLine) -> str:
    """The same line without styles (drift notifications, JSON ``line`` fields)."""
    return diff_text(line).plain


def status_markup(status: Status) -> Any:
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

    console.print(
        f"[bold]{run.kind.capitalize()} run {run.run_id}[/] — tenant [cyan]{run.tenant}[/] — {run.status}"
        f" — {local_time(run.started_at)}"
    )
    if details and run.actor is not None:
        console.print(Text(f"by {run.actor}", style="dim"))
    for control in run.controls:
        score = control.score
        score_text = (
            f"Secure Score {score.score:g} / {score.max_score:g}"
            if score and score.score is not None and score.max_score is not None
            else "Secure Score not read"
        )
        table = Table(
            title=clean(f"{control.control}: {control.title} ({score_text})"), title_justify="left", expand=False
        )
        table.add_column("setting", overflow="fold", min_width=12)
        table.add_column("status", no_wrap=True)
        if wide:
            table.add_column("current", overflow="fold", ratio=1)
            table.add_column("desired", overflow="fold", ratio=1)
        table.add_column("reason", overflow="fold", ratio=2)
        declared = (controls or {}).get(control.control)
        for finding in control.findings:
            reason = finding.reason if finding.reason != control.error else "(see the error below)"
            reason += f" [accepted risk: {finding.excepted}]" if finding.excepted else ""
            reason += cited_baselines(declared, finding.setting) if finding.status in BASELINES_SHOWN else ""
            if finding.stage is not None and finding.status is Status.STAGED:
                reason += f" ({finding.stage.line()})"
            values = [Text(cell(finding.current)), Text(cell(finding.desired))] if wide else []
            # Text, not markup: a reason may quote "[controls.X]" or a value with brackets.
            status = status_markup(finding.status)
            if finding.verification is not None:  # whether the write stuck, beside whether it passes
                words = VERIFICATION_WORDS[finding.verification]
                status.append(f" · change {words}", VERIFICATION_STYLE[finding.verification])
            table.add_row(finding.setting, status, *values, Text(clean(reason)))
        console.print(table)
        if declared is not None:
            print_changes_ahead(console, declared, control.findings)
        if control.changes:
            print_changes(console, control.changes)
        if control.error:
            console.print(Text(clean(control.error), style="red"))
        if details:
            for finding in control.findings:
                if finding.impact is not None and finding.status is not Status.PASS:
                    console.print(impact_text(finding.impact, f"{finding.setting} — remediating it: ", limit=None))
                if finding.steps and finding.status is not Status.PASS:
                    console.print(f"\n[bold]{finding.setting}[/] — steps:")
                    for step in finding.steps:
                        console.print(f"  {clean(step)}", markup=False, highlight=False, soft_wrap=True)  # copyable


#: A finding of these statuses names the baselines that require its setting ("CISA MS.AAD.3.4v1"), so a
#: reader sees which requirement fails the tenant and can select it in ``[remediation] requirements``.
BASELINES_SHOWN = frozenset({Status.FAIL, Status.ADVICE})


def cited_baselines(control: Control | None, setting: str) -> str:
    """`` [CISA MS.AAD.3.4v1, CIS M365 5.2.3.7]``: the baselines the setting cites, or "" (none, or unknown)."""
    if control is None:
        return ""
    try:
        baselines = control.setting(setting).baselines
    except KeyError:
        return ""
    return f" [{', '.join(baselines)}]" if baselines else ""


def print_changes_ahead(console: Console, control: Control, findings: Iterable[Any]) -> None:
    """One line per dated platform change that affects this tenant (``scorekeeper.changes_ahead``)."""
    from datetime import date

    from rich.text import Text

    from scorekeeper.domain.platform_changes import changes_ahead

    for ahead in changes_ahead(control, findings, date.today()):
        console.print(Text(f"Microsoft changes ahead: {ahead.line()}", style="yellow"), soft_wrap=True)


def print_changes(console: Console, changes: Iterable[Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Changes", title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("setting", "before", "after", "outcome"):
        table.add_column(column, overflow="fold")
    for change in changes:
        outcome = Text(
            change.outcome.value + (f": {clean(change.error)}" if change.error else ""),
            style=OUTCOME_STYLE[change.outcome],
        )
        table.add_row(
            str(change.id or ""), change.setting, Text(cell(change.before)), Text(cell(change.after)), outcome
        )
    console.print(table)


def print_restorations(console: Console, run: RunResult, undone_run: int) -> None:
    """Each change's rollback result; then, if any could not be restored, what is left and what to do."""
    from rich.table import Table
    from rich.text import Text

    if not run.restorations:
        return
    table = Table(title=f"Rollback of run {undone_run}", title_justify="left")
    for column in ("change", "setting", "result", "detail"):
        table.add_column(column)
    # A detail quotes Graph's answer (an error message, a value read back): tenant text, cleaned
    # here as well as by the CLI's console, for any console a caller hands in.
    for r in run.restorations:
        table.add_row(
            str(r.change.id or ""),
            Text(clean(r.change.setting)),
            Text(r.status.value, RESTORE_STYLE[r.status]),
            Text(clean(r.detail)),
        )
    console.print(table)
    left = [r for r in run.restorations if r.status is RestoreStatus.FAILED]
    if left:
        console.print(Text(f"{len(left)} change(s) could not be restored; the tenant still differs there:", "bold red"))
        for r in left:
            console.print(Text(clean(f"  change {r.change.id} ({r.change.setting}): {r.detail}")))
        console.print(
            Text(
                f"Fix them by hand as said, or fix the cause and run `scorekeeper rollback {undone_run}` again: "
                "it retries exactly these."
            )
        )


def impact_text(impact: Any, indent: str = "", *, accepted: bool = False, limit: int | None = NAMES_SHOWN) -> Any:
    """An :class:`~scorekeeper.domain.impact.Impact` as rich text: who, how badly, and what makes it safe.

    A change that locks people out and is planned anyway (``accepted``) says so in bold red: the
    configuration accepted it, and the person confirming should see whom it costs.
    """
    from rich.text import Text

    style = "bold red" if impact.blocks else ("yellow" if impact.harm.value == "degrades" else "cyan")
    text = Text(indent)
    mark = "⚠ ACCEPTED ([remediation] accept_impact): " if accepted else "⚠ "
    shown = impact.line(limit) if limit is not None else impact.line(len(impact.affected))
    text.append(clean(f"{mark}{shown}"), style=style)
    if impact.remedy and impact.blocks:
        text.append(clean(f"\n{indent}  to make it safe: {impact.remedy}"), style="dim")
    return text


def impact_summary(plans: list[Plan]) -> str:
    """What the confirmation adds about people: "; 2 change(s) affect 7 user(s), 1 LOCKS OUT 3 (accepted)"."""
    items = [i for p in plans for i in p.automated if i.impact is not None and i.impact.affected]
    if not items:
        return ""
    people = {a.id or a.name for i in items for a in i.impact.affected}  # type: ignore[union-attr]
    text = f"; {len(items)} of them affect {len(people)} principal(s)"
    locking = [i for i in items if i.impact.blocks]  # type: ignore[union-attr]
    if locking:
        names = ", ".join(f"{i.setting} ({len(i.impact.affected)})" for i in locking)  # type: ignore[union-attr]
        text += f", locking out people although accepted: {names}"
    return text


def print_plans(console: Console, plans: list[Plan], controls: Mapping[str, Control] | None = None) -> None:
    """The plan as a diff of current → desired (only the fields that move), then the guided steps.

    A guided item suggests ``scorekeeper attest`` only for a setting declared guided (``controls``
    says which); the steps of an automated setting lead to a new assessment instead.
    """
    from rich.text import Text

    from scorekeeper.domain.attestation import can_attest
    from scorekeeper.domain.diff import diff_lines

    for plan in plans:
        if plan.automated:
            console.print(Text(f"{plan.tenant} / {plan.control}: automated changes", style="bold"))
            for number, item in enumerate(plan.automated, 1):
                head = Text(f"{number:>3}. ")
                head.append(item.setting, style="bold")
                if item.api:
                    head.append(f"  {clean(item.api)}", style="dim")
                console.print(head)
                lines = diff_lines(item.current, item.desired)
                if not lines:
                    console.print(Text("       (no field differs; written to make sure)", style="dim"))
                for line in lines:
                    console.print(diff_text(line, "       "))
                if item.stage:
                    console.print(Text(f"       stage → {clean(item.stage)}", style="blue"))
                if item.impact is not None:  # who it affects, in preference to the older one-line consequence
                    console.print(impact_text(item.impact, "       ", accepted=item.impact.blocks))
                elif item.consequence:
                    console.print(Text(f"       ⚠ {clean(item.consequence)}", style="yellow"))
        declared = (controls or {}).get(plan.control)
        for item in plan.guided:
            known = declared is not None and item.setting in declared.setting_ids
            attestable = not known or can_attest(declared, item.setting)  # type: ignore[arg-type]
            console.print(
                Text.assemble(
                    ("\nguided ", "yellow"),
                    (item.setting, "bold"),
                    f" ({clean(item.title)}): a person must do this, then record it:",
                )
            )
            for command in closing_commands(plan.tenant, plan.control, item.setting, attestable=attestable):
                console.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)  # copyable
            if item.impact is not None and not item.impact.blocks:  # a blocking one is in the steps already
                console.print(impact_text(item.impact, "  "))
            for step in item.steps:
                console.print(f"  {clean(step)}", markup=False, highlight=False, soft_wrap=True)  # copyable commands


def closing_commands(tenant: str, control: str, setting: str, *, attestable: bool) -> list[str]:
    """The exact commands that close a guided item, so the advice never loops.

    A setting a person may attest is recorded with ``attest`` (named in full). Any other guided
    item is one scorekeeper writes once the configuration says how (a helpdesk address, the
    reviewers...): the value goes in ``[controls.CONTROL]`` as the finding's reason names it, then
    ``remediate`` writes it; done by hand in the portal instead, ``assess`` reads it back. It is
    never "attest", which ``attest`` would refuse.
    """
    where = f"--tenant {tenant} --control {control} --setting {setting}"
    if attestable:
        return [f'scorekeeper attest {where} --by "<your name>" --note "<what was done, ticket>"']
    return [
        f"set the value the reason names in [controls.{control}] of the configuration, then: "
        f"scorekeeper remediate {where}",
        f"(or, done by hand in the portal: scorekeeper assess --tenant {tenant} --control {control})",
    ]


#: How each status is named in the closing summary line.
SUMMARY_WORDS = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.MANUAL: "guided",
    Status.UNKNOWN: "unknown",
    Status.ERROR: "error",
    Status.PENDING: "score pending",
    Status.NOT_APPLICABLE: "n/a",
    Status.STAGED: "staged",
    Status.ADVICE: "advice",
}


def summary_line(run: RunResult, code: int) -> str:
    """``demo: 3 pass · 19 fail · 3 n/a — exit 3``: the last line of ``assess`` for each tenant."""
    tally = counts([run])
    excepted = sum(1 for f in run.findings if f.excepted)
    parts = [f"{tally[s]} {word}" for s, word in SUMMARY_WORDS.items() if tally[s] or s in (Status.PASS, Status.FAIL)]
    if excepted:
        parts.append(f"{excepted} excepted")
    return f"{run.tenant}: {' · '.join(parts)} — exit {code}"

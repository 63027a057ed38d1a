"""``history`` and ``attest``: read what was done to a tenant, and record what a person did by hand.

Both work on the history store rather than on a tenant (``attest`` only checks the control
exists), so they live apart from the commands that read and write tenants.
"""

from __future__ import annotations

from typing import Any

import click

from scorekeeper.cli.common import (
    CommandFailed,
    State,
    console,
    emit_json,
    newest_first,
    pass_state,
    selection_label,
)
from scorekeeper.cli.prune import PRUNE, RunIdOrPrune, prune_history
from scorekeeper.cli.targets import tenant_options
from scorekeeper.errors import EXIT_USAGE


def register_commands(cli: click.Group) -> None:
    """Add this family's commands to ``cli`` (the root group calls this; it imports nothing back)."""
    cli.add_command(history)
    cli.add_command(attest)


@click.command()
@click.argument("run_id", type=RunIdOrPrune(), required=False)
@tenant_options(all_flag=False, tenant_help="Only this tenant's runs (repeatable).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Also list plan runs (recorded, hidden by default).")
@click.option(
    "--keep-days", type=click.IntRange(1, 36_500), default=None, help="prune: days to keep ([history] keep_days)."
)
@click.option("--dry-run", is_flag=True, help="prune: count what would be deleted, delete nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def history(
    state: State,
    run_id: int | str | None,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    limit: int,
    show_all: bool,
    keep_days: int | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """List past runs (plans only with --all), show one run's findings, changes and who acted, or
    `history prune`: delete runs older than [history] keep_days (newest assessments, remediations
    and rollbacks are kept)."""
    from scorekeeper.scheduler.events import drift_line

    if run_id == PRUNE:
        return prune_history(state, keep_days, dry_run, as_json)
    if keep_days is not None or dry_run:
        raise CommandFailed("--keep-days and --dry-run go with `scorekeeper history prune`", EXIT_USAGE)
    assert not isinstance(run_id, str)

    if run_id is not None:
        run = state.existing_store(f"run {run_id} in history").get_run(run_id)
        if run is None:
            raise CommandFailed(f"no run {run_id} in history", EXIT_USAGE)
        drift = state.store.drift_of_runs([run_id]).get(run_id, [])
        plan_run, impacts = _planned_impacts(state.store, run)
        if as_json:
            emit_json(
                {**run.to_dict(), "drift": [d.to_dict() for d in drift], "planned_from": plan_run, "impacts": impacts}
            )
        else:
            from scorekeeper.cli.render import print_run

            out = console()
            print_run(out, run, details=True)
            _print_impacts(out, plan_run, impacts)
            if drift:
                from scorekeeper.cli.render import diff_text
                from scorekeeper.scheduler.events import drift_changes

                out.print(f"\n[bold yellow]Drift since run {drift[0].previous_run_id}[/]")
                for event in drift:
                    head = drift_line(event).split(" (", 1)[0] if drift_changes(event) else drift_line(event)
                    out.print(f"  ⚠ {head}", markup=False, highlight=False)
                    for line in drift_changes(event):
                        out.print(diff_text(line, "      "))
        return
    hidden = () if show_all else ("plan",)
    runs = newest_first(
        state, tenant_names, group_names, lambda t: state.store.runs(t, limit=limit, exclude_kinds=hidden), limit
    )
    if not runs and not as_json:
        where = selection_label(tenant_names, group_names)
        click.echo(f"No runs in history{where} yet. Try: scorekeeper assess --tenant demo")
        return
    drift_by_run = state.store.drift_of_runs(r.id for r in runs)
    if as_json:
        emit_json({"runs": [_summary_json(r, len(drift_by_run.get(r.id, []))) for r in runs]})
        return
    from rich.table import Table

    from scorekeeper.domain.display import RUN_MARKERS, local_time, run_marker
    from scorekeeper.domain.model import Status

    out = console()
    # The tenant is what a person reads first: never cut, as wide as the longest name. Below
    # 120 columns kind, findings and drift wrap instead to leave it the room.
    narrow = out.width < 120
    any_drift = any(drift_by_run.get(r.id) for r in runs)  # no drift anywhere: its column leaves the room
    table = Table("run", "tenant", "kind", "status", "started", "findings", *(["drift"] if any_drift else []))
    for column in table.columns:  # run, tenant, status and time whole; the others wrap when space is short
        column.no_wrap = column.header in ("run", "tenant", "status", "started") or not narrow
        column.overflow = "fold"
    table.columns[0].min_width = max((len(str(r.id)) for r in runs), default=3)
    table.columns[1].min_width = max((len(r.tenant) for r in runs), default=6)
    table.columns[3].min_width = max((len(r.status) for r in runs), default=6)
    table.columns[2].min_width = 6  # "assess" whole; "remediate ↩12" wraps at its space
    needed = sum(c.min_width or 0 for c in table.columns[:4]) + 20 + 4 + 4 * any_drift + 3 * len(table.columns) + 1
    if narrow and needed > out.width:  # a very long tenant name: the time goes over two lines rather than it
        from rich import box

        table.columns[4].no_wrap = False
        table.columns[4].min_width = 10
        table.box = box.SIMPLE_HEAD  # and no vertical rules: one column's room more
    tallied = (Status.PASS, Status.FAIL, Status.STAGED, Status.ADVICE, Status.UNKNOWN, Status.MANUAL, Status.ERROR)
    for r in runs:
        counts = " ".join(f"{s.symbol}{r.counts[s.value]}" for s in tallied if r.counts.get(s.value))
        drifted = len(drift_by_run.get(r.id, []))
        kind = r.kind + run_marker(r.scheduled, r.parent_run_id)
        table.add_row(
            str(r.id),
            r.tenant,
            kind,
            r.status,
            local_time(r.started_at),
            counts,
            *([f"[yellow]⚠ {drifted}[/]" if drifted else ""] if any_drift else []),
        )
    out.print(table)
    hint = "" if show_all else " · plans hidden (--all)"
    out.print(f"[dim]{RUN_MARKERS}  ⚠ drift{hint}[/]")


def _planned_impacts(store: Any, run: Any) -> tuple[int | None, list[dict[str, Any]]]:
    """Whom each changed setting of ``run`` affected and the stage it moved to, from the run it was planned from.

    The plan is a function of that run's findings (committed before the confirmation), so their
    impact and stage are what the person confirmed: a change with a blocking impact was
    written only because ``[remediation] accept_impact`` named it (``accepted``).
    """
    from scorekeeper.domain.display import stage_moved_to

    if not run.changes:
        return None, []
    plan_run, findings = store.planned_from(run.run_id)
    by_setting = {(f.control, f.setting): f for f in findings}
    out = []
    for result in run.controls:
        for setting in dict.fromkeys(c.setting for c in result.changes):
            finding = by_setting.get((result.control, setting))
            if finding is None or (finding.impact is None and finding.stage is None):
                continue
            moved_to = stage_moved_to(finding)
            out.append(
                {
                    "control": result.control,
                    "setting": setting,
                    "stage": moved_to,
                    "impact": finding.impact.to_dict() if finding.impact else None,
                    "accepted": bool(finding.impact and finding.impact.blocks),
                }
            )
    return plan_run, out


def _print_impacts(out: Any, plan_run: int | None, impacts: list[dict[str, Any]]) -> None:
    """Who the run's changes affected, every name (history is where a person looks it up)."""
    if not impacts:
        return
    from scorekeeper.cli.render import impact_text
    from scorekeeper.domain.impact import Impact

    out.print(f"\n[bold]Whom the changes affected[/] (as planned in run {plan_run})")
    for entry in impacts:
        stage = f" → stage {entry['stage']}" if entry["stage"] else ""
        out.print(f"  {entry['control']}/{entry['setting']}{stage}", markup=False, highlight=False)
        if entry["impact"]:
            impact = Impact.from_dict(entry["impact"])
            out.print(impact_text(impact, "    ", accepted=entry["accepted"], limit=None))


def _summary_json(summary: Any, drift: int) -> dict[str, Any]:
    """A history row for machines: ``run_id`` (as every other output names a run), then the rest."""
    data = summary.to_dict()
    return {"run_id": data.pop("id"), **data, "drift": drift}


@click.command()
@tenant_options(all_flag=False)
@click.option("--control", "control_id", required=True, metavar="ID")
@click.option("--setting", required=True, metavar="ID")
@click.option("--by", required=True, help="Who did the work (name or UPN).")
@click.option("--note", required=True, help="What was done, ticket number, evidence.")
@pass_state
def attest(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_id: str,
    setting: str,
    by: str,
    note: str,
) -> None:
    """Record that a person carried out a guided setting (kept in history), in each tenant named."""
    from datetime import UTC, datetime

    from scorekeeper.domain.model import Attestation

    tenants = state.config.select_tenants(tenant_names, group_names)
    state.preflight()
    from scorekeeper.engine.controls import select_controls

    # From the plugins alone: a control or setting that does not exist is exit 2 before history is opened.
    control = select_controls(state.plugins, [control_id], state.config.source)[0]
    if setting not in control.setting_ids:
        raise CommandFailed(
            f"control {control_id} has no setting {setting!r} (known: {', '.join(control.setting_ids)})", EXIT_USAGE
        )
    from scorekeeper.domain.attestation import attest_refusal

    refusal = attest_refusal(control, setting, tenants[0])
    if refusal:
        raise CommandFailed(refusal, EXIT_USAGE)
    for tenant in tenants:
        attestation_id = state.store.record_attestation(
            Attestation(tenant, control_id, setting, by, note, datetime.now(UTC))
        )
        click.echo(f"attestation {attestation_id} recorded: {tenant}/{control_id}/{setting} by {by}")

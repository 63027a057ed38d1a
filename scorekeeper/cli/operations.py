"""``assess``, ``plan``, ``remediate``, ``verify``, ``rollback``: read, change and undo a tenant.

One family because they share the way a tenant is changed: a fresh plan under the tenant's
lease (:func:`_plan`), one confirmation, writes that a signal stops cleanly (:func:`_stopped`)
and exit codes that say what was read, written or left undone.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import click

from scorekeeper.cli.common import (
    RUN_ID,
    CommandFailed,
    State,
    confirm_or_abort,
    console,
    emit_json,
    exit_code_for,
    lease_or_fail,
    not_assessed,
    one_or_many,
    pass_state,
    progress_bar,
    run_async,
    run_writing,
    signals_remembered,
)
from scorekeeper.cli.fleetview import fleet_mode, print_fleet, summarise, summarising, verbose_option
from scorekeeper.cli.targets import tenant_options
from scorekeeper.domain.outcome import run_exit_code
from scorekeeper.errors import EXIT_ERROR, EXIT_FAIL, EXIT_OK, EXIT_USAGE
from scorekeeper.util.safetext import clean

if TYPE_CHECKING:
    from scorekeeper.domain.model import Plan, RunResult
    from scorekeeper.engine.change import LeasedChange


def register_commands(cli: click.Group) -> None:
    """Add this family's commands to ``cli`` (the root group calls this; it imports nothing back)."""
    cli.add_command(assess)
    cli.add_command(plan)
    cli.add_command(remediate)
    cli.add_command(promote)
    cli.add_command(verify)
    cli.add_command(rollback)


@click.command()
@tenant_options()
@click.option("--control", "control_ids", multiple=True, metavar="ID", help="Only these controls.")
@click.option("--details", is_flag=True, help="Also print guided steps.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--queue",
    "queue",
    is_flag=True,
    help="Queue one job per tenant in the PostgreSQL history for `scorekeeper worker` instead of running here.",
)
@verbose_option
@pass_state
def assess(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    control_ids: tuple[str, ...],
    details: bool,
    as_json: bool,
    queue: bool,
    verbose: bool,
) -> None:
    """Read the tenant and report every setting; never writes."""
    names = state.config.select_tenants(tenant_names, group_names, all_tenants)
    if queue:
        from scorekeeper.cli.fleet import enqueue_from_cli

        return enqueue_from_cli(state, "assess", names, control_ids, as_json)
    state.preflight(names)
    from scorekeeper.util.gcpolicy import fleet_collection

    # A fleet pass collects young garbage less often (util/gcpolicy.py); one tenant keeps the default.
    with progress_bar(not as_json) as on_progress, fleet_collection() if len(names) > 1 else nullcontext():
        runs = run_async(state.engine(on_progress).assess(names, control_ids))
    if as_json:
        from scorekeeper.domain.requirements import with_requirements  # each finding's level and baselines

        emit_json(one_or_many([with_requirements(r.to_dict(), state.plugins.controls) for r in runs]))
    else:
        from scorekeeper.cli.render import print_run, summary_line

        out = console()
        if summarise(names, group_names, all_tenants, verbose or details):  # one line per tenant, then totals
            print_fleet(out, runs, [run_exit_code([run]) for run in runs])
            sys.exit(exit_code_for(runs))
        for run in runs:
            if run.unreachable:  # one line for a tenant never reached (domain/outcome.unreachable)
                out.print(f"{run.tenant}: {run.unreachable}", markup=False, highlight=False)
                continue
            print_run(out, run, details=details, controls=state.plugins.controls)
        out.print()
        for run in runs:  # the last lines: one per tenant reached, with the exit code it alone would give
            if not run.unreachable:
                out.print(summary_line(run, run_exit_code([run])), markup=False, highlight=False)
    sys.exit(exit_code_for(runs))


def _plan(
    state: State,
    tenant: str,
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    on_progress: Any,
    change: LeasedChange | None = None,
    *,
    promotions_only: bool = False,
    drift: bool = False,
) -> tuple[RunResult, list[Plan]]:
    """A fresh plan (``change``: under that change's lease); refuses one built on a failed assessment.

    ``drift``: only settings off their baseline, planned back to it (``remediate --drift``).
    """
    state.config.tenant(tenant)
    state.preflight([tenant])
    if change is not None:
        change.engine.on_progress = on_progress or (lambda event: None)
        planning = change.plan(control_ids, set(settings) or None, promotions_only=promotions_only, drift=drift)
    else:
        planning = state.engine(on_progress).plan(tenant, control_ids, set(settings) or None)
    run, plans = run_async(planning)
    if run.unreachable:  # one line: nothing of the tenant was read
        raise CommandFailed(f"{tenant}: {clean(run.unreachable)}; nothing was planned or written", EXIT_ERROR)
    broken = [f"{r.control}: {clean(r.error)}" for r in run.controls if r.error]  # Graph's words: tenant text
    if broken:  # a plan built on a failed assessment would silently leave those controls out
        raise CommandFailed(
            f"could not assess {tenant} ({'; '.join(broken)}); nothing was planned or written", EXIT_ERROR
        )
    return run, plans


@click.command()
@tenant_options(all_flag=False)
@click.option("--control", "control_ids", multiple=True, metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these settings.")
@click.option("--json", "as_json", is_flag=True)
@verbose_option
@pass_state
def plan(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    as_json: bool,
    verbose: bool,
) -> None:
    """Show what remediation would change (current → desired) and the guided steps."""
    from scorekeeper.cli.render import print_plans

    found, runs = [], []
    tenants = state.config.select_tenants(tenant_names, group_names)
    state.preflight(tenants)
    compact = summarise(tenants, group_names, False, verbose)
    for tenant in tenants:
        with progress_bar(not as_json) as on_progress:
            run, plans = _plan(state, tenant, control_ids, settings, on_progress)
        runs.append(run)
        found.append(
            {
                "run_id": run.run_id,
                "tenant": tenant,
                "kind": "plan",
                **run.recorded_facts(),  # the code the plan's assessment used, as every run object says
                "controls": [p.to_dict() for p in plans],
            }
        )
        if as_json:
            continue
        if compact:
            from scorekeeper.cli.fleetview import plan_line

            console().print(plan_line(run, plans), markup=False, highlight=False, soft_wrap=True)
        elif not plans:
            console().print(f"Nothing to change in {tenant}: every setting passes, is excepted or cannot be read.")
        else:
            print_plans(console(), plans, controls=state.plugins.controls)
    if as_json:
        emit_json(one_or_many(found))
    elif compact:
        from scorekeeper.cli.fleetview import plan_totals_line

        console().print(plan_totals_line(found), markup=False, highlight=False, soft_wrap=True)
    # A plan built on settings that could not be read is no all-clear, even when it is empty.
    sys.exit(EXIT_ERROR if not_assessed(runs, detail=True) else EXIT_OK)


@click.command()
@tenant_options()
@click.option("--control", "control_ids", multiple=True, metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these settings.")
@click.option(
    "--yes", is_flag=True, help="Do not ask for confirmation (for scripts; several tenants then run concurrently)."
)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--queue",
    "queue",
    is_flag=True,
    help="Queue one unattended job per tenant instead (like the scheduler: only controls with auto_remediate = true"
    " are written; needs --yes).",
)
@click.option(
    "--drift",
    is_flag=True,
    help="Only put settings that drifted back to their baseline (the value a verified remediation established).",
)
@verbose_option
@pass_state
def remediate(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    all_tenants: bool,
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
    queue: bool,
    drift: bool,
    verbose: bool,
) -> None:
    """Show the plan, ask, then write the automated changes and verify them.

    Tenant by tenant when each plan is confirmed; with --yes, several tenants are planned and
    written concurrently (at most [scorekeeper] concurrency at a time, one writer per tenant).
    """
    tenants = state.config.select_tenants(tenant_names, group_names, all_tenants)
    if queue:
        if drift:
            raise CommandFailed("--drift and --queue cannot be combined: --drift asks before it writes", EXIT_USAGE)
        if not yes or settings:
            raise CommandFailed(
                "--queue runs unattended: give --yes (and no --setting; auto_remediate decides)", EXIT_USAGE
            )
        from scorekeeper.cli.fleet import enqueue_from_cli

        return enqueue_from_cli(state, "remediate", tenants, control_ids, as_json)
    state.preflight(tenants)  # every tenant's credentials before the first one is written to
    outputs, codes = [], []
    # One memory of SIGINT/SIGTERM from the first plan to the last write: a signal at any moment
    # (as a plan finishes, between plan and writes, at the prompt) means no write starts after it.
    # A fleet confirmed with --yes gets one line per tenant; without --yes each plan is shown to be confirmed.
    compact = yes and not as_json and summarise(tenants, group_names, all_tenants, verbose)
    if yes and len(tenants) > 1:  # confirmed beforehand: the tenants go concurrently
        with signals_remembered() as stop, fleet_mode(compact):
            written, written_codes = _remediate_fleet(state, tenants, control_ids, settings, as_json, drift=drift)
        if not as_json:
            from scorekeeper.cli.fleetview import fleet_undo_line

            line = fleet_undo_line(written, written_codes)
            console().print(line, markup=False, highlight=False, soft_wrap=True)
        return _finish_changes(written, written_codes, stop, as_json)
    with signals_remembered() as stop, fleet_mode(compact):
        for tenant in tenants:
            if stop.signum is not None:  # stopped by a signal: no other tenant is started
                break
            output, code = _remediate_one(state, tenant, control_ids, settings, yes, as_json, drift=drift)
            outputs.append(output)
            codes.append(code)
    if len(tenants) > 1 and not as_json:
        from scorekeeper.cli.fleetview import fleet_undo_line

        console().print(fleet_undo_line(outputs, codes), markup=False, highlight=False, soft_wrap=True)
    _finish_changes(outputs, codes, stop, as_json)


def _finish_changes(outputs: list[dict[str, Any]], codes: list[int], stop: Any, as_json: bool) -> None:
    """Every tenant's JSON, then the exit code: a signal's first, then a failing setting's, else the worst."""
    if as_json:
        emit_json(one_or_many(outputs))
    signalled = [c for c in codes if c > 128]
    if not signalled and stop.exit_code is not None:  # came after a tenant's run ended: nothing was cut short
        click.echo(f"interrupted by {stop.name}: what is shown above was done; nothing started after it", err=True)
        signalled = [stop.exit_code]
    sys.exit(signalled[0] if signalled else max(codes, key=lambda c: (c == EXIT_FAIL, c)))


def _remediate_fleet(
    state: State,
    tenants: list[str],
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    as_json: bool,
    *,
    drift: bool = False,
) -> tuple[list[dict[str, Any]], list[int]]:
    """``remediate --yes`` over several tenants, concurrently (``Engine.change_fleet``): each tenant's
    JSON and exit code, in the order given; each printed as it finishes."""
    from scorekeeper.cli.render import print_plans, print_run
    from scorekeeper.engine.change import FleetChange

    engine = state.engine()
    out = console(err=as_json)
    outputs: dict[str, tuple[dict[str, Any], int]] = {}

    def done(change: FleetChange) -> None:
        if change.refused:
            click.echo(f"error: {change.tenant}: {change.refused}", err=True)
            outputs[change.tenant] = ({"tenant": change.tenant, "error": change.refused}, change.refused_code)
            return
        assert change.plan_run is not None
        unread = bool(not_assessed([change.plan_run], detail=True))
        planned = [p.to_dict() for p in change.plans]
        if change.result is None:
            if not summarising():
                print_plans(out, change.plans, controls=state.plugins.controls)
            what = "No drift to put back in" if drift else "No automated change to make in"
            out.print(f"{what} {change.tenant}.", markup=False)
            nothing = {"run_id": None, "plan_run_id": change.plan_run.run_id, "tenant": change.tenant}
            output = {**nothing, "kind": "remediate", "status": "nothing_to_do", "controls": [], "plans": planned}
            outputs[change.tenant] = (output, EXIT_ERROR if unread else EXIT_OK)
            return
        result = change.result
        code = EXIT_ERROR if result.status == "failed" or unread else exit_code_for([result])
        if as_json:
            pass
        elif summarising():
            from scorekeeper.cli.fleetview import tenant_line

            out.print(tenant_line(result, code, f"{len(result.changes)} change(s)"), markup=False, soft_wrap=True)
        else:
            print_plans(out, change.plans, controls=state.plugins.controls)
            print_run(out, result)
            out.print(f"Undo with: scorekeeper rollback {result.run_id}", markup=False)
        output = {**result.to_dict(), "plan_run_id": change.plan_run.run_id, "plans": planned}
        outputs[change.tenant] = (output, code)

    wanted = list(control_ids) or None
    _, stopped = run_writing(
        engine,
        None,
        "remediate",
        engine.change_fleet(tenants, wanted, set(settings) or None, drift=drift, on_done=done),
    )
    ordered = [outputs[t] for t in tenants if t in outputs]
    codes = [code for _, code in ordered]
    if stopped is not None:
        codes.append(stopped)
    return [output for output, _ in ordered], codes


def _remediate_one(
    state: State,
    tenant: str,
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
    *,
    promoting: bool = False,
    drift: bool = False,
) -> tuple[dict[str, Any], int]:
    """One tenant's plan, confirmation, writes and verification: (its JSON, its exit code)."""
    from scorekeeper.safety.lease import LeaseHeld

    state.config.tenant(tenant)
    try:
        # The engine's one entry for changing a tenant: its lease before the plan is read.
        with state.engine().changing(tenant, "promote" if promoting else "remediate") as change:
            if promoting:
                return _promote_leased(state, change, control_ids, settings, yes, as_json)
            return _remediate_leased(state, change, control_ids, settings, yes, as_json, drift=drift)
    except LeaseHeld as exc:  # one line, and the other tenants of a group still go ahead
        click.echo(f"error: {exc}", err=True)
        return {"tenant": tenant, "error": str(exc)}, exc.exit_code


def _remediate_leased(
    state: State,
    change: LeasedChange,
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
    *,
    drift: bool = False,
) -> tuple[dict[str, Any], int]:
    from scorekeeper.cli.render import print_plans

    tenant = change.tenant
    out = console(err=as_json)
    with progress_bar(not as_json) as on_progress:
        run, plans = _plan(state, tenant, control_ids, settings, on_progress, change, drift=drift)
    unread = not_assessed([run], detail=True)
    automated = sum(len(p.automated) for p in plans)
    if plans and not summarising():  # a fleet confirmed with --yes: one line per tenant instead
        print_plans(out, plans, controls=state.plugins.controls)
    if not automated:
        out.print(
            f"No drift to put back in {tenant}: every setting with a baseline reads it."
            if drift
            else f"No automated change to make in {tenant}."
        )
        nothing = {"run_id": None, "plan_run_id": run.run_id, "tenant": tenant, "kind": "remediate"}
        planned = [p.to_dict() for p in plans]  # guided items too: whom a change left out would affect
        return {
            **nothing,
            "status": "nothing_to_do",
            "controls": [],
            "plans": planned,
        }, EXIT_ERROR if unread else EXIT_OK
    from scorekeeper.cli.render import impact_summary

    confirm_or_abort(f"Apply {automated} automated change(s) to tenant {tenant}{impact_summary(plans)}", yes)
    return _apply(change, run, plans, unread, as_json)


def _apply(
    change: LeasedChange, run: RunResult, plans: list[Plan], unread: bool, as_json: bool
) -> tuple[dict[str, Any], int]:
    """Write the confirmed ``plans`` under ``change``'s lease, verify, and say how to undo: (JSON, exit code)."""
    from scorekeeper.cli.render import print_run

    tenant, engine = change.tenant, change.engine
    out = console(err=as_json)
    with progress_bar(not as_json) as on_progress:
        engine.on_progress = on_progress or (lambda event: None)
        result, stopped = run_writing(engine, tenant, "remediate", change.apply(plans))
    if not as_json and not summarising():
        print_run(out, result)
    if stopped is not None:
        _stopped(result)
    elif not as_json and not summarising():
        out.print(f"Undo with: scorekeeper rollback {result.run_id}")
    # The run as assess reports one: controls, each with its changes and the findings verify read back.
    # The plan confirmed (each item with its impact and stage) beside the run that carried it out.
    output = {**result.to_dict(), "plan_run_id": run.run_id, "plans": [p.to_dict() for p in plans]}
    if stopped is not None:
        return output, stopped
    code = EXIT_ERROR if result.status == "failed" or unread else exit_code_for([result])
    if summarising() and not as_json:
        from scorekeeper.cli.fleetview import tenant_line

        out.print(tenant_line(result, code, f"{len(result.changes)} change(s)"), markup=False, soft_wrap=True)
    return output, code


@click.command()
@tenant_options(all_flag=False)
@click.option("--control", "control_ids", multiple=True, metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these settings.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def promote(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
) -> None:
    """Move staged settings to their next stage (report-only → enabled, pilot → all, Audit → Enforce).

    Only settings that [remediation] promote names and whose tenant evidence says the next stage
    is safe; each staged setting left where it is gets one line saying what is missing. The same
    lease, plan, confirmation, verification and record as remediate: `rollback RUN` undoes it.
    Exit 0 when nothing may move yet (the lines say why); 1 when a setting named with --setting
    could not be promoted.
    """
    tenants = state.config.select_tenants(tenant_names, group_names)
    state.preflight(tenants)
    outputs, codes = [], []
    with signals_remembered() as stop:
        for tenant in tenants:
            if stop.signum is not None:
                break
            output, code = _remediate_one(state, tenant, control_ids, settings, yes, as_json, promoting=True)
            outputs.append(output)
            codes.append(code)
    _finish_changes(outputs, codes, stop, as_json)


def _promote_leased(
    state: State,
    change: LeasedChange,
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
) -> tuple[dict[str, Any], int]:
    """One tenant's promotion under its lease: the refusals, the plan, the confirmation, the writes."""
    from scorekeeper.cli.render import impact_summary, print_plans
    from scorekeeper.engine.planning import promotion_refusals

    tenant = change.tenant
    out = console(err=as_json)
    with progress_bar(not as_json) as on_progress:
        run, plans = _plan(state, tenant, control_ids, settings, on_progress, change, promotions_only=True)
    unread = not_assessed([run], detail=True)
    rules = state.config.remediation(tenant)
    wanted = set(settings)
    refused = [
        r
        for result in run.controls
        for r in promotion_refusals(result.control, result.findings, rules)
        if not wanted or r.setting in wanted
    ]
    refused += _not_staged(run, wanted)
    for refusal in refused:  # one line each, on stderr: what is missing for that setting
        click.echo(clean(f"not promoted: {tenant}/{refusal.line()}"), err=True)
    if plans:
        print_plans(out, plans, controls=state.plugins.controls)
    automated = sum(len(p.automated) for p in plans)
    if not automated:
        out.print(f"No stage to move on in {tenant}." if refused else f"Nothing is staged in {tenant}.")
        nothing: dict[str, Any] = {"run_id": None, "plan_run_id": run.run_id, "tenant": tenant, "kind": "remediate"}
        nothing["plans"] = []
        # Waiting for evidence or for the configuration is the normal state of a rollout: exit 0 with the
        # lines above. A setting named with --setting that could not move is what was asked and not done: 1.
        code = EXIT_ERROR if (wanted and refused) or unread else EXIT_OK
        return {**nothing, "status": "nothing_to_do", "controls": [], "refused": [r.to_dict() for r in refused]}, code
    confirm_or_abort(f"Promote {automated} staged setting(s) in tenant {tenant}{impact_summary(plans)}", yes)
    output, code = _apply(change, run, plans, unread, as_json)
    return {**output, "refused": [r.to_dict() for r in refused]}, code


def _not_staged(run: RunResult, wanted: set[str]) -> list[Any]:
    """A refusal for each setting named with ``--setting`` that is not staged at all (it passes, fails...)."""
    from scorekeeper.domain.model import Status
    from scorekeeper.engine.planning import Refusal

    return [
        Refusal(result.control, f.setting, "", f"not staged (it reads {f.status.value})")
        for result in run.controls
        for f in result.findings
        if f.setting in wanted and f.status is not Status.STAGED
    ]


def _stopped(result: RunResult) -> None:
    """A write operation stopped by a signal: what is recorded and how to undo it (exit 130/143 follows)."""
    click.echo(
        f"interrupted: run {result.run_id} stopped before it finished ({len(result.changes)} change(s) recorded); "
        f"undo with: scorekeeper rollback {result.run_id}",
        err=True,
    )


@click.command()
@click.argument("run_id", type=RUN_ID, required=False)
@tenant_options(all_flag=False, tenant_help="Verify the latest remediation of this tenant (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@verbose_option
@pass_state
def verify(
    state: State,
    run_id: int | None,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    as_json: bool,
    verbose: bool,
) -> None:
    """Read back every setting a remediation (or rollback) changed."""
    state.preflight()
    if run_id is not None:
        state.existing_store(f"run {run_id} in history")  # a run id looked up: never create a history to find it
        run_ids = [run_id]
    else:
        if not tenant_names and not group_names:
            raise CommandFailed("give a RUN_ID or --tenant NAME (or --group NAME)", EXIT_USAGE)
        run_ids = []
        for tenant in state.config.select_tenants(tenant_names, group_names):
            latest = state.store.latest_run(tenant, "remediate")
            if latest is None:
                raise CommandFailed(f"tenant {tenant} has no remediation in history", EXIT_USAGE)
            run_ids.append(latest.id)
    results = []
    for one in run_ids:  # an EngineError (unknown run, nothing to verify) exits 1, as everywhere
        with progress_bar(not as_json) as on_progress:
            results.append(run_async(state.engine(on_progress).verify(one)))
    if as_json:
        emit_json(one_or_many([r.to_dict() for r in results]))
    elif summarise([r.tenant for r in results], group_names, False, verbose):
        print_fleet(console(), results, [run_exit_code([r]) for r in results])
    else:
        from scorekeeper.cli.render import print_run

        for result in results:
            print_run(console(), result)
    sys.exit(exit_code_for(results))


@click.command()
@click.argument("run_id", type=RUN_ID)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--fleet",
    is_flag=True,
    help="Roll back every run the command that recorded RUN_ID wrote (a whole `remediate --group`), one line each.",
)
@verbose_option
@pass_state
def rollback(state: State, run_id: int, yes: bool, as_json: bool, fleet: bool, verbose: bool) -> None:
    """Make every change a run made equal to its recorded before-value again.

    Every change counts, also those that failed, had no answer or were cut short: each is
    re-read and restored only when it differs. Exit 1 when any could not be restored; the
    output says what is left and how to fix it by hand. With --fleet, RUN_ID is any run of a
    fleet remediation and every tenant's run of it is rolled back after one confirmation.
    """
    from scorekeeper.cli.render import print_plans, print_restorations, print_run

    if fleet:
        from scorekeeper.cli.fleetview import rollback_fleet

        return rollback_fleet(state, run_id, yes, as_json, verbose)

    run = state.existing_store(f"run {run_id} in history").get_run(run_id)
    if run is None:
        raise CommandFailed(f"no run {run_id} in history", EXIT_USAGE)
    engine = state.engine()
    out = console(err=as_json)
    # One memory of signals from reading the plan to the last write (as in remediate).
    with signals_remembered(), lease_or_fail(state, run.tenant, "rollback"):
        tenant, plans = engine.rollback_plans(run_id)  # nothing left to roll back: NothingToRollBack, exit 0
        print_plans(out, plans)
        confirm_or_abort(
            f"Roll back {sum(len(p.items) for p in plans)} change(s) of run {run_id} in tenant {tenant}", yes
        )
        with progress_bar(not as_json) as on_progress:
            if on_progress:
                engine.on_progress = on_progress
            result, stopped = run_writing(engine, tenant, "rollback", engine.rollback(run_id, plans))
    if as_json:
        emit_json(result.to_dict())
    else:
        print_run(out, result)
        print_restorations(out, result, run_id)
    if stopped is not None:
        _stopped(result)
        sys.exit(stopped)
    # Any change that could not be restored leaves the tenant different: not a success.
    sys.exit(EXIT_ERROR if result.status != "completed" else EXIT_OK)

"""The ``schedule`` group, the ``scheduler`` daemon command and ``drift``: parse, call, print.

Loaded lazily by ``scorekeeper.cli.main.LazyGroup``; nothing here runs for ``scorekeeper --help``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from scorekeeper.cli.common import (
    EXIT_USAGE,
    CommandFailed,
    State,
    console,
    emit_json,
    newest_first,
    pass_state,
    selection_label,
)
from scorekeeper.cli.options import seconds_option
from scorekeeper.cli.targets import tenant_options
from scorekeeper.scheduler.spec import MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS
from scorekeeper.util import eventloop

if TYPE_CHECKING:
    from scorekeeper.scheduler.spec import Schedule
    from scorekeeper.scheduler.store import ScheduleStore


def _schedules(state: State, *, missing: str = "") -> ScheduleStore:
    """The schedules in history; with ``missing`` (a schedule looked up by id) a history is never created for it."""
    from scorekeeper.scheduler.store import ScheduleStore

    return ScheduleStore(state.existing_store(missing=missing) if missing else state.store)


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if value else "—"


# --------------------------------------------------------------------------- schedule ...
@click.group()
def schedule() -> None:
    """Add, list, pause, resume and remove scheduled assessments (run by `scorekeeper scheduler`)."""


@schedule.command("add")
@tenant_options(all_flag=False, tenant_help="Tenant from the config (repeatable: one schedule each).")
@click.option("--control", "control_id", metavar="ID", help="Only this control (default: every control).")
@click.option("--cron", metavar="EXPR", help='Crontab line, e.g. "0 6 * * 1-5" (0 and 7 are Sunday).')
@click.option(
    "--interval",
    type=click.IntRange(MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS),
    metavar="SECONDS",
    help="Run every SECONDS seconds instead.",
)
@click.option("--timezone", "tz", default="UTC", show_default=True, metavar="ZONE", help="Time zone of --cron.")
@click.option(
    "--remediate", is_flag=True, help="Also fix failing settings, where [controls.<id>] auto_remediate = true."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def schedule_add(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_id: str | None,
    cron: str | None,
    interval: int | None,
    tz: str,
    remediate: bool,
    as_json: bool,
) -> None:
    """Schedule an assessment of a tenant (and optionally unattended remediation).

    ``--group NAME`` adds one schedule per tenant of the group as it is now (each can then be
    paused or removed on its own; a tenant added to the group later needs its own schedule).
    """
    from scorekeeper.scheduler.spec import ScheduleError, build_trigger

    if (cron is None) == (interval is None):
        raise CommandFailed("give exactly one of --cron EXPR and --interval SECONDS", EXIT_USAGE)
    try:
        build_trigger(cron, interval, tz)
    except ScheduleError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    tenants = state.config.select_tenants(tenant_names, group_names)  # ConfigError: one line, unknown names
    engine = state.engine()
    controls = engine.select([control_id] if control_id else None)
    if not controls:
        raise CommandFailed("no control is installed to assess (see `scorekeeper controls`)", EXIT_USAGE)
    added_all = []
    for tenant in tenants:
        added = _schedules(state).add(
            tenant, control=control_id, cron=cron, interval_seconds=interval, timezone=tz, remediate=remediate
        )
        first = added.first_fire_after(added.created_at)
        added_all.append(dict(added.to_dict(), next_run_at=first.isoformat()))
        if not as_json:
            click.echo(f"schedule {added.id} added: {added.describe()}; first run {_when(first)}")
        if remediate:
            blocked = [c.id for c in controls if not engine.auto_remediate_allowed(c.id, tenant)]
            if blocked:
                click.echo(
                    f"note: {', '.join(blocked)} will only be assessed until [controls.<id>] auto_remediate = true "
                    f"is set in the config (or in [tenants.{tenant}.controls.<id>])",
                    err=True,
                )
    if as_json:
        emit_json(added_all[0] if len(added_all) == 1 else added_all)
    else:
        click.echo("Runs happen while `scorekeeper scheduler` is running.", err=True)


@schedule.command("list")
@tenant_options(all_flag=False, tenant_help="Only this tenant's schedules (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def schedule_list(state: State, tenant_names: tuple[str, ...], group_names: tuple[str, ...], as_json: bool) -> None:
    """List schedules with their last and next run."""
    if tenant_names or group_names:
        wanted = state.config.select_tenants(tenant_names, group_names, configured_only=False)
        rows = [s for s in _schedules(state).list(None) if s.tenant in wanted]
    else:
        rows = _schedules(state).list(None)
    if as_json:
        emit_json({"schedules": [dict(s.to_dict(), next_run_at=_iso(_next_run(s))) for s in rows]})
        return
    if not rows:
        click.echo("No schedules. Add one with: scorekeeper schedule add --tenant NAME --cron '0 6 * * *'")
        return
    from rich.table import Table

    table = Table("id", "tenant", "control", "when", "remediate", "state", "last run", "next run")
    for s in rows:
        last = f"{s.last_run_id or '—'} {s.last_status} {_when(s.last_run_at)}" if s.last_run_at else "—"
        table.add_row(
            str(s.id),
            s.tenant,
            s.control or "all",
            s.when,
            "yes" if s.remediate else "no",
            "paused" if s.paused else "active",
            last,
            "—" if s.paused else _when(_next_run(s)),
        )
    console().print(table)


def _next_run(schedule: Schedule) -> datetime | None:
    """When a schedule fires next: the daemon's published plan, else computed from its definition.

    The table and ``--json`` both use this, so a schedule the daemon has not seen yet shows the
    same time in both (the JSON used to say ``null`` while the table showed a time).
    """
    if schedule.paused:
        return None
    return schedule.next_run_at or schedule.first_fire_after(schedule.last_run_at or schedule.created_at)


def _iso(value: datetime | None) -> str | None:
    from datetime import UTC

    return value.astimezone(UTC).isoformat() if value is not None else None


def _change(state: State, schedule_id: int, action: Any) -> Schedule:
    from scorekeeper.store import StoreError

    try:
        # The same one line whether the history lacks the schedule or does not exist yet (never created here).
        schedules = _schedules(state, missing=f"no schedule {schedule_id} (see `scorekeeper schedule list`)")
        return action(schedules)
    except StoreError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None


@schedule.command("remove")
@click.argument("schedule_id", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@pass_state
def schedule_remove(state: State, schedule_id: int) -> None:
    """Delete a schedule (its past runs stay in history)."""
    removed = _change(state, schedule_id, lambda s: s.remove(schedule_id))
    click.echo(f"schedule {schedule_id} removed: {removed.describe()}")


@schedule.command("pause")
@click.argument("schedule_id", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@pass_state
def schedule_pause(state: State, schedule_id: int) -> None:
    """Stop a schedule from running until it is resumed."""
    changed = _change(state, schedule_id, lambda s: s.set_paused(schedule_id, True))
    click.echo(f"schedule {schedule_id} paused: {changed.describe()}")


@schedule.command("resume")
@click.argument("schedule_id", type=click.IntRange(1, 2**63 - 1), metavar="ID")
@pass_state
def schedule_resume(state: State, schedule_id: int) -> None:
    """Let a paused schedule run again (a run missed while paused runs once if within the misfire grace)."""
    changed = _change(state, schedule_id, lambda s: s.set_paused(schedule_id, False))
    click.echo(f"schedule {schedule_id} resumed: {changed.describe()}")


# --------------------------------------------------------------------------- scheduler
def _configure_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    # httpx logs every request URL at INFO/DEBUG, and a webhook URL is a secret: keep it quiet always.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not debug:
        for name in ("apscheduler", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _preflight(state: State) -> None:
    """Refuse to start unattended work on a configuration that cannot work: every problem, then one line."""
    from scorekeeper.channels.notify import check_channels, ensure_builtin_channels

    ensure_builtin_channels(state.plugins)
    problems = state.engine().check() + check_channels(state.plugins, state.config.notifications)
    if problems:
        source = state.config.source or "configuration"
        for problem in problems:
            click.echo(f"{source}: {problem}", err=True)
        raise CommandFailed(f"{len(problems)} problem(s) in the configuration; the scheduler did not start", EXIT_USAGE)


@click.command()
@seconds_option(
    "--reload",
    "reload_seconds",
    15.0,
    "Re-read the schedules this often (picks up `schedule add/pause/...`).",
    minimum=0.1,
)
@seconds_option("--grace", "grace_seconds", 120.0, "On SIGTERM/SIGINT, let running assessments finish this long.")
@seconds_option(
    "--misfire-grace",
    "misfire_seconds",
    300,
    "Run a missed fire at start if it is at most this late.",
    minimum=1,
    whole=True,
)
@click.option(
    "--fleet",
    "fleet_mode",
    is_flag=True,
    help="Queue each fire for `scorekeeper worker` (PostgreSQL history) instead of running it here.",
)
@pass_state
def scheduler(
    state: State, reload_seconds: float, grace_seconds: float, misfire_seconds: int, fleet_mode: bool
) -> None:
    """Run scheduled assessments in the foreground until SIGTERM or Ctrl-C (for systemd or a container)."""
    from scorekeeper.channels.notify import Notifier
    from scorekeeper.scheduler.daemon import Daemon, DaemonOptions
    from scorekeeper.scheduler.runner import Runner

    _preflight(state)
    _configure_logging(state.debug)
    log = logging.getLogger("scorekeeper.scheduler")
    if not state.config.notifications:
        log.warning("no [notifications.<channel>] table in the config: events are only written to this log")
    progress = logging.getLogger("scorekeeper.progress")
    engine = state.engine(lambda e: progress.debug("%s %s/%s %s %s", e.phase, e.tenant, e.control, e.setting, e.status))
    runner = Runner(engine, _schedules(state), Notifier(state.plugins, state.config.notifications))
    if fleet_mode:  # fires go to the job queue; workers run them with the same Runner
        from scorekeeper.cli.fleet import queueing_runner

        runner = queueing_runner(state, engine, runner.schedules, runner.notify)
    daemon = Daemon(runner, runner.schedules, DaemonOptions(reload_seconds, grace_seconds, misfire_seconds))

    def ready(message: str) -> None:
        click.echo(f"{message}; history {state.store.url}; stop with SIGTERM or Ctrl-C")
        sys.stdout.flush()

    async def serve() -> None:
        stop, force = asyncio.Event(), asyncio.Event()

        def on_signal(name: str) -> None:
            if stop.is_set():
                log.warning("%s again: cancelling running assessments now", name)
                force.set()
            else:
                log.info("%s received: stopping", name)
                stop.set()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig.name)
        report = await daemon.run(stop, force=force, ready=ready)
        click.echo(
            f"scheduler stopped: {report.finished} run(s) finished during shutdown, {report.interrupted} interrupted"
        )

    eventloop.run(serve())


# --------------------------------------------------------------------------- drift
@click.command()
@tenant_options(all_flag=False, tenant_help="Only this tenant (repeatable).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def drift(state: State, tenant_names: tuple[str, ...], group_names: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Show drift: settings off their baseline (who changed them, when the audit log says), settings that
    stopped passing and Secure Scores that dropped, newest first."""
    from scorekeeper.scheduler.events import drift_line

    found = newest_first(state, tenant_names, group_names, lambda t: state.store.drift_events(t, limit=limit), limit)
    if as_json:
        emit_json({"events": [dict(e.to_dict(), line=drift_line(e)) for e in found]})
        return
    if not found:
        where = selection_label(tenant_names, group_names)
        click.echo(
            f"No drift recorded{where}. Each setting a verified remediation established is compared with that"
            " baseline; the rest with the previous assessment."
        )
        return
    from rich.table import Table

    table = Table("when", "tenant", "kind", "what changed", "runs")
    for event in found:
        table.add_row(
            _when(event.at),
            event.tenant,
            event.kind.replace("_", " "),
            drift_line(event),
            f"{event.previous_run_id or '?'} → {event.run_id}",
        )
    console().print(table)

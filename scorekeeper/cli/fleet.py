"""``scorekeeper worker``, ``scorekeeper fleet init|status`` and the ``--queue`` of assess/remediate.

Loaded lazily (``LazyGroup.lazy``); parse, call :mod:`scorekeeper.fleet`, print.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from scorekeeper.cli.common import EXIT_USAGE, CommandFailed, State, console, emit_json, pass_state
from scorekeeper.cli.options import seconds_option
from scorekeeper.util import eventloop


def _url(state: State) -> str:
    """The history URL the queue lives in (password included: it connects); refuses SQLite in one line."""
    from scorekeeper.fleet.app import FleetError, conninfo
    from scorekeeper.store.db import resolve_url

    try:
        # Refused from the configured URL alone: a SQLite history is never created just to be refused.
        conninfo(resolve_url(state.history_url, create_parent=False))
        url = str(state.store._engine.url.render_as_string(hide_password=False))
        conninfo(url)
    except FleetError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    return url


async def _with_app(state: State, work: Any, *, schema: bool = True) -> Any:
    from scorekeeper.fleet.app import FleetError, open_app, require_schema

    try:
        async with open_app(_url(state)) as app:
            if schema:
                await require_schema(app)
            return await work(app)
    except FleetError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None


def enqueue_from_cli(state: State, kind: str, tenants: list[str], controls: tuple[str, ...], as_json: bool) -> None:
    """``assess|remediate ... --queue``: one job per tenant, printed with its id; nothing runs here."""
    from scorekeeper.fleet.enqueue import enqueue

    state.engine().select(controls or None)  # an unknown control is refused before anything is queued
    done = eventloop.run(_with_app(state, lambda app: enqueue(app, tenants, controls, kind=kind)))
    if as_json:
        emit_json([d.to_dict() for d in done])
        return
    for item in done:
        click.echo(f"queued {kind} of {item.tenant}: job {item.job_id}")
    click.echo(f"{len(done)} job(s) queued; `scorekeeper worker` runs them, `scorekeeper fleet status` shows them")


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True, help="Jobs run at once.")
@click.option("--name", metavar="NAME", help="Worker name in logs (default: procrastinate's).")
@seconds_option(
    "--heartbeat", "heartbeat_seconds", 10.0, "How often this worker tells the database it is alive.", minimum=0.05
)
@seconds_option(
    "--stalled-after",
    "stalled_seconds",
    60.0,
    "A worker silent this long is dead: its jobs are retried and its runs marked interrupted.",
    minimum=0.2,
)
@seconds_option(
    "--max-wait",
    "max_wait",
    5.0,
    "Longest Retry-After slept through inside a job; a longer one re-queues the tenant's job for then.",
)
@click.option("--until-empty", is_flag=True, help="Stop when no job is left (for cron or CI) instead of waiting.")
@pass_state
def worker(
    state: State,
    concurrency: int,
    name: str | None,
    heartbeat_seconds: float,
    stalled_seconds: float,
    max_wait: float,
    until_empty: bool,
) -> None:
    """Run queued assessments and remediations from the PostgreSQL history, on any machine that reaches it."""
    from scorekeeper.fleet import tasks
    from scorekeeper.fleet.worker import run_worker

    if stalled_seconds < 2 * heartbeat_seconds:
        raise CommandFailed(
            "--stalled-after must be at least twice --heartbeat (a busy worker's beat may be late)", EXIT_USAGE
        )
    problems = state.engine().check()
    if problems:
        for problem in problems:
            click.echo(f"{state.config.source or 'configuration'}: {problem}", err=True)
        raise CommandFailed(f"{len(problems)} problem(s) in the configuration; the worker did not start", EXIT_USAGE)
    logging.basicConfig(  # a no-op when the process already logs somewhere (--debug, an embedding host)
        level=logging.DEBUG if state.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    engine = state.engine()
    runner = _schedule_runner(state, engine)
    tasks.install(tasks.Runtime(engine=lambda: engine, max_wait=max_wait, runner=lambda: runner))

    async def work(app: Any) -> None:
        click.echo(f"worker ready: history {state.store.url}, concurrency {concurrency}; stop with SIGTERM or Ctrl-C")
        sys.stdout.flush()
        await run_worker(
            app,
            state.store,
            concurrency=concurrency,
            name=name,
            wait=not until_empty,
            heartbeat_seconds=heartbeat_seconds,
            stalled_seconds=stalled_seconds,
        )

    eventloop.run(_with_app(state, work))


def _schedule_runner(state: State, engine: Any) -> Any:
    """The scheduler's runner for queued schedule fires: notifications as the scheduler sends them."""
    from scorekeeper.channels.notify import Notifier, ensure_builtin_channels
    from scorekeeper.scheduler.runner import Runner
    from scorekeeper.scheduler.store import ScheduleStore

    ensure_builtin_channels(state.plugins)
    return Runner(engine, ScheduleStore(state.store), Notifier(state.plugins, state.config.notifications))


def queueing_runner(state: State, engine: Any, schedules: Any, notify: Any) -> Any:
    """For ``scheduler --fleet``: a runner whose fires enqueue in the PostgreSQL history."""
    from scorekeeper.fleet.schedule import QueueingRunner

    return QueueingRunner(_url(state), engine, schedules, notify)


@click.group()
def fleet() -> None:
    """The job queue in the PostgreSQL history: set it up once, see what it holds."""


@fleet.command("init")
@pass_state
def fleet_init(state: State) -> None:
    """Apply procrastinate's job-queue schema to the PostgreSQL history (once; a second run changes nothing)."""
    from scorekeeper.fleet.app import apply_schema, version

    applied = eventloop.run(_with_app(state, apply_schema, schema=False))
    what = "applied" if applied else "already present; nothing changed"
    click.echo(f"job queue schema (procrastinate {version()}) {what} in {state.store.url}")


@fleet.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def fleet_status_command(state: State, as_json: bool) -> None:
    """Queue depth, running jobs per worker, failures and the oldest waiting job."""
    from scorekeeper.fleet.status import fleet_status

    status = eventloop.run(_with_app(state, fleet_status))
    if as_json:
        emit_json(status.to_dict())
        return
    out = console()
    out.print(
        f"waiting {status.waiting} (plus {status.scheduled_later} scheduled later), running {status.running}, "
        f"succeeded {status.succeeded}, failed {status.failed}",
        markup=False,
    )
    if status.oldest_waiting:
        oldest = status.oldest_waiting
        out.print(
            f"oldest waiting: job {oldest['job_id']} {oldest['tenant']} since {oldest['queued_at']}", markup=False
        )
    from rich.table import Table

    table = Table("worker", "last heartbeat", "running jobs")
    for w in status.workers:
        jobs = ", ".join(f"{j['job_id']} {j['tenant']}" for j in w["jobs"]) or "—"
        table.add_row(str(w["worker_id"] if w["worker_id"] is not None else "(gone)"), w["last_heartbeat"] or "—", jobs)
    if status.workers:
        out.print(table)
    for failure in status.recent_failures:
        out.print(
            f"failed: job {failure['job_id']} {failure['task']} {failure['tenant']} after {failure['attempts']} "
            f"attempt(s) at {failure['at']}",
            markup=False,
        )

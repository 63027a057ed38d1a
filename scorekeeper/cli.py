"""The ``scorekeeper`` command: parse, call the engine, print. Nothing else lives here.

Exit codes: 0 success and nothing fails; 3 at least one setting fails; 2 usage or config
error; 1 anything else. Errors are one line on stderr; ``--debug`` shows the traceback.
Heavy modules (msgraph, textual, the plugins) are imported inside commands so that
``scorekeeper --help`` stays fast.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import click

from scorekeeper.commands.prune import PRUNE, RunIdOrPrune, prune_history
from scorekeeper.commands.targets import tenant_options

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from scorekeeper.engine import Engine
    from scorekeeper.model import Plan, RunResult

from scorekeeper.errors import EXIT_ERROR, EXIT_FAIL, EXIT_OK, EXIT_USAGE, ScorekeeperError
from scorekeeper.errors import exit_code_of as error_exit_code

EPILOG = (
    "Exit codes: 0 every setting assessed and none fails, 3 a setting fails, 1 a setting could not be"
    " assessed (unknown/error) or another error, 2 usage or config error."
)


NOTHING_CHANGED = "not confirmed: nothing was changed"
#: A run id as history stores it (a 64-bit integer): a larger number is a usage error, not an overflow.
RUN_ID = click.IntRange(1, 2**63 - 1)


class Failure(ScorekeeperError):
    """A one-line error with its exit code, raised by commands and printed by :func:`main`."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class State:
    """Options of the top-level group, and what is built from them on first use."""

    def __init__(self, config_path: str | None, db: str | None, debug: bool) -> None:
        self.config_path = config_path
        self.db = db
        self.debug = debug
        self._config: Any = None
        self._plugins: Any = None
        self._store: Any = None

    @property
    def config(self) -> Any:
        if self._config is None:
            from scorekeeper.config import load_config

            self._config = load_config(self.config_path, data_dir=self.data_dir)
        return self._config

    @property
    def data_dir(self) -> Path:
        from scorekeeper.config import default_data_dir

        return default_data_dir()

    @property
    def plugins(self) -> Any:
        if self._plugins is None:
            from scorekeeper.plugins import load_plugins

            self._plugins = load_plugins()
            for problem in self._plugins.problems:
                click.echo(f"warning: {problem}", err=True)
        return self._plugins

    @property
    def store(self) -> Any:
        if self._store is None:
            from scorekeeper.store import HistoryStore

            url = self.db or os.environ.get("SCOREKEEPER_DB") or self.config.settings.db
            if url and "://" not in url:  # a path: never create an empty database somewhere unexpected
                folder = Path(url).expanduser().parent
                if not folder.is_dir():
                    raise Failure(
                        f"history database {url}: folder {folder} does not exist (create it or fix the path)",
                        EXIT_USAGE,
                    )
            self._store = HistoryStore.open(url)
            self._store.interrupt_stale_runs()  # runs left "running" by a process that died
        return self._store

    def preflight(self, tenants: list[str] | tuple[str, ...] = ()) -> None:
        """What ``config check`` would refuse stops here: before a tenant is read or history is opened."""
        from scorekeeper.configcheck import preflight

        preflight(self.config, self.plugins, tenants)

    def engine(self, on_progress: Callable[..., None] | None = None) -> Engine:
        from scorekeeper.engine import Engine

        engine = Engine(self.config, self.plugins, self.store, self.data_dir)
        if on_progress is not None:
            engine.on_progress = on_progress
        return engine


pass_state = click.make_pass_decorator(State)


def console(err: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=err, highlight=False)


def emit_json(data: Any) -> None:
    """Print a ``--json`` document: an object with ``schema_version`` first (see ``scorekeeper.schemas``)."""
    from scorekeeper.schemas import versioned

    click.echo(json.dumps(versioned(data) if isinstance(data, dict) else data, indent=2, default=str))


def one_or_many(items: list[dict[str, Any]]) -> dict[str, Any]:
    """One tenant's document itself, or ``{"runs": [...]}`` for several: the run commands' one shape."""
    return items[0] if len(items) == 1 else {"runs": items}


def exit_code_of(runs: list[RunResult]) -> int:
    """3 when a setting fails; else 1 when something could not be assessed; else 0 (prints nothing)."""
    if any(r.failed for r in runs):
        return EXIT_FAIL
    unread, incomplete = _unassessed(runs)
    return EXIT_ERROR if unread or incomplete else EXIT_OK


def exit_code_for(runs: list[RunResult]) -> int:
    """3 when a setting fails; else 1 when something could not be assessed; else 0.

    An unreachable tenant, an expired portal sign-in or a missing permission leaves settings
    ``unknown``: a script must not read that as a clean bill of health.
    """
    code = exit_code_of(runs)
    if code == EXIT_ERROR:
        not_assessed(runs)  # says what
    return code


def _unassessed(runs: list[RunResult]) -> tuple[list[tuple[str, str, Any]], bool]:
    """The one judgement of "could not assess": unread settings (``unknown``/``error``, not excepted)
    as ``(tenant, control, finding)``, and whether a run did not complete or a control failed."""
    from scorekeeper.model import Status

    unread = [
        (r.tenant, c.control, f)
        for r in runs
        for c in r.controls
        for f in c.findings
        if f.status in (Status.UNKNOWN, Status.ERROR) and not f.excepted
    ]
    incomplete = any(r.status != "completed" or any(c.error for c in r.controls) for r in runs)
    return unread, incomplete


def not_assessed(runs: list[RunResult], *, detail: bool = False) -> bool:
    """Whether something in ``runs`` could not be assessed; if so, says what on stderr.

    ``detail`` names each unread setting and why (``plan`` and ``remediate``, where the admin is
    about to act on the result, and a CI job must not read "nothing to change" as all-clear).
    """
    unread, incomplete = _unassessed(runs)
    if not unread and not incomplete:
        return False
    what = f"{len(unread)} setting(s) could not be assessed" if unread else "a run did not complete"
    click.echo(f"note: {what}; exit code {EXIT_ERROR}", err=True)
    if detail:
        for tenant, control, finding in unread:
            click.echo(f"  could not read {tenant}/{control}/{finding.setting}: {finding.reason}", err=True)
    return True


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[..., None] | None]:
    """A rich progress display on stderr fed by the engine's progress events."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    tasks: dict[tuple[str, str, str], Any] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[last]}"),
        console=console(err=True),
        transient=True,
    ) as bar:

        def on_event(event: Any) -> None:
            key = (event.tenant, event.control, event.phase)
            if key not in tasks:
                tasks[key] = bar.add_task(
                    f"{event.phase} {event.tenant}/{event.control}", total=event.total or None, last=""
                )
            task = tasks[key]
            if event.status == "done":
                bar.update(task, completed=event.total or 1, total=event.total or 1, last="done")
            elif event.setting:
                bar.advance(task)
                bar.update(task, last=f"{event.setting}: {event.status}")

        yield on_event


def run_async(coro: Any) -> Any:
    """Run a read-only operation; SIGINT/SIGTERM stop it at once (exit 130/143, see ``signals.py``)."""
    from scorekeeper.signals import stop_on_signals

    with stop_on_signals() as stop:
        return stop.run(coro)


def run_writing(engine: Engine, tenant: str, kind: str, coro: Any) -> tuple[Any, int | None]:
    """Run an operation that writes; a signal closes the engine's write gate instead of cancelling.

    Returns the result and the exit code the signal asks for (``None`` when none came).
    """
    from scorekeeper.signals import Interrupted, stop_on_signals

    with stop_on_signals(engine.write_gate) as stop:
        try:
            result = stop.run(coro)
        except Interrupted as exc:  # the write in flight outlived the grace period, or a second signal
            run = engine.store.latest_run(tenant, kind)
            undo = f"; undo with: scorekeeper rollback {run.id}" if run is not None and kind == "remediate" else ""
            raise Interrupted(exc.signum, f"{exc}: cancelled before the write in flight finished{undo}") from None
    return result, stop.exit_code


@contextmanager
def writer_lease(state: State, tenant: str, purpose: str) -> Iterator[None]:
    """Hold the tenant's writer lease (``scorekeeper/lease.py``); another writer is one line and exit 1."""
    from scorekeeper.lease import LeaseHeld
    from scorekeeper.lease import writer_lease as lease

    try:
        with lease(state.store, tenant, purpose):
            yield
    except LeaseHeld as exc:
        raise Failure(str(exc), exc.exit_code) from None


def confirm_or_abort(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise Failure(f"refusing to {what} without confirmation: run in a terminal or pass --yes", EXIT_USAGE)
    if not click.confirm(f"{what}?", default=False):
        raise Failure(NOTHING_CHANGED, EXIT_ERROR)


class LazyGroup(click.Group):
    """A group whose heavy sub-groups (simulator, TUI, scheduler) are imported only when run.

    ``--help`` lists them from the short help kept here, so listing never imports them.
    """

    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module_name, attribute = self.lazy[cmd_name][0].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name][1]))
            else:
                command = super().get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit=formatter.width - 6 - 14)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


LazyGroup.lazy = {
    "simulator": ("scorekeeper.simulator.cli:simulator", "Run and control the tenant simulator."),
    "tui": ("scorekeeper.tui.cli:tui", "Open the dashboard (Textual)."),
    "schedule": ("scorekeeper.scheduler.cli:schedule", "Add, list, pause, resume and remove scheduled assessments."),
    "scheduler": ("scorekeeper.scheduler.cli:scheduler", "Run scheduled assessments in the foreground (daemon)."),
    "drift": ("scorekeeper.scheduler.cli:drift", "Show drift: settings that stopped passing, scores that dropped."),
    "plugin": ("scorekeeper.kit.cli:plugin", "Tools for plugin authors (scaffold a new plugin)."),
    "score": ("scorekeeper.securescore.cli:score", "Show the whole Secure Score: every control, points, state."),
    "worker": ("scorekeeper.fleet.cli:worker", "Run queued assessments from the PostgreSQL history (fleets)."),
    "fleet": ("scorekeeper.fleet.cli:fleet", "Set up and inspect the fleet job queue (fleet init, fleet status)."),
    "report": ("scorekeeper.reports.command:report", "A run or a fleet as HTML, Markdown, JSON, CSV, JUnit or SARIF."),
}


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Config file (else $SCOREKEEPER_CONFIG, ./scorekeeper.toml, user config dir).",
)
@click.option("--db", metavar="PATH_OR_URL", help="History database (else $SCOREKEEPER_DB, else the user data dir).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.version_option(package_name="scorekeeper-m365", message="%(prog)s %(version)s (distribution %(package)s)")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db: str | None, debug: bool) -> None:
    """Raise Microsoft Secure Score: assess, remediate and verify controls in your tenants."""
    ctx.obj = State(config_path, db, debug)
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("scorekeeper.engine").setLevel(logging.NOTSET)
    else:
        _quiet_logging()


class _OneLineHandler(logging.Handler):
    """``warning: message`` on the current stderr, without the traceback (that is what ``--debug`` is for)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(f"{record.levelname.lower()}: {record.getMessage()}".splitlines()[0], err=True)
        except Exception:
            self.handleError(record)


def _quiet_logging() -> None:
    """Warnings as one line each; the engine's per-control errors stay out (the output shows them)."""
    root = logging.getLogger()
    if not any(isinstance(h, _OneLineHandler) for h in root.handlers):
        root.addHandler(_OneLineHandler(logging.WARNING))
    logging.getLogger("scorekeeper.engine").setLevel(logging.CRITICAL)
    # azure-identity logs every failed token request as a warning; the findings already say why.
    logging.getLogger("azure").setLevel(logging.ERROR)


# --------------------------------------------------------------------------- inventory
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def plugins(state: State, as_json: bool) -> None:
    """List installed plugins: name, version, hooks and controls."""
    rows = state.plugins.info()
    if as_json:
        emit_json(
            {
                "plugins": [r.__dict__ for r in rows],
                "problems": [p.__dict__ for p in state.plugins.problems],
            }
        )
        return
    from rich.table import Table

    table = Table("plugin", "distribution", "version", "hooks", "controls")
    for row in rows:
        table.add_row(row.name, row.distribution, row.version, ", ".join(row.hooks), ", ".join(row.controls))
    console().print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def controls(state: State, as_json: bool) -> None:
    """List the Secure Score controls the installed plugins provide, with their settings."""
    found = list(state.plugins.controls.values())
    if as_json:
        emit_json(
            {
                "controls": [
                    {
                        "control": c.id,
                        "title": c.title,
                        "plugin": c.plugin,
                        "min_licence": c.min_licence,
                        "apis": list(c.apis),
                        "auth_flows": list(c.auth_flows),
                        "settings": [
                            {"id": s.id, "title": s.title, "remediation": s.remediation.value} for s in c.settings
                        ],
                    }
                    for c in found
                ]
            }
        )
        return
    from rich.table import Table

    for control in found:
        table = Table(
            "setting",
            "title",
            "remediation",
            "APIs",
            title=f"{control.id}: {control.title} "
            f"(plugin {control.plugin}, needs {control.min_licence or 'no licence'})",
            title_justify="left",
        )
        for s in control.settings:
            table.add_row(s.id, s.title, s.remediation.value, ", ".join(s.apis))
        console().print(table)


@cli.command()
@click.option("--control", "control_id", metavar="ID", help="Only this control.")
@click.option("--all", "all_controls", is_flag=True, help="Every installed control (the default).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (same as --format json).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "manifest"]),
    default="table",
    show_default=True,
    help="manifest: the app registration's requiredResourceAccess for Microsoft Graph.",
)
@click.option(
    "--phase",
    type=click.Choice(["assess", "remediate"]),
    default="remediate",
    show_default=True,
    help="With --format manifest: grant what assessing needs, or assessing and remediating.",
)
@pass_state
def permissions(state: State, control_id: str | None, all_controls: bool, as_json: bool, fmt: str, phase: str) -> None:
    """Least-privilege permissions and roles needed to assess and to remediate."""
    from scorekeeper.permissions import MissingPermissionIdError, permission_report, required_resource_access

    if control_id and all_controls:
        raise click.UsageError("--control and --all exclude each other")
    if as_json and fmt == "manifest":
        raise click.UsageError("--json and --format manifest exclude each other")
    from scorekeeper.engine import select_controls

    selected = select_controls(state.plugins, [control_id] if control_id else None, state.config.source)
    report = permission_report(selected)
    if fmt == "manifest":
        try:
            manifest = required_resource_access(report, phase)
        except MissingPermissionIdError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(json.dumps(manifest, indent=2))  # Microsoft's shape exactly: no schema_version added
        return
    if as_json or fmt == "json":
        emit_json(report)
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    for control in report["controls"]:
        out.print(f"[bold]{control['control']}[/]")
        out.print(Text(f"  assess needs:    {', '.join(control['assess']['graph']) or '—'}"))
        out.print(Text(f"  remediate needs: {', '.join(control['remediate']['graph']) or '—'}"))
        if control["assess"]["delegated"] or control["remediate"]["delegated"]:
            delegated = sorted(set(control["assess"]["delegated"] + control["remediate"]["delegated"]))
            out.print(Text(f"  portal API:      {', '.join(delegated)}"))
        table = Table("setting", "read", "write", "directory roles")
        for column in table.columns:  # full names: they are what an admin copies into the app registration
            column.overflow = "fold"
            column.no_wrap = column.header in ("read", "write") and out.width >= 120
        for s in control["settings"]:
            table.add_row(
                s["id"],
                "\n".join(s["read"]) or "—",
                "\n".join(s["write"]) or "—",
                "\n".join(s["directory_roles"]) or "—",
            )
        out.print(table)
    out.print("[bold]Every assessment also reads[/]")
    for read in report["engine"]:
        optional = "" if read["required"] else "; optional, a run without it still succeeds"
        out.print(Text(f"  {read['read']} for {read['for']}"))
        out.print(Text(f"    needs {read['application']} (application) or {read['delegated']} (delegated){optional}"))
    if len(report["controls"]) > 1:
        union = report["all"]
        out.print("[bold]All listed controls, one app registration[/]")
        for phase in ("assess", "remediate"):
            out.print(f"  to {phase}:")
            for name in union[phase]:
                out.print(Text(f"    {name}"))


# --------------------------------------------------------------------------- operations
def selection_label(names: tuple[str, ...], groups: tuple[str, ...]) -> str:
    """`` for tenant a, b and group g`` (empty when nothing was selected), for "nothing found" lines."""
    parts = [f"{kind} {', '.join(given)}" for kind, given in (("tenant", names), ("group", groups)) if given]
    return f" for {' and '.join(parts)}" if parts else ""


def newest_first(
    state: State, names: tuple[str, ...], groups: tuple[str, ...], query: Callable[[str | None], list[Any]], limit: int
) -> list[Any]:
    """``query`` for every tenant ``--tenant``/``--group`` name (or once for all), newest ``limit`` rows.

    Rows carry ``started_at`` or ``at`` and an ``id``; history and drift listings share this.
    A ``--tenant`` no longer in the config still lists its history.
    """
    if not names and not groups:
        return query(None)
    tenants = state.config.select_tenants(names, groups, configured_only=False)
    rows = [row for tenant in tenants for row in query(tenant)]
    rows.sort(key=lambda r: (getattr(r, "started_at", None) or getattr(r, "at", None), r.id), reverse=True)
    return rows[:limit]


@cli.command()
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
) -> None:
    """Read the tenant and report every setting; never writes."""
    names = state.config.select_tenants(tenant_names, group_names, all_tenants)
    if queue:
        from scorekeeper.fleet.cli import enqueue_from_cli

        return enqueue_from_cli(state, "assess", names, control_ids, as_json)
    state.preflight(names)
    with progress_bar(not as_json) as on_progress:
        runs = run_async(state.engine(on_progress).assess(names, control_ids))
    if as_json:
        emit_json(one_or_many([r.to_dict() for r in runs]))
    else:
        from scorekeeper.render import print_run, summary_line

        out = console()
        for run in runs:
            print_run(out, run, details=details, controls=state.plugins.controls)
        out.print()
        for run in runs:  # the last lines: one per tenant, with the exit code it alone would give
            out.print(summary_line(run, exit_code_of([run])), markup=False, highlight=False)
    sys.exit(exit_code_for(runs))


def _plan(
    state: State, tenant: str, control_ids: tuple[str, ...], settings: tuple[str, ...], on_progress: Any
) -> tuple[RunResult, list[Plan]]:
    state.config.tenant(tenant)
    state.preflight([tenant])
    run, plans = run_async(state.engine(on_progress).plan(tenant, control_ids, set(settings) or None))
    broken = [f"{r.control}: {r.error}" for r in run.controls if r.error]
    if broken:  # a plan built on a failed assessment would silently leave those controls out
        raise Failure(f"could not assess {tenant} ({'; '.join(broken)}); nothing was planned or written", EXIT_ERROR)
    return run, plans


@cli.command()
@tenant_options(all_flag=False)
@click.option("--control", "control_ids", multiple=True, metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these settings.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def plan(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show what remediation would change (current → desired) and the guided steps."""
    from scorekeeper.render import print_plans

    found, runs = [], []
    tenants = state.config.select_tenants(tenant_names, group_names)
    state.preflight(tenants)
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
        if not plans:
            console().print(f"Nothing to change in {tenant}: every setting passes, is excepted or cannot be read.")
        else:
            print_plans(console(), plans, controls=state.plugins.controls)
    if as_json:
        emit_json(one_or_many(found))
    # A plan built on settings that could not be read is no all-clear, even when it is empty.
    sys.exit(EXIT_ERROR if not_assessed(runs, detail=True) else EXIT_OK)


@cli.command()
@tenant_options(all_flag=False)
@click.option("--control", "control_ids", multiple=True, metavar="ID")
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these settings.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--queue",
    "queue",
    is_flag=True,
    help="Queue one unattended job per tenant instead (like the scheduler: only controls with auto_remediate = true"
    " are written; needs --yes).",
)
@pass_state
def remediate(
    state: State,
    tenant_names: tuple[str, ...],
    group_names: tuple[str, ...],
    control_ids: tuple[str, ...],
    settings: tuple[str, ...],
    yes: bool,
    as_json: bool,
    queue: bool,
) -> None:
    """Show the plan, ask, then write the automated changes and verify them (tenant by tenant)."""
    tenants = state.config.select_tenants(tenant_names, group_names)
    if queue:
        if not yes or settings:
            raise Failure("--queue runs unattended: give --yes (and no --setting; auto_remediate decides)", EXIT_USAGE)
        from scorekeeper.fleet.cli import enqueue_from_cli

        return enqueue_from_cli(state, "remediate", tenants, control_ids, as_json)
    state.preflight(tenants)  # every tenant's credentials before the first one is written to
    outputs, codes = [], []
    for tenant in tenants:
        output, code = _remediate_one(state, tenant, control_ids, settings, yes, as_json)
        outputs.append(output)
        codes.append(code)
        if code > 128:  # stopped by a signal: no other tenant is started
            break
    if as_json:
        emit_json(one_or_many(outputs))
    signalled = [c for c in codes if c > 128]
    sys.exit(signalled[0] if signalled else max(codes, key=lambda c: (c == EXIT_FAIL, c)))


def _remediate_one(
    state: State, tenant: str, control_ids: tuple[str, ...], settings: tuple[str, ...], yes: bool, as_json: bool
) -> tuple[dict[str, Any], int]:
    """One tenant's plan, confirmation, writes and verification: (its JSON, its exit code)."""
    from scorekeeper.lease import LeaseHeld

    state.config.tenant(tenant)
    try:
        # The lease is taken before planning: a plan made while another process writes would be stale.
        with writer_lease(state, tenant, "remediate"):
            return _remediate_leased(state, tenant, control_ids, settings, yes, as_json)
    except LeaseHeld as exc:  # one line, and the other tenants of a group still go ahead
        click.echo(f"error: {exc}", err=True)
        return {"tenant": tenant, "error": str(exc)}, exc.exit_code


def _remediate_leased(
    state: State, tenant: str, control_ids: tuple[str, ...], settings: tuple[str, ...], yes: bool, as_json: bool
) -> tuple[dict[str, Any], int]:
    from scorekeeper.render import print_plans, print_run

    out = console(err=as_json)
    with progress_bar(not as_json) as on_progress:
        run, plans = _plan(state, tenant, control_ids, settings, on_progress)
    unread = not_assessed([run], detail=True)
    automated = sum(len(p.automated) for p in plans)
    if plans:
        print_plans(out, plans, controls=state.plugins.controls)
    if not automated:
        out.print(f"No automated change to make in {tenant}.")
        nothing = {"run_id": None, "plan_run_id": run.run_id, "tenant": tenant, "kind": "remediate"}
        return {**nothing, "status": "nothing_to_do", "controls": []}, EXIT_ERROR if unread else EXIT_OK
    confirm_or_abort(f"Apply {automated} automated change(s) to tenant {tenant}", yes)
    with progress_bar(not as_json) as on_progress:
        engine = state.engine(on_progress)
        remediation = engine.remediate(tenant, plans, parent_run_id=run.run_id)
        result, stopped = run_writing(engine, tenant, "remediate", remediation)
    if not as_json:
        print_run(out, result)
    if stopped is not None:
        _stopped(result)
    elif not as_json:
        out.print(f"Undo with: scorekeeper rollback {result.run_id}")
    # The run as assess reports one: controls, each with its changes and the findings verify read back.
    output = {**result.to_dict(), "plan_run_id": run.run_id}
    if stopped is not None:
        return output, stopped
    return output, EXIT_ERROR if result.status == "failed" or unread else exit_code_for([result])


def _stopped(result: RunResult) -> None:
    """A write operation stopped by a signal: what is recorded and how to undo it (exit 130/143 follows)."""
    click.echo(
        f"interrupted: run {result.run_id} stopped before it finished ({len(result.changes)} change(s) recorded); "
        f"undo with: scorekeeper rollback {result.run_id}",
        err=True,
    )


@cli.command()
@click.argument("run_id", type=RUN_ID, required=False)
@tenant_options(all_flag=False, tenant_help="Verify the latest remediation of this tenant (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def verify(
    state: State, run_id: int | None, tenant_names: tuple[str, ...], group_names: tuple[str, ...], as_json: bool
) -> None:
    """Read back every setting a remediation (or rollback) changed."""
    state.preflight()
    if run_id is not None:
        run_ids = [run_id]
    else:
        if not tenant_names and not group_names:
            raise Failure("give a RUN_ID or --tenant NAME (or --group NAME)", EXIT_USAGE)
        run_ids = []
        for tenant in state.config.select_tenants(tenant_names, group_names):
            latest = state.store.latest_run(tenant, "remediate")
            if latest is None:
                raise Failure(f"tenant {tenant} has no remediation in history", EXIT_USAGE)
            run_ids.append(latest.id)
    results = []
    for one in run_ids:  # an EngineError (unknown run, nothing to verify) exits 1, as everywhere
        with progress_bar(not as_json) as on_progress:
            results.append(run_async(state.engine(on_progress).verify(one)))
    if as_json:
        emit_json(one_or_many([r.to_dict() for r in results]))
    else:
        from scorekeeper.render import print_run

        for result in results:
            print_run(console(), result)
    sys.exit(exit_code_for(results))


@cli.command()
@click.argument("run_id", type=RUN_ID)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def rollback(state: State, run_id: int, yes: bool, as_json: bool) -> None:
    """Make every change a run made equal to its recorded before-value again.

    Every change counts, also those that failed, had no answer or were cut short: each is
    re-read and restored only when it differs. Exit 1 when any could not be restored; the
    output says what is left and how to fix it by hand.
    """
    from scorekeeper.render import print_plans, print_restorations, print_run

    engine = state.engine()
    run = state.store.get_run(run_id)
    if run is None:
        raise Failure(f"no run {run_id} in history", EXIT_USAGE)
    out = console(err=as_json)
    with writer_lease(state, run.tenant, "rollback"):
        tenant, plans = engine.rollback_plans(run_id)  # nothing left to roll back: EngineError, exit 1
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


@cli.command()
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
        raise Failure("--keep-days and --dry-run go with `scorekeeper history prune`", EXIT_USAGE)
    assert not isinstance(run_id, str)

    if run_id is not None:
        run = state.store.get_run(run_id)
        if run is None:
            raise Failure(f"no run {run_id} in history", EXIT_USAGE)
        drift = state.store.drift_of_runs([run_id]).get(run_id, [])
        if as_json:
            emit_json({**run.to_dict(), "drift": [d.to_dict() for d in drift]})
        else:
            from scorekeeper.render import print_run

            out = console()
            print_run(out, run, details=True)
            if drift:
                from scorekeeper.render import diff_text
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

    from scorekeeper.model import Status
    from scorekeeper.render import RUN_MARKERS, local_time, run_marker

    table = Table("run", "tenant", "kind", "status", "started", "findings", "drift")
    for column in table.columns:
        column.no_wrap = column.header != "tenant"
    tallied = (Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL, Status.ERROR)
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
            f"[yellow]⚠ {drifted}[/]" if drifted else "",
        )
    out = console()
    out.print(table)
    hint = "" if show_all else " · plans hidden (--all)"
    out.print(f"[dim]{RUN_MARKERS}  ⚠ drift{hint}[/]")


def _summary_json(summary: Any, drift: int) -> dict[str, Any]:
    """A history row for machines: ``run_id`` (as every other output names a run), then the rest."""
    data = summary.to_dict()
    return {"run_id": data.pop("id"), **data, "drift": drift}


@cli.command()
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

    from scorekeeper.model import Attestation

    tenants = state.config.select_tenants(tenant_names, group_names)
    state.preflight()
    control = state.engine().select([control_id])[0]
    if setting not in control.setting_ids:
        raise Failure(
            f"control {control_id} has no setting {setting!r} (known: {', '.join(control.setting_ids)})", EXIT_USAGE
        )
    from scorekeeper.attestation_rules import attest_refusal

    refusal = attest_refusal(control, setting, tenants[0])
    if refusal:
        raise Failure(refusal, EXIT_USAGE)
    for tenant in tenants:
        attestation_id = state.store.record_attestation(
            Attestation(tenant, control_id, setting, by, note, datetime.now(UTC))
        )
        click.echo(f"attestation {attestation_id} recorded: {tenant}/{control_id}/{setting} by {by}")


@cli.command()
@tenant_options(all_flag=False)
@pass_state
def login(state: State, tenant_names: tuple[str, ...], group_names: tuple[str, ...]) -> None:
    """Sign in to the Azure portal API once, so later (scheduled) runs can read portal settings."""
    from scorekeeper.auth import portal_login

    for tenant in state.config.select_tenants(tenant_names, group_names):
        click.echo(portal_login(state.config.tenant(tenant), state.data_dir))


@cli.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@pass_state
def config_check(state: State) -> None:
    """Validate everything in one pass: the file, control settings, exceptions, credentials, notifications.

    Credential references are checked (a variable set, a file readable, a certificate that parses)
    without printing any value and without contacting a tenant. Expired exceptions are warnings.
    """
    from datetime import date

    from scorekeeper.configcheck import check_all

    report = check_all(state.config_path, state.plugins, data_dir=state.data_dir, today=date.today())
    source = str(report.source or state.config_path or "no config file (built-in demo tenant only)")
    for warning in report.warnings:
        click.echo(f"{source}: warning: {warning}", err=True)
    if report.problems:
        for problem in report.problems:
            click.echo(f"{source}: {problem}", err=True)
        raise Failure(f"{len(report.problems)} problem(s) in the configuration", EXIT_USAGE)
    assert report.config is not None
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    click.echo(
        f"{source}: OK — {len(report.config.tenants)} tenant(s), {len(state.plugins.controls)} control(s){warned}"
    )


def _register_config_show() -> None:
    from scorekeeper.commands.config_show import config_show

    config_group.add_command(config_show)


_register_config_show()


@cli.command()
@click.option("--keep", is_flag=True, help="Keep the demo tenant's current state instead of starting weak.")
@pass_state
def demo(state: State, keep: bool) -> None:
    """Run the whole flow against the simulated `demo` tenant: assess, remediate, verify, re-assess."""
    from scorekeeper.config import DEMO_TENANT
    from scorekeeper.render import print_plans, print_run

    tenant = state.config.tenant(DEMO_TENANT)
    out = console()
    if not keep and tenant.state and tenant.state.exists():
        tenant.state.unlink()
    out.rule("1. Assess the simulated tenant (no account needed)")
    engine = state.engine()
    [before] = run_async(engine.assess([DEMO_TENANT]))
    print_run(out, before)
    out.rule("2. Plan: what would change")
    plan_run, plans = run_async(engine.plan(DEMO_TENANT))
    print_plans(out, plans)
    out.rule("3. Remediate the automated settings and verify them")
    result = run_async(engine.remediate(DEMO_TENANT, plans, parent_run_id=plan_run.run_id))
    print_run(out, result)
    out.rule("4. Assess again")
    [after] = run_async(engine.assess([DEMO_TENANT]))
    print_run(out, after)
    fails = lambda run: sum(f.status.value == "fail" for f in run.findings)  # noqa: E731
    out.print(
        f"\nFailing settings: {fails(before)} before → {fails(after)} after. "
        f"Roll back with: scorekeeper rollback {result.run_id} --yes"
    )


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the CLI, turning every expected error into one line and an exit code."""
    from scorekeeper.eventloop import chosen_loop
    from scorekeeper.gcpolicy import relax_collection
    from scorekeeper.signals import Interrupted, raise_on_sigterm

    relax_collection()
    args = _debug_first(sys.argv[1:] if argv is None else argv)
    debug = args[:1] == ["--debug"]
    raise_on_sigterm()
    try:
        chosen_loop()  # a mistyped SCOREKEEPER_EVENT_LOOP is refused before anything runs
        cli.main(args=args, prog_name="scorekeeper", standalone_mode=False)
    except Interrupted as exc:  # nothing was left half-done: the engine recorded the run as interrupted
        _fail(f"{exc}; stopped (history records what was done)", exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted by SIGINT; stopped (history records what was done)", 130)
    except click.exceptions.Abort:  # Ctrl-C or end of input at a prompt, before anything ran
        _fail(NOTHING_CHANGED.replace("not confirmed", "interrupted"), EXIT_ERROR)
    except click.UsageError as exc:  # one line, with where to find help
        command = exc.ctx.command_path if exc.ctx is not None else "scorekeeper"
        _fail(f"{exc.format_message()} (see {command} --help)", EXIT_USAGE)
    except click.ClickException as exc:
        _fail(exc.format_message(), EXIT_USAGE)
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            raise
        from scorekeeper.configcheck import CredentialError

        if isinstance(exc, CredentialError):  # one line per tenant, not one per setting
            for line in exc.lines:
                click.echo(f"error: {line}", err=True)
            sys.exit(EXIT_USAGE)
        _fail(*_classify(exc))
    sys.exit(EXIT_OK)


def _debug_first(args: list[str]) -> list[str]:
    """``--debug`` is accepted anywhere on the line (the error message says "run with --debug")."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return list(args)
    rest = [a for i, a in enumerate(args) if not (a == "--debug" and i < end)]
    return ["--debug", *rest]


def _classify(exc: Exception) -> tuple[str, int]:
    """One line and the exit code the error itself carries (see :mod:`scorekeeper.errors`)."""
    if isinstance(exc, ScorekeeperError):
        return str(exc), error_exit_code(exc)
    return f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)", EXIT_ERROR


def _fail(message: str, code: int) -> NoReturn:
    if code == EXIT_OK:
        click.echo(message, err=True)
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)

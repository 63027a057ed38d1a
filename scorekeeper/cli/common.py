"""What every command needs: the shared state, one-line failures, JSON output, progress, confirmations.

The commands of every family import from here, never from :mod:`scorekeeper.cli.main` (which
registers them): the root group knows its commands, the commands know only this module.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scorekeeper.errors import (
    EXIT_ERROR,
    EXIT_USAGE,
    CommandFailed,  # defined in the one error tree
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

if TYPE_CHECKING:
    from rich.console import Console

    from scorekeeper.domain.model import RunResult
    from scorekeeper.engine import Engine
    from scorekeeper.engine.base import EngineBase


NOTHING_CHANGED = "not confirmed: nothing was changed"
#: A run id as history stores it (a 64-bit integer): a larger number is a usage error, not an overflow.
RUN_ID = click.IntRange(1, 2**63 - 1)


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
            from scorekeeper.config.model import load_config

            self._config = load_config(self.config_path, data_dir=self.data_dir)
        return self._config

    @property
    def data_dir(self) -> Path:
        from scorekeeper.config.model import default_data_dir

        return default_data_dir()

    @property
    def plugins(self) -> Any:
        if self._plugins is None:
            from scorekeeper.plugin.manager import load_plugins

            self._plugins = load_plugins()
            for problem in self._plugins.problems:
                click.echo(f"warning: {problem}", err=True)
        return self._plugins

    @property
    def history_url(self) -> str | None:
        """Where history is configured to be (``--db``, else ``$SCOREKEEPER_DB``, else ``[scorekeeper] db``);
        ``None``: the default file. Read without opening anything."""
        return self.db or os.environ.get("SCOREKEEPER_DB") or self.config.settings.db

    @property
    def store(self) -> Any:
        if self._store is None:
            from scorekeeper.store import HistoryStore

            url = self.history_url
            if url and "://" not in url:  # a path: never create an empty database somewhere unexpected
                folder = Path(url).expanduser().parent
                if not folder.is_dir():
                    raise CommandFailed(
                        f"history database {url}: folder {folder} does not exist (create it or fix the path)",
                        EXIT_USAGE,
                    )
            self._store = HistoryStore.open(url)
            from scorekeeper.util.quickexit import close_at_exit

            close_at_exit(self._store.close)  # a quick exit closes it as the interpreter's teardown did
            self._store.interrupt_stale_runs()  # runs left "running" by a process that died
        return self._store

    def existing_store(self, looking_for: str = "", *, missing: str = "") -> Any:
        """The history store, for a command that only looks something up in it (a run by id, a schedule).

        Such a command must not create a database to find it empty: when the history is a file
        that does not exist yet, ``looking_for`` ("run 5") is a usage error (exit 2) naming the
        file — or exactly ``missing``, the line the command gives for an absent item — and nothing
        is created. A database URL is opened as usual.
        """
        if self._store is None:
            from scorekeeper.store.db import default_path

            url = self.history_url
            if not url or "://" not in url:
                path = Path(url).expanduser() if url else default_path()
                if not path.exists():
                    line = missing or f"no {looking_for}: there is no history yet ({path} does not exist)"
                    raise CommandFailed(line, EXIT_USAGE)
        return self.store

    def preflight(self, tenants: list[str] | tuple[str, ...] = ()) -> None:
        """What ``config check`` would refuse stops here: before a tenant is read or history is opened."""
        from scorekeeper.engine.preflight import preflight

        preflight(self.config, self.plugins, tenants)

    def engine(self, on_progress: Callable[..., None] | None = None) -> Engine:
        from scorekeeper.engine import Engine

        engine = Engine(self.config, self.plugins, self.store, self.data_dir)
        if on_progress is not None:
            engine.on_progress = on_progress
        return engine


pass_state = click.make_pass_decorator(State)


def console(err: bool = False) -> Console:
    """The rich console every command prints with: tenant text in it reaches the terminal cleaned.

    The one choke point of the CLI's rich output. Whatever a command hands it — a table of
    findings, a Graph error message, a Secure Score title, markup with tenant text inside — is
    rendered to segments first, and every segment's text (never rich's own control segments)
    passes :func:`scorekeeper.util.safetext.clean`: no ESC/CSI/OSC, no C1 controls, no bidi
    overrides, nothing invisible. Styles are kept apart from the text, so colours stay.
    """
    return _safe_console_type()(stderr=err, highlight=False)


@functools.cache
def _safe_console_type() -> type[Console]:
    """Built on first use, so that ``scorekeeper --help`` does not import rich."""
    from rich.console import Console
    from rich.segment import Segment

    from scorekeeper.util.safetext import clean, is_clean

    class SafeConsole(Console):
        def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
            for segment in super().render(renderable, options):
                if segment.control or is_clean(segment.text):
                    yield segment
                else:
                    yield Segment(clean(segment.text), segment.style)

    return SafeConsole


def echo(message: str, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for lines that carry tenant text (reasons, error messages): cleaned first.

    The plain-text twin of :func:`console`; a command prints tenant text through one or the other.
    """
    from scorekeeper.util.safetext import clean

    click.echo(clean(message), err=err, nl=nl)


def emit_json(data: Any) -> None:
    """Print a ``--json`` document: an object with ``schema_version`` first (see ``scorekeeper.cli.schemas``)."""
    from scorekeeper.cli.schemas import versioned

    click.echo(json.dumps(versioned(data) if isinstance(data, dict) else data, indent=2, default=str))


def one_or_many(items: list[dict[str, Any]]) -> dict[str, Any]:
    """One tenant's document itself, or ``{"runs": [...]}`` for several: the run commands' one shape."""
    return items[0] if len(items) == 1 else {"runs": items}


def exit_code_for(runs: list[RunResult]) -> int:
    """3 when a setting fails; else 1 when something could not be assessed; else 0.

    An unreachable tenant, an expired portal sign-in or a missing permission leaves settings
    ``unknown``: a script must not read that as a clean bill of health.
    """
    from scorekeeper.domain.outcome import run_exit_code

    code = run_exit_code(runs)
    if code == EXIT_ERROR:
        not_assessed(runs)  # says what
    return code


def not_assessed(runs: list[RunResult], *, detail: bool = False) -> bool:
    """Whether something in ``runs`` could not be assessed; if so, says what on stderr.

    ``detail`` names each unread setting and why (``plan`` and ``remediate``, where the admin is
    about to act on the result, and a CI job must not read "nothing to change" as all-clear).
    """
    from scorekeeper.domain.outcome import could_not_assess, incomplete, unreachable, unread

    if not could_not_assess(runs):
        return False
    settings = unread(runs)
    gone = unreachable(runs)
    if not settings and gone and all(r.unreachable for r in runs if incomplete(r)):
        # Each tenant never reached had its one line (or JSON) already: the reason is not repeated.
        echo(f"note: {len(gone)} tenant(s) could not be reached; exit code {EXIT_ERROR}", err=True)
        return True
    what = f"{len(settings)} setting(s) could not be assessed" if settings else "a run did not complete"
    echo(f"note: {what}; exit code {EXIT_ERROR}", err=True)
    if detail:
        for item in settings:  # the reason is often Graph's own error message: tenant text
            where = f"{item.tenant}/{item.control}/{item.finding.setting}"
            echo(f"  could not read {where}: {item.finding.reason}", err=True)
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
    """Run a read-only operation; SIGINT/SIGTERM stop it at once (exit 130/143, see ``signals.py``).

    Inside :func:`signals_remembered` a signal the command received earlier stops it before it
    starts, and one that comes as it finishes still stops the command (its result is not used).
    """
    from scorekeeper.safety.signals import stop_on_signals

    with stop_on_signals() as stop:
        return stop.run(coro)


def run_writing(engine: EngineBase, tenant: str | None, kind: str, coro: Any) -> tuple[Any, int | None]:
    """Run an operation that writes; a signal closes the engine's write gate instead of cancelling.

    Returns the result and the exit code the signal asks for (``None`` when none came). A signal
    the command received before (inside :func:`signals_remembered`) refuses to start it: nothing
    is written, and :class:`~scorekeeper.errors.Interrupted` says so. ``tenant`` names the run to
    roll back when the writes had to be cancelled (``None``: several tenants, no one run to name).
    """
    from scorekeeper.safety.signals import Interrupted, stop_on_signals

    with stop_on_signals(engine.write_gate) as stop:
        try:
            result = stop.run(coro)
        except Interrupted as exc:
            if not stop.started:  # stopped between plan and first write: the coroutine never ran
                nothing = f"interrupted by {exc.name} before any write: nothing was written"
                raise Interrupted(exc.signum, nothing) from None
            # the write in flight outlived the grace period, or a second signal
            run = engine.store.latest_run(tenant, kind) if tenant is not None else None
            undo = f"; undo with: scorekeeper rollback {run.id}" if run is not None and kind == "remediate" else ""
            raise Interrupted(exc.signum, f"{exc}: cancelled before the write in flight finished{undo}") from None
    return result, stop.exit_code


@contextmanager
def signals_remembered() -> Iterator[Any]:
    """One memory of SIGINT/SIGTERM for a command that plans, asks, then writes (``safety/signals.py``).

    The plan's :func:`run_async`, the prompt (:func:`confirm_or_abort`) and the writes'
    :func:`run_writing` inside the block share it: a signal at any moment — as the plan
    finishes, between the two event loops, at the prompt — is remembered, and no write starts
    after it. The yielded object's ``signum``/``exit_code`` say whether one came.
    """
    from scorekeeper.safety.signals import stop_on_signals

    with stop_on_signals() as stop:
        yield stop


@contextmanager
def lease_or_fail(state: State, tenant: str, purpose: str) -> Iterator[None]:
    """Hold the tenant's writer lease (``scorekeeper/safety/lease.py``); another writer is one line and exit 1."""
    from scorekeeper.safety.lease import LeaseHeld, lease_key
    from scorekeeper.safety.lease import writer_lease as lease

    config = state.config.tenant(tenant)
    try:
        # Keyed like every other writer's (the tenant's directory), so the engine's own lease joins it.
        with lease(state.store, tenant, purpose, key=lease_key(tenant, config.tenant_id, config.graph_url)):
            yield
    except LeaseHeld as exc:
        raise CommandFailed(str(exc), exc.exit_code) from None


def confirm_or_abort(what: str, yes: bool) -> None:
    """Ask before writing (``--yes``: don't). Inside :func:`signals_remembered`, a signal already
    received stops here (exit 130/143), and Ctrl-C at the prompt is "not confirmed" (exit 1)."""
    from scorekeeper.safety.signals import prompting

    with prompting():
        if yes:
            return
        if not sys.stdin.isatty():
            raise CommandFailed(f"refusing to {what} without confirmation: run in a terminal or pass --yes", EXIT_USAGE)
        if not click.confirm(f"{what}?", default=False):
            raise CommandFailed(NOTHING_CHANGED, EXIT_ERROR)


def selection_label(names: tuple[str, ...], groups: tuple[str, ...]) -> str:
    """`` for tenant a, b and group g`` (empty when nothing was selected), for "nothing found" lines."""
    parts = [f"{kind} {', '.join(given)}" for kind, given in (("tenant", names), ("group", groups)) if given]
    return f" for {' and '.join(parts)}" if parts else ""


def _history_names(state: State) -> list[str]:
    """The tenants history holds runs of ([] when there is no history database yet)."""
    try:
        return list(state.store.tenant_ids())
    except Exception:  # no database, or one that cannot be opened: only configured names count
        return []


def newest_first(
    state: State, names: tuple[str, ...], groups: tuple[str, ...], query: Callable[[str | None], list[Any]], limit: int
) -> list[Any]:
    """``query`` for every tenant ``--tenant``/``--group`` name (or once for all), newest ``limit`` rows.

    Rows carry ``started_at`` or ``at`` and an ``id``; history and drift listings share this.
    A ``--tenant`` no longer in the config still lists its history.
    """
    if not names and not groups:
        return query(None)
    # A tenant no longer configured but in history still lists; any other unknown name exits 2.
    tenants = state.config.select_tenants(names, groups, configured_only=False, in_history=_history_names(state))
    rows = [row for tenant in tenants for row in query(tenant)]
    rows.sort(key=lambda r: (getattr(r, "started_at", None) or getattr(r, "at", None), r.id), reverse=True)
    return rows[:limit]

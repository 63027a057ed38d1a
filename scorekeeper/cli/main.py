"""The ``scorekeeper`` command: the root group, its options, logging, and the exit-code contract.

The commands themselves live in one module per family (``inventory``, ``operations``,
``history``, ``onboarding``), each adding its commands through ``register_commands(cli)``; the
heavy families (simulator, TUI, scheduler, fleet, ...) are registered by name in
:attr:`LazyGroup.lazy` and imported only when run, so that ``scorekeeper --help`` stays fast.
Families import :mod:`scorekeeper.cli.common`, never this module: only this module knows them all.

Exit codes: 0 success and nothing fails; 3 at least one setting fails; 2 usage or config
error; 1 anything else. Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import ClassVar, NoReturn

import click

from scorekeeper.cli import history, inventory, onboarding, operations
from scorekeeper.cli.common import NOTHING_CHANGED, State
from scorekeeper.cli.common import exit_code_for as exit_code_for  # re-exported: plugin tests import it from here
from scorekeeper.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, ScorekeeperError
from scorekeeper.errors import exit_code_of as error_exit_code
from scorekeeper.util.safetext import clean

EPILOG = (
    "Exit codes: 0 every setting assessed and none fails, 3 a setting fails, 1 a setting could not be"
    " assessed (unknown/error) or another error, 2 usage or config error."
)


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
    "simulator": ("scorekeeper.cli.simulator:simulator", "Run and control the tenant simulator."),
    "tui": ("scorekeeper.cli.tui:tui", "Open the dashboard (Textual)."),
    "schedule": ("scorekeeper.cli.scheduler:schedule", "Add, list, pause, resume and remove scheduled assessments."),
    "scheduler": ("scorekeeper.cli.scheduler:scheduler", "Run scheduled assessments in the foreground (daemon)."),
    "drift": (
        "scorekeeper.cli.scheduler:drift",
        "Show drift: settings off their baseline, settings that stopped passing, scores that dropped.",
    ),
    "plugin": ("scorekeeper.cli.plugin:plugin", "Tools for plugin authors (scaffold a new plugin)."),
    "score": ("scorekeeper.cli.score:score", "Show the whole Secure Score: every control, points, state."),
    "worker": ("scorekeeper.cli.fleet:worker", "Run queued assessments from the PostgreSQL history (fleets)."),
    "fleet": ("scorekeeper.cli.fleet:fleet", "Set up and inspect the fleet job queue (fleet init, fleet status)."),
    "report": ("scorekeeper.cli.report:report", "A run or a fleet as HTML, Markdown, JSON, CSV, JUnit or SARIF."),
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
            # A log line can carry Graph's or a tenant's text: cleaned like every other output.
            click.echo(clean(f"{record.levelname.lower()}: {record.getMessage()}".splitlines()[0]), err=True)
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


# The eager families: cheap to import, so their commands are real Click objects. ``--help`` sorts
# commands by name, so the order of these calls changes no output.
inventory.register_commands(cli)
operations.register_commands(cli)
history.register_commands(cli)
onboarding.register_commands(cli)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the CLI, turning every expected error into one line and an exit code.

    As the process's own entry point (``argv`` not given) it ends the process without the
    interpreter's teardown once the command is done (``util/quickexit.py``); called in-process
    with ``argv``, it raises ``SystemExit`` as before and leaves the caller's interpreter alone.
    """
    if argv is not None:
        _main(argv)
    from scorekeeper.util.quickexit import leaving_quickly

    with leaving_quickly():
        _main(None)


def _main(argv: list[str] | None) -> NoReturn:
    from scorekeeper.safety.signals import Interrupted, raise_on_sigterm
    from scorekeeper.util.eventloop import chosen_loop
    from scorekeeper.util.gcpolicy import relax_collection

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
        from scorekeeper.engine.preflight import CredentialError

        if isinstance(exc, CredentialError):  # one line per tenant, not one per setting
            for line in exc.lines:
                click.echo(f"error: {clean(line)}", err=True)
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
    """One line on stderr, then exit: ``error:`` marks a failure, a clean stop (exit 0) has no prefix."""
    message = clean(message)  # an error's text can quote the tenant or Microsoft
    if code == EXIT_OK:
        click.echo(message, err=True)
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)

"""Every error scorekeeper raises on purpose, in one tree, each carrying its exit code.

The CLI's ``main()`` prints ``str(error)`` as one line and exits with ``error.exit_code``: no
class-name matching, no second table of codes. A new error joins the tree under the branch
whose exit code it shares::

    ScorekeeperError (exit 1)                  anything scorekeeper refuses or cannot do
    ├── UsageError (exit 2)                     the person asked for something malformed
    │   ├── ConfigError                         the config file or a [controls.*] table is wrong
    │   ├── ScaffoldError                       ``plugin new`` cannot create the skeleton
    │   ├── NamingError                         a control id or package name is unusable
    │   └── ScheduleError                       a schedule expression is invalid
    ├── EngineError (exit 1)                    a request the engine cannot carry out
    │   ├── NotFound (exit 2, also a UsageError) the run (or other thing) named does not exist
    │   ├── PlanViolation                       a plugin wrote a setting the plan does not list
    │   ├── LeaseHeld (scorekeeper.lease)       another process is writing to the tenant
    │   └── WritesStopped                       a write was refused because a stop was requested
    ├── StoreError (exit 1)                     the history database refused or lacks a record
    ├── AuthError (exit 1)                      credentials could not be built or used
    ├── RemediationBlocked (exit 1)             a plugin stopped before writing anything
    └── WebhookError (exit 1)                   a notification could not be delivered

Outside the tree on purpose: ``scorekeeper.signals.Interrupted`` (SIGINT/SIGTERM, exit 130 /
143) is a ``BaseException`` so that no ``except Exception`` can swallow a stop; and
``GraphCallError`` (``scorekeeper.graph``) is the answer of a Microsoft API, which plugins turn
into findings or recorded changes — when one reaches ``main()`` it exits 1.

Exit codes, once: 0 success and nothing fails; 1 runtime error (or a setting could not be
read); 2 usage or config error; 3 a setting fails; 130/143 interrupted by SIGINT/SIGTERM.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from scorekeeper.config import Config

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FAIL = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class ScorekeeperError(Exception):
    """The root: an expected failure, printed as one line, exiting with :attr:`exit_code`."""

    exit_code: ClassVar[int] = EXIT_ERROR


class UsageError(ScorekeeperError):
    """The person asked for something malformed (bad option, bad config): exit 2."""

    exit_code: ClassVar[int] = EXIT_USAGE


class ConfigError(UsageError):
    """Every problem found in a configuration, one line each, with the file they were found in."""

    def __init__(
        self,
        problems: list[str],
        source: Path | None = None,
        controls: dict[str, dict[str, Any]] | None = None,
        overrides: dict[str, dict[str, dict[str, Any]]] | None = None,
        partial: Config | None = None,
    ) -> None:
        self.problems = problems
        self.source = source
        #: The ``[controls.*]`` tables as read, so ``config check`` can validate them as well.
        self.controls = controls or {}
        #: What did validate (tenants, exceptions, notifications), so ``config check`` can go on
        #: to check exception targets, credentials and channels in the same pass.
        self.partial = partial
        #: The ``[tenants.NAME.controls.*]`` tables as read (tenant → control → values), likewise.
        self.overrides = overrides or {}
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(problems))


class EngineError(ScorekeeperError):
    """A request the engine cannot carry out (unknown run, nothing to roll back...)."""


class PlanViolation(EngineError):
    """A plugin tried to write a setting that the confirmed plan does not list; nothing was written."""


class NotFound(EngineError, UsageError):
    """Something the person named does not exist (a run id, say): a usage error, exit 2, wherever it is met."""

    exit_code: ClassVar[int] = EXIT_USAGE


class WritesStopped(EngineError):
    """A write was refused at the write helper's entry because a stop was requested (a signal).

    Raised by :meth:`scorekeeper.TenantContext.write` (and friends) once the engine's
    ``write_gate`` (:class:`scorekeeper.writegate.WriteGate`) was closed — by a signal or a lost
    writer lease; nothing of that write was recorded or sent.
    """


class StoreError(ScorekeeperError):
    """The history database cannot be used as asked: unreachable, newer than this code, bad input.

    The message is meant for the admin as is (one line, what is wrong and what to do); it never
    contains a database password.
    """


class AuthError(ScorekeeperError):
    """A credential could not be built from the config (missing variable, unreadable file)."""


class RemediationBlocked(ScorekeeperError):
    """A plugin cannot start a remediation; nothing has been written. The message says why."""


def exit_code_of(error: BaseException) -> int:
    """The exit code for ``error``: its own for a :class:`ScorekeeperError`, 1 for anything else."""
    if isinstance(error, ScorekeeperError):
        code = getattr(error, "code", None)
        return code if isinstance(code, int) and not isinstance(code, bool) else error.exit_code
    return EXIT_ERROR

"""Every error scorekeeper raises on purpose, in one tree, each carrying its exit code.

The CLI's ``main()`` prints ``str(error)`` as one line and exits with ``error.exit_code``: no
class-name matching, no second table of codes. Every exception class the package raises is
defined here (httpx's ``_exceptions.py`` shape) and the modules that raise them import them from
here; a new error joins the tree under the branch whose exit code it shares::

    ScorekeeperError (exit 1)                  anything scorekeeper refuses or cannot do
    ├── UsageError (exit 2)                     the person asked for something malformed
    │   ├── ConfigError                         the config file or a [controls.*] table is wrong
    │   ├── ScaffoldError                       ``plugin new`` cannot create the skeleton
    │   ├── NamingError (also ValueError)       a control id or package name is unusable
    │   ├── ScheduleError (also ValueError)     a schedule expression is invalid
    │   ├── UnknownEventLoop                    SCOREKEEPER_EVENT_LOOP names no known loop
    │   └── ProfileError                        an unknown simulator profile or a malformed one
    │       └── FixtureError                    fixture data that cannot make a tenant
    ├── EngineError (exit 1)                    a request the engine cannot carry out
    │   ├── NotFound (exit 2, also a UsageError) the run (or other thing) named does not exist
    │   ├── PlanViolation                       a plugin wrote a setting the plan does not list
    │   ├── LeaseHeld                           another process is writing to the tenant
    │   ├── WritesStopped                       a write was refused because a stop was requested
    │   └── NothingToRollBack (exit 0)          every change of the run is already rolled back
    ├── StoreError (exit 1)                     the history database refused or lacks a record
    │   └── FleetError                          the fleet cannot use this database
    ├── AuthError (exit 1)                      credentials could not be built or used
    ├── RemediationBlocked (exit 1)             a plugin stopped before writing anything
    ├── WebhookError (exit 1)                   a notification could not be delivered
    ├── StateRefused (exit 1)                   Graph refused a Secure Score control-state update
    ├── SimulatorStateError (exit 1)            a simulator state file cannot be read
    └── CommandFailed (its own code)            a command's one-line refusal (the CLI's)

Outside ``ScorekeeperError``, on purpose, and still here:

* ``Interrupted`` (SIGINT/SIGTERM, exit 130 / 143) and ``TenantThrottled`` (a fleet job handed
  back to the queue) are ``BaseException`` so that no ``except Exception`` can swallow a stop;
* ``GraphCallError`` (and ``PortalError``) is the answer of a Microsoft API, which plugins turn
  into findings or recorded changes — public as ``scorekeeper.GraphCallError``; when one reaches
  ``main()`` it exits 1;
* internal signals caught where they are raised, never shown as such: ``CredentialError``
  (collected into ``config check``'s lines), ``SecureScoreReadError``, ``ReportError``,
  ``WriteLockBusy``, ``MissingPermissionIdError``, ``HookResultError`` (a ``TypeError``: a
  plugin's wrong return type), ``CellFilterError`` (a ``ValueError``: the dashboard's filter
  line), and the simulator's ``TokenError``, ``ODataFilterError``, ``SecureScoreDataError``,
  which become Microsoft-shaped HTTP answers.

This module imports nothing of scorekeeper (an import-linter contract says so): it is the root.

Exit codes, once: 0 success and nothing fails; 1 runtime error (or a setting could not be
read); 2 usage or config error; 3 a setting fails; 130/143 interrupted by SIGINT/SIGTERM.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

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
        partial: Any = None,
    ) -> None:
        self.problems = problems
        self.source = source
        #: The ``[controls.*]`` tables as read, so ``config check`` can validate them as well.
        self.controls = controls or {}
        #: What did validate (a partial :class:`scorekeeper.config.model.Config`: tenants, exceptions,
        #: notifications; typed ``Any`` because this module imports nothing), so ``config check`` can go on
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


class NothingToRollBack(EngineError):
    """Every change of the run was already rolled back (or it made none): nothing is left to do.

    Not a failure: the tenant is as the run found it, as far as that run is concerned, so a
    second ``scorekeeper rollback RUN`` exits 0 with this one line (no ``error:`` prefix, as
    :func:`exit_code_of` gives 0). An :class:`EngineError` still, so a caller that shows
    engine refusals as a notice (the dashboard) keeps doing so.
    """

    exit_code: ClassVar[int] = EXIT_OK

    def __init__(self, run_id: int, message: str) -> None:
        self.run_id = run_id
        super().__init__(message)


class WritesStopped(EngineError):
    """A write was refused at the write helper's entry because a stop was requested (a signal).

    Raised by :meth:`scorekeeper.TenantContext.write` (and friends) once the engine's
    ``write_gate`` (:class:`scorekeeper.safety.gate.WriteGate`) was closed — by a signal or a lost
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


# ----------------------------------------------------------------- usage errors

class ScaffoldError(UsageError):
    """The project cannot be written (the folder exists, or the disk refused); one line for the CLI."""


class NamingError(UsageError, ValueError):
    """A NAME or control id that cannot be used; the message is one line saying what to type instead."""


class ScheduleError(UsageError, ValueError):
    """A schedule definition that cannot be used; the message is one line for the admin."""


class UnknownEventLoop(UsageError):
    """``SCOREKEEPER_EVENT_LOOP`` names a loop this module does not know."""


class ProfileError(UsageError):
    """An unknown profile name or a malformed profile file."""


class FixtureError(ProfileError):
    """Fixture data that cannot make a tenant; the message names the problem and what is allowed."""


# ----------------------------------------------------------------- engine, store and delivery

class LeaseHeld(EngineError):
    """Another writer holds the tenant's lease; the message is the one line to show (exit 1)."""

    def __init__(self, tenant: str, holder: Any) -> None:
        # holder: a scorekeeper.store.leases.LeaseHolder (typed Any: this module imports nothing)
        self.tenant = tenant
        self.holder = holder
        super().__init__(
            f"tenant {tenant} is being changed by {holder.describe()}; nothing was written — "
            "wait for it to finish (if that process is gone, its lease expires after a few missed heartbeats)"
        )


class FleetError(StoreError):
    """The fleet cannot work with this database (not PostgreSQL, no schema, driver missing)."""


class WebhookError(ScorekeeperError):
    """The notification could not be delivered; the message names the host, never the URL."""


class StateRefused(ScorekeeperError):
    """Graph refused the update (403): the message names the permission to grant."""


class SimulatorStateError(ScorekeeperError):
    """A state file that cannot be read (missing, not JSON, another format)."""


class CommandFailed(ScorekeeperError):
    """A one-line error with its exit code, raised by commands and printed by :func:`main`."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# ----------------------------------------------------------------- outside ScorekeeperError on purpose

class Interrupted(BaseException):
    """The command was stopped by a signal. A ``BaseException`` so no ``except Exception`` swallows it."""

    def __init__(self, signum: int, message: str = "") -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        super().__init__(message or f"interrupted by {name}")

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class TenantThrottled(BaseException):
    """Microsoft asked this tenant's caller to wait longer than the current job may sleep."""

    def __init__(self, retry_after: float, what: str = "") -> None:
        self.retry_after = retry_after
        self.what = what
        super().__init__(f"throttled{f' ({what})' if what else ''}: Retry-After {retry_after:g} s")


@dataclass
class GraphCallError(Exception):
    """A call to Graph or the portal API that did not succeed.

    ``status`` is 0 when no HTTP response arrived (connection reset, timeout, bad JSON).
    ``retry_after`` is the answer's ``Retry-After`` in seconds, when it carried one (a 429 or
    503): how long Microsoft asked the caller to wait before sending again.
    """

    status: int
    code: str
    message: str
    retry_after: float | None = field(default=None, compare=False, kw_only=True)

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no response"
        return f"{where} {self.code}: {self.message}".strip()

    @property
    def is_permission_denied(self) -> bool:
        return self.status == 403

    @property
    def is_throttled(self) -> bool:
        return self.status == 429


class PortalError(GraphCallError):
    """A failed call to the Azure portal's SSPR API."""


class CredentialError(Exception):
    """Credentials of the named tenants cannot be built; one line per tenant, exit 2."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class SecureScoreReadError(Exception):
    """Secure Score could not be read; ``missing_permission`` is set when Graph refused (403)."""

    def __init__(self, message: str, *, status: int = 0, missing_permission: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.missing_permission = missing_permission


class ReportError(Exception):
    """A report that cannot be made from history (no such run, a tenant never assessed)."""


class WriteLockBusy(Exception):
    """Another connection held SQLite's write lock; the transaction was not begun."""


class MissingPermissionIdError(ValueError):
    """Permissions whose Microsoft Graph id :mod:`scorekeeper.engine.permission_ids` does not hold."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            f"no Microsoft Graph permission id recorded for {', '.join(missing)}; "
            "no manifest printed (add the id from Microsoft's permissions reference "
            "to scorekeeper/engine/permission_ids.py)"
        )


class HookResultError(TypeError):
    """A plugin's hook or controller method returned something of the wrong type."""


class CellFilterError(ValueError):
    """A filter that names an unknown group or state; the message is the one line to show."""


class TokenError(Exception):
    """Why a bearer token was refused; the message becomes Graph's 401 error message."""


class ODataFilterError(Exception):
    pass


class SecureScoreDataError(Exception):
    """A catalogue or status file that does not describe a profile (a bug in the package data)."""



def exit_code_of(error: BaseException) -> int:
    """The exit code for ``error``: its own for a :class:`ScorekeeperError`, 1 for anything else."""
    if isinstance(error, ScorekeeperError):
        code = getattr(error, "code", None)
        return code if isinstance(code, int) and not isinstance(code, bool) else error.exit_code
    return EXIT_ERROR

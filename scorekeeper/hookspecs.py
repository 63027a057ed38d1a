"""The plugin contract: every hook a scorekeeper plugin may implement.

The docstrings here are the reference documentation (``docs/hooks.md`` is generated from them
by ``python -m scorekeeper.kit.hookdoc``), so they say when a hook is called, what it receives
and what it must return.

Implementations may be plain functions or ``async def``; the engine awaits whatever is
awaitable. Hooks that answer for one control are ``firstresult`` and are only ever called on
the plugin that declared that control, so one plugin can never answer for another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from scorekeeper.model import Change, Control, Finding, Plan
    from scorekeeper.tenant import Assessment, TenantContext

#: The major version of this contract. A control declares the version it targets in
#: ``Control.hookspec_version``; the plugin manager refuses one written for another major.
HOOKSPEC_VERSION = 1

hookspec = pluggy.HookspecMarker("scorekeeper")
hookimpl = pluggy.HookimplMarker("scorekeeper")


@hookspec
def scorekeeper_controls() -> list[Control]:
    """Declare the Secure Score controls this plugin provides.

    Called once when plugins load. Return a list of :class:`scorekeeper.Control`, each with its
    Secure Score control id (for example ``SelfServicePasswordReset``), its settings with the
    least-privileged read and write permissions of each, the minimum licence, the APIs and auth
    flows it needs, and a pydantic ``config_model`` whose defaults are the desired values and
    which validates ``[controls.<id>]`` in the config file.

    Two plugins declaring the same control id is a load error naming both.
    """


@hookspec(firstresult=True)
def assess(control: Control, tenant: TenantContext) -> Awaitable[list[Finding] | Assessment] | list[Finding] | None:
    """Read the tenant and return one :class:`scorekeeper.Finding` per setting of ``control``.

    Called only on the plugin that declared ``control``. Assessment must never write to the
    tenant. A value that cannot be read is ``Status.UNKNOWN`` with the reason (and
    ``missing_permissions`` when Graph answered 403), never ``Status.FAIL``.

    Return either a list of findings or a :class:`scorekeeper.Assessment`, which also carries
    the control's Secure Score as the tenant reports it. Report per-setting progress through
    ``tenant.progress``.
    """


@hookspec(firstresult=True)
def remediate(control: Control, tenant: TenantContext, plan: Plan) -> Awaitable[list[Change]] | list[Change] | None:
    """Carry out the automated items of ``plan`` and return the changes made.

    Called only after the plan was shown to a person and confirmed (or ``--yes`` was given), and
    only with items the plan lists. Every write must happen inside ``async with
    tenant.record_change(...)``: the engine stores the value before the write has started, so a
    crash mid-write can still be rolled back.

    A rollback is a remediation too: its items carry ``undo`` (the recorded change to reverse)
    and ``desired`` is the recorded before-value; when ``undo.created`` is true the resource in
    ``undo.resource`` is deleted instead.
    """


@hookspec(firstresult=True)
def verify(
    control: Control, tenant: TenantContext, changes: list[Change]
) -> Awaitable[list[Finding]] | list[Finding] | None:
    """Read back every setting that ``changes`` touched and return a finding for each.

    A write that did not stick is ``Status.FAIL`` with the before and observed values in its
    reason. Plugins that do not implement this hook get the engine's default, which re-runs
    ``assess`` and keeps the findings of the changed settings.
    """


@hookspec
def scorekeeper_notify(event: dict[str, Any], config: dict[str, Any]) -> Awaitable[None] | None:
    """Deliver a notification (drift, a failed scheduled run, remediation done, an expired exception).

    Called on every plugin that implements it. ``event`` is a JSON-compatible dict with at least
    ``kind``, ``tenant``, ``summary`` and ``at``. ``config`` is the ``[notifications.<plugin
    name>]`` table of the config file (empty when absent): a channel that is not configured
    simply returns. A channel that raises is logged and isolated from the others.
    """

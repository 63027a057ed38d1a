"""The plugin contract: every hook a scorekeeper plugin may implement.

The docstrings here are the reference documentation (``docs/hooks.md`` is generated from them
by ``python -m scorekeeper.kit.hookdoc``), so they say when a hook is called, what it receives
and what it must return.

Version 2 of the contract works like llm's ``register_models(register)``: a plugin *registers*
objects that carry behaviour. A control plugin registers one :class:`scorekeeper.Controller`
per Secure Score control; the engine then calls that object's ``assess``, ``remediate``,
``verify`` and ``rollback`` directly. No per-control guard, and one plugin can never answer for
another's control. Every hook name starts with ``scorekeeper_``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from scorekeeper.plugin.controller import RegisterControl

#: The major version of this contract. A control declares the version it targets in
#: ``Control.hookspec_version``; the plugin manager refuses one written for another major, and
#: a plugin still implementing version 1's hooks (``scorekeeper_controls``, ``assess``,
#: ``remediate``, ``verify``) is refused with a line saying what to change.
HOOKSPEC_VERSION = 2

hookspec = pluggy.HookspecMarker("scorekeeper")
hookimpl = pluggy.HookimplMarker("scorekeeper")


@hookspec
def scorekeeper_register_controls(register: RegisterControl) -> None:
    """Register the Secure Score controls this plugin provides: call ``register(controller)`` once each.

    Called once when plugins load. ``controller`` is an instance of a
    :class:`scorekeeper.Controller` subclass whose ``control`` attribute declares the control:
    its Secure Score id (for example ``SelfServicePasswordReset``), its settings with the
    least-privileged read and write permissions of each, the minimum licence, the APIs and auth
    flows it needs, and a pydantic ``config_model`` whose defaults are the desired values and
    which validates ``[controls.<id>]`` in the config file.

    The engine calls the controller's methods directly: ``assess(tenant)`` (required),
    ``remediate(tenant, plan)``, ``verify(tenant, changes)`` and ``rollback(tenant, change)``;
    see :class:`scorekeeper.Controller` for what each receives and returns.

    Must be a plain function returning ``None``. Registering something that is not a
    ``Controller``, a control another plugin already registered, an ``async def`` implementation
    or an exception are all reported as *this* plugin's problem; the other plugins still load.
    """


@hookspec
def scorekeeper_notify(event: dict[str, Any], config: dict[str, Any]) -> Awaitable[None] | None:
    """Deliver a notification (drift, a failed scheduled run, remediation done, an expired exception).

    Called on every plugin that implements it. ``event`` is a JSON-compatible dict with at least
    ``kind``, ``tenant``, ``summary`` and ``at``. ``config`` is the ``[notifications.<plugin
    name>]`` table of the config file (empty when absent): a channel that is not configured
    simply returns. May be ``async def``. A channel that raises is logged and isolated from the
    others.
    """

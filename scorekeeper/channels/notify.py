"""Delivering scheduler events through the ``scorekeeper_notify`` hook, and checking channel config.

The built-in channels (``scorekeeper.channels.log`` and ``.webhook``) are plugins like any other:
:func:`ensure_builtin_channels` registers them through the plugin manager's validated path
(:func:`scorekeeper.plugin.manager.add_builtin_plugins`) when no entry point of that name exists, so an
installed channel of the same name wins and ``SCOREKEEPER_LOAD_PLUGINS`` is never overridden.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorekeeper.plugin.manager import Plugins

log = logging.getLogger("scorekeeper.scheduler.notify")


def ensure_builtin_channels(plugins: Plugins) -> list[str]:
    """Register the built-in channels that have no entry point; return the names registered."""
    from scorekeeper.plugin.manager import add_builtin_plugins

    return add_builtin_plugins(plugins)


def channel_plugins(plugins: Plugins) -> dict[str, Any]:
    """Plugin name → plugin object, for every plugin implementing ``scorekeeper_notify``."""
    return {impl.plugin_name: impl.plugin for impl in plugins.pm.hook.scorekeeper_notify.get_hookimpls()}


def check_channels(plugins: Plugins, channels: dict[str, dict[str, Any]]) -> list[str]:
    """Problems with the ``[notifications.<name>]`` tables, one line each, found before the daemon starts.

    A table must name a plugin that implements ``scorekeeper_notify``; a plugin that offers a
    ``check_config(table, where) -> list[str]`` function (the built-in channels do) validates its
    own, naming keys after ``where`` (``notifications.<name>``).
    """
    known = channel_plugins(plugins)
    problems = []
    for name, table in channels.items():
        plugin = known.get(name)
        if plugin is None:
            names = ", ".join(sorted(known)) or "none installed"
            problems.append(f"notifications.{name}: no notification channel named {name!r} (available: {names})")
            continue
        check = getattr(plugin, "check_config", None)
        if callable(check):
            problems += check(table, f"notifications.{name}")
    return problems


class Notifier:
    """Sends each event to every channel; a failing channel is logged and never stops the scheduler."""

    def __init__(self, plugins: Plugins, channels: dict[str, dict[str, Any]]) -> None:
        self.plugins = plugins
        self.channels = channels

    async def __call__(self, event: dict[str, Any]) -> None:
        log.info("event %s: %s", event["kind"], event["summary"])
        for problem in await self.plugins.notify(event, self.channels):
            log.warning("notification not delivered: %s", problem)

"""Loads control plugins from the ``scorekeeper`` entry-point group and calls them safely.

Shipped plugins come through the same entry points as third-party ones. Each plugin is loaded,
registered and validated on its own, so one that fails to import, misspells a hook or raises
while declaring its controls is reported by name and the others still load.

Operator switches: ``SCOREKEEPER_LOAD_PLUGINS=a,b`` loads only those entry points (empty: none);
``SCOREKEEPER_TRACE_PLUGINS=1`` prints every hook call and its result to stderr.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any

import pluggy

from scorekeeper import hookspecs
from scorekeeper.hookspecs import HOOKSPEC_VERSION
from scorekeeper.model import Control

ENTRY_POINT_GROUP = "scorekeeper"
#: Built-in writers that are not assessed controls: control id → module (loaded on first use).
BUILTIN_WRITERS = {"SecureScoreControlState": "scorekeeper.securescore.states"}
CONTROL_HOOKS = ("assess", "remediate", "verify")


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be used, and why, in words for a bug report."""

    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin}: {self.message}"


@dataclass(frozen=True)
class PluginInfo:
    """What ``scorekeeper plugins`` prints: name, distribution version, hooks and controls."""

    name: str
    version: str
    distribution: str
    hooks: tuple[str, ...]
    controls: tuple[str, ...]


@dataclass
class Plugins:
    """The loaded plugins, the controls they declare, and the problems met on the way."""

    pm: pluggy.PluginManager
    controls: dict[str, Control] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def control(self, control_id: str) -> Control:
        try:
            return self.controls[control_id]
        except KeyError:
            if control_id in BUILTIN_WRITERS:
                return self._builtin(control_id)
            known = ", ".join(sorted(self.controls)) or "none (no plugin installed?)"
            raise KeyError(f"unknown control {control_id!r} (installed: {known})") from None

    def _builtin(self, control_id: str) -> Control:
        """A built-in writer (``score set-state``): registered on first use through the same
        validated path as any plugin, and never among :attr:`controls`, so assessments skip it."""
        import importlib

        module = importlib.import_module(BUILTIN_WRITERS[control_id])
        name = module.PLUGIN_NAME
        if not self.pm.has_plugin(name) and (problem := _register(self.pm, name, module)):
            raise KeyError(f"built-in {name} failed to load: {problem}")
        return replace(module.DECLARATION, plugin=name)

    def info(self) -> list[PluginInfo]:
        rows = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            dist, version = self.distributions.get(name, ("", ""))
            controls = tuple(c.id for c in self.controls.values() if c.plugin == name)
            rows.append(PluginInfo(name, version, dist, hooks, controls))
        return rows

    async def call(self, hook: str, control: Control, **kwargs: Any) -> Any:
        """Call ``hook`` on the plugin that declared ``control`` only, awaiting what it returns.

        Returns ``None`` when that plugin does not implement the hook.
        """
        owner = self.pm.get_plugin(control.plugin)
        others = [p for p in self.pm.get_plugins() if p is not owner]
        caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
        return await await_me_maybe(caller(control=control, **kwargs))

    async def notify(self, event: dict[str, Any], channels: dict[str, dict[str, Any]]) -> list[PluginProblem]:
        """Give ``event`` to every notification channel; a failing channel does not stop the rest.

        ``channels`` maps a plugin name to its ``[notifications.<name>]`` table.
        """
        problems = []
        for impl in self.pm.hook.scorekeeper_notify.get_hookimpls():
            try:
                await await_me_maybe(impl.function(event=event, config=channels.get(impl.plugin_name, {})))
            except Exception as exc:  # isolate third-party channels from each other
                problems.append(PluginProblem(impl.plugin_name, f"notify raised {type(exc).__name__}: {exc}"))
        return problems


async def await_me_maybe(value: Any) -> Any:
    """Accept a value, a callable or an awaitable from a hook, as datasette does."""
    if callable(value):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    return value


def _selected(names: Iterable[str]) -> set[str] | None:
    raw = os.environ.get("SCOREKEEPER_LOAD_PLUGINS")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


def _trace(pm: pluggy.PluginManager) -> None:
    def before(hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
        shown = {k: (v.id if isinstance(v, Control) else type(v).__name__) for k, v in kwargs.items()}
        print(f"[trace] {hook_name} → {[i.plugin_name for i in impls]} {shown}", file=sys.stderr)

    def after(outcome: Any, hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
        exc = outcome.exception
        shown = f"raised {exc!r}" if exc else f"returned {type(outcome.get_result()).__name__}"
        print(f"[trace] {hook_name} {shown}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def _register(pm: pluggy.PluginManager, name: str, plugin: object) -> str | None:
    """Register one plugin and validate its hooks; undo and return the problem if invalid."""
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # pluggy's PluginValidationError, or a duplicate name
        return f"invalid hook implementation: {exc}"
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        return f"implements a hook scorekeeper does not define: {exc}"
    return None


def load_plugins(extra: Iterable[tuple[str, object]] = ()) -> Plugins:
    """Load entry-point plugins (and ``extra`` (name, module) pairs, for tests) into a manager."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    wanted = _selected(())
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if wanted is not None and ep.name not in wanted:
            continue
        if pm.has_plugin(ep.name):
            plugins.problems.append(PluginProblem(ep.name, "installed twice; the second copy was ignored"))
            continue
        try:
            module = ep.load()
        except Exception as exc:  # a broken third-party plugin must not stop the rest
            plugins.problems.append(PluginProblem(ep.name, f"failed to import {ep.value}: {type(exc).__name__}: {exc}"))
            continue
        if problem := _register(pm, ep.name, module):
            plugins.problems.append(PluginProblem(ep.name, problem))
            continue
        if ep.dist is not None:
            plugins.distributions[ep.name] = (ep.dist.name, ep.dist.version)
    for name, module in extra:
        if problem := _register(pm, name, module):
            plugins.problems.append(PluginProblem(name, problem))
    if os.environ.get("SCOREKEEPER_TRACE_PLUGINS"):
        _trace(pm)
    _collect_controls(plugins)
    return plugins


def _collect_controls(plugins: Plugins) -> None:
    for impl in plugins.pm.hook.scorekeeper_controls.get_hookimpls():
        name = impl.plugin_name
        try:
            declared = impl.function() or []
        except Exception as exc:
            plugins.problems.append(PluginProblem(name, f"scorekeeper_controls raised {type(exc).__name__}: {exc}"))
            continue
        for control in declared:
            if not isinstance(control, Control):
                plugins.problems.append(
                    PluginProblem(name, f"scorekeeper_controls returned {type(control).__name__}, not Control")
                )
                continue
            if control.hookspec_version != HOOKSPEC_VERSION:
                plugins.problems.append(
                    PluginProblem(
                        name,
                        f"control {control.id} targets hook contract v{control.hookspec_version}; "
                        f"this scorekeeper provides v{HOOKSPEC_VERSION}",
                    )
                )
                continue
            if control.id in plugins.controls:
                first = plugins.controls[control.id].plugin
                plugins.problems.append(
                    PluginProblem(name, f"control {control.id} is already provided by plugin {first}")
                )
                continue
            plugins.controls[control.id] = replace(control, plugin=name)

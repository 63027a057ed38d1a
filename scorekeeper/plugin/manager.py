"""Loads plugins from the ``scorekeeper`` entry-point group and calls them safely.

Shipped plugins and the built-in notification channels come through the same validated path
as third-party ones (:data:`BUILTIN_PLUGINS` are registered like entry points). Each plugin is
loaded, registered and validated on its own: one that fails to import, misspells a hook, still
implements the version-1 hooks, registers something that is not a :class:`~scorekeeper.Controller`,
returns a coroutine from ``scorekeeper_register_controls`` or raises is reported by name, and the
others still load.

Operator switches: ``SCOREKEEPER_LOAD_PLUGINS=a,b`` loads only those entry points (empty: none);
``SCOREKEEPER_TRACE_PLUGINS=1`` prints every hook call and every controller call to stderr once it
has been awaited, with its result or exception (a pluggy ``wrapper=True`` for hooks).
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import Any

import pluggy

from scorekeeper.domain.model import Change, Control, Finding, Restoration

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import HookResultError as HookResultError
from scorekeeper.plugin import hookspecs
from scorekeeper.plugin.context import Assessment
from scorekeeper.plugin.controller import METHODS, Controller
from scorekeeper.plugin.hookspecs import HOOKSPEC_VERSION

ENTRY_POINT_GROUP = "scorekeeper"
CONTROL_HOOKS = METHODS
#: Hook names of contract version 1, which a plugin still using them is refused for.
V1_HOOKS = ("scorekeeper_controls", "assess", "remediate", "verify")
V1_ADVICE = (
    "it implements the version-1 hooks ({hooks}); hook contract v2 registers controls instead: "
    "subclass scorekeeper.Controller (its assess/remediate/verify methods take the tenant, no control "
    "argument), and implement scorekeeper_register_controls(register) calling register(YourController()) "
    "— see docs/writing-plugins.md"
)
#: Plugins scorekeeper ships inside its own package, loaded like entry points of these names
#: unless an entry point of the same name is installed (which then wins).
BUILTIN_PLUGINS: dict[str, str] = {"log": "scorekeeper.channels.log", "webhook": "scorekeeper.channels.webhook"}
#: Built-in writers that are not assessed controls: control id → module (loaded on first use).
#: The module offers ``DECLARATION``, ``PLUGIN_NAME`` and ``CONTROLLER`` (its Controller class).
BUILTIN_WRITERS = {"SecureScoreControlState": "scorekeeper.securescore.states"}


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
    controllers: dict[str, Controller] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    trace: bool = False

    def control(self, control_id: str) -> Control:
        try:
            return self.controls[control_id]
        except KeyError:
            if control_id in BUILTIN_WRITERS:
                return self._builtin(control_id)
            known = ", ".join(sorted(self.controls)) or "none (no plugin installed?)"
            raise KeyError(f"unknown control {control_id!r} (installed: {known})") from None

    def controller(self, control: Control | str) -> Controller:
        """The controller registered for ``control`` (by id)."""
        control_id = control if isinstance(control, str) else control.id
        self.control(control_id)
        return self.controllers[control_id]

    def _builtin(self, control_id: str) -> Control:
        """A built-in writer (``score set-state``): registered on first use through the same
        validated path as any plugin, and never among :attr:`controls`, so assessments skip it."""
        import importlib

        module = importlib.import_module(BUILTIN_WRITERS[control_id])
        name = module.PLUGIN_NAME
        if not self.pm.has_plugin(name) and (problem := _register(self.pm, name, module)):
            raise KeyError(f"built-in {name} failed to load: {problem}")
        declaration = replace(module.DECLARATION, plugin=name)
        if control_id not in self.controllers:
            self.controllers[control_id] = module.CONTROLLER(declaration)
        return declaration

    def info(self) -> list[PluginInfo]:
        rows = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            if name.startswith("trace:"):
                continue
            hooks = {h.name for h in self.pm.get_hookcallers(plugin) or ()}
            controls = tuple(c.id for c in self.controls.values() if c.plugin == name)
            for control_id in controls:  # what the engine calls on this plugin's controllers
                hooks |= {m for m in METHODS if self.controllers[control_id].implements(m) or m == "assess"}
            dist, version = self.distributions.get(name, ("", ""))
            rows.append(PluginInfo(name, version, dist, tuple(sorted(hooks)), controls))
        return rows

    async def call(self, method: str, control: Control, **kwargs: Any) -> Any:
        """Call ``method`` of the controller registered for ``control``, awaiting and checking its answer.

        Returns ``None`` when the controller does not implement an optional method (``remediate``
        without an implementation raises, since the plan has automated items for it).
        """
        controller = self.controller(control)
        if method != "assess" and method != "remediate" and not controller.implements(method):
            return None
        label = f"{control.plugin}:{control.id}.{method}"
        try:
            result = await await_me_maybe(getattr(controller, method)(**kwargs))
        except BaseException as exc:
            if self.trace:
                print(f"[trace] {label}({_shown(kwargs)}) raised {exc!r}", file=sys.stderr)
            raise
        if self.trace:
            print(f"[trace] {label}({_shown(kwargs)}) returned {_summary(result)}", file=sys.stderr)
        check_result(method, result, label)
        return result

    async def notify(self, event: dict[str, Any], channels: dict[str, dict[str, Any]]) -> list[PluginProblem]:
        """Give ``event`` to every notification channel; a failing channel does not stop the rest.

        ``channels`` maps a plugin name to its ``[notifications.<name>]`` table.
        """
        problems = []
        for impl in self.pm.hook.scorekeeper_notify.get_hookimpls():
            config = channels.get(impl.plugin_name, {})
            try:
                for answer in call_one(self.pm, "scorekeeper_notify", impl.plugin_name, event=event, config=config):
                    await await_me_maybe(answer)
            except Exception as exc:  # isolate third-party channels from each other
                problems.append(
                    PluginProblem(impl.plugin_name, f"scorekeeper_notify raised {type(exc).__name__}: {exc}")
                )
        return problems


def call_one(pm: pluggy.PluginManager, hook: str, plugin_name: str, **kwargs: Any) -> list[Any]:
    """Call ``hook`` on one plugin only, through pluggy (so the trace wrapper sees it); its results."""
    others = [p for name, p in pm.list_name_plugin() if name != plugin_name and not name.startswith("trace:")]
    return list(pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs))


def _shown(kwargs: dict[str, Any]) -> str:
    parts = []
    for key, value in kwargs.items():
        if isinstance(value, Control):
            parts.append(f"{key}={value.id}")
        elif hasattr(value, "items") and hasattr(value, "control") and not isinstance(value, dict):
            parts.append(f"{key}=Plan({len(value.items)} items)")
        elif isinstance(value, list | tuple):
            parts.append(f"{key}=[{len(value)}]")
        else:
            parts.append(f"{key}={type(value).__name__}")
    return ", ".join(parts)


def _summary(result: Any) -> str:
    if isinstance(result, Assessment):
        return f"Assessment({len(result.findings)} findings, score={result.score.score if result.score else None})"
    if isinstance(result, list | tuple):
        kinds = sorted({type(r).__name__ for r in result})
        return f"[{len(result)} × {'/'.join(kinds) or '-'}]"
    if isinstance(result, Restoration):
        return f"Restoration({result.status.value})"
    return repr(result) if result is None else type(result).__name__


def check_result(method: str, result: Any, label: str) -> None:
    """Refuse an answer of the wrong type with a message naming the plugin and what was expected."""
    if method == "assess":
        items = result.findings if isinstance(result, Assessment) else result
        if not isinstance(items, list | tuple) or not all(isinstance(f, Finding) for f in items):
            raise HookResultError(f"{label} returned {_summary(result)}; expected an Assessment or a list of Finding")
    elif method == "remediate":
        if not isinstance(result, list | tuple) or not all(isinstance(c, Change) for c in result):
            raise HookResultError(f"{label} returned {_summary(result)}; expected the list of Change it made")
    elif method == "verify":
        if result is not None and (
            not isinstance(result, list | tuple) or not all(isinstance(f, Finding) for f in result)
        ):
            raise HookResultError(f"{label} returned {_summary(result)}; expected a list of Finding or None")
    elif method == "rollback" and result is not None and not isinstance(result, Restoration):
        raise HookResultError(f"{label} returned {_summary(result)}; expected a Restoration or None")


async def await_me_maybe(value: Any) -> Any:
    """Accept a value, a callable or an awaitable, as datasette does."""
    if callable(value):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    return value


def _selected() -> set[str] | None:
    raw = os.environ.get("SCOREKEEPER_LOAD_PLUGINS")
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


class _Tracer:
    """A pluggy ``wrapper=True`` around every hook: prints each call with its result or exception."""

    def __init__(self, hook_name: str) -> None:
        self.hook_name = hook_name

    def wrap(self, **kwargs: Any) -> Generator[None, Any, Any]:
        label = f"[trace] {self.hook_name}({_shown(kwargs)})"
        try:
            result = yield
        except BaseException as exc:
            print(f"{label} raised {exc!r}", file=sys.stderr)
            raise
        if isinstance(result, list) and any(inspect.isawaitable(r) for r in result):
            # Print once each awaitable has been awaited, with what it really gave.
            return [_traced(label, r) if inspect.isawaitable(r) else r for r in result]
        print(f"{label} returned {_summary(result)}", file=sys.stderr)
        return result


async def _traced(label: str, awaitable: Any) -> Any:
    try:
        value = await awaitable
    except BaseException as exc:
        print(f"{label} raised {exc!r} (awaited)", file=sys.stderr)
        raise
    print(f"{label} returned {_summary(value)} (awaited)", file=sys.stderr)
    return value


def _install_tracer(pm: pluggy.PluginManager) -> None:
    for name, caller in sorted(vars(pm.hook).items()):
        if not isinstance(caller, pluggy.HookCaller) or caller.spec is None:
            continue
        tracer = _Tracer(name)
        argnames = caller.spec.argnames

        # pluggy matches implementation arguments by name, so each wrapper declares the hook's own.
        namespace: dict[str, Any] = {"tracer": tracer}
        params = ", ".join(argnames)
        passed = ", ".join(f"{a}={a}" for a in argnames)
        source = f"def {name}({params}):\n    return (yield from tracer.wrap({passed}))"
        exec(source, namespace)  # a function whose signature is the hook's own argument list
        function = namespace[name]
        plugin = type("ScorekeeperTrace_" + name, (), {name: staticmethod(hookspecs.hookimpl(wrapper=True)(function))})
        pm.register(plugin(), name=f"trace:{name}")


def _v1_hooks(plugin: object) -> list[str]:
    return [name for name in V1_HOOKS if hasattr(getattr(plugin, name, None), "scorekeeper_impl")]


def _register(pm: pluggy.PluginManager, name: str, plugin: object) -> str | None:
    """Register one plugin and validate its hooks; undo and return the problem if invalid."""
    if old := _v1_hooks(plugin):
        return V1_ADVICE.format(hooks=", ".join(old))
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # pluggy's PluginValidationError, or a duplicate name
        return f"invalid hook implementation: {exc}"
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        return f"implements a hook scorekeeper does not define: {exc}"
    for impl in pm.hook.scorekeeper_register_controls.get_hookimpls():
        if impl.plugin_name == name and inspect.iscoroutinefunction(impl.function):
            pm.unregister(name=name)
            return "scorekeeper_register_controls is async; it must be a plain function calling register(...)"
    return None


def load_plugins(extra: Iterable[tuple[str, object]] = (), *, builtins: bool = False) -> Plugins:
    """Load entry-point plugins, ``extra`` (name, module) pairs (tests), and with ``builtins`` the
    built-in channels (the scheduler asks for them; other commands need not import them)."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm, trace=bool(os.environ.get("SCOREKEEPER_TRACE_PLUGINS")))
    wanted = _selected()
    declared: set[str] = set()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        declared.add(ep.name)
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
    if builtins:
        add_builtin_plugins(plugins, declared, wanted)
    for name, module in extra:
        if problem := _register(pm, name, module):
            plugins.problems.append(PluginProblem(name, problem))
    if plugins.trace:
        _install_tracer(pm)
    _collect_controls(plugins)
    return plugins


def add_builtin_plugins(
    plugins: Plugins, declared: set[str] | None = None, wanted: set[str] | None = None
) -> list[str]:
    """Register the :data:`BUILTIN_PLUGINS` no entry point provides, validated like any plugin; return their names."""
    if declared is None:
        declared = {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    added = []
    for name, module_name in BUILTIN_PLUGINS.items():
        if name in declared or (wanted is not None and name not in wanted) or plugins.pm.has_plugin(name):
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            plugins.problems.append(PluginProblem(name, f"failed to import {module_name}: {type(exc).__name__}: {exc}"))
            continue
        if register_plugin(plugins, name, module) is None:
            added.append(name)
    return added


def register_plugin(plugins: Plugins, name: str, plugin: object) -> PluginProblem | None:
    """Register one more plugin after loading, through the same validation (and collect its controls)."""
    if problem := _register(plugins.pm, name, plugin):
        found = PluginProblem(name, problem)
        plugins.problems.append(found)
        return found
    _collect_controls(plugins, only=name)
    return None


def _collect_controls(plugins: Plugins, only: str | None = None) -> None:
    for impl in plugins.pm.hook.scorekeeper_register_controls.get_hookimpls():
        name = impl.plugin_name
        if only is not None and name != only:
            continue
        registered: list[Any] = []
        try:
            answers = call_one(plugins.pm, "scorekeeper_register_controls", name, register=registered.append)
            answer = answers[0] if answers else None  # pluggy leaves out a None answer
        except Exception as exc:
            plugins.problems.append(
                PluginProblem(name, f"scorekeeper_register_controls raised {type(exc).__name__}: {exc}")
            )
            continue
        if inspect.isawaitable(answer):
            if inspect.iscoroutine(answer):
                answer.close()
            plugins.problems.append(
                PluginProblem(name, "scorekeeper_register_controls returned a coroutine; make it a plain function")
            )
            continue
        if answer is not None:
            plugins.problems.append(
                PluginProblem(
                    name,
                    f"scorekeeper_register_controls returned {type(answer).__name__}; it must call "
                    "register(controller) for each control and return None",
                )
            )
            continue
        for controller in registered:
            _add_controller(plugins, name, controller)


def _add_controller(plugins: Plugins, name: str, controller: Any) -> None:
    if not isinstance(controller, Controller):
        what = type(controller).__name__
        hint = (
            " (wrap the declaration: register a Controller subclass whose control is it)"
            if isinstance(controller, Control)
            else ""
        )
        plugins.problems.append(PluginProblem(name, f"registered a {what}, not a scorekeeper.Controller{hint}"))
        return
    control = getattr(controller, "control", None)
    if not isinstance(control, Control):
        plugins.problems.append(
            PluginProblem(name, f"{type(controller).__name__}.control is {type(control).__name__}, not a Control")
        )
        return
    if control.hookspec_version != HOOKSPEC_VERSION:
        plugins.problems.append(
            PluginProblem(
                name,
                f"control {control.id} targets hook contract v{control.hookspec_version}; "
                f"this scorekeeper provides v{HOOKSPEC_VERSION}",
            )
        )
        return
    if not controller.implements("assess"):
        plugins.problems.append(PluginProblem(name, f"{type(controller).__name__} does not implement assess"))
        return
    if control.id in plugins.controls:
        first = plugins.controls[control.id].plugin
        plugins.problems.append(PluginProblem(name, f"control {control.id} is already provided by plugin {first}"))
        return
    owned = replace(control, plugin=name)
    controller.control = owned
    plugins.controls[control.id] = owned
    plugins.controllers[control.id] = controller

"""Generate ``docs/hooks.md``: the hook reference, from the hookspecs' and public types' docstrings.

The reference is never written by hand, so it cannot drift from the code: ``python -m
scorekeeper.kit.hookdoc > docs/hooks.md`` rewrites it, ``--check docs/hooks.md`` exits 1 when it
is stale, and ``tests/kit/test_hookdoc.py`` runs that check. Docstrings are written in reST
(````x````, ``:class:`x```); they are turned into Markdown code spans here.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import sys
from collections.abc import Callable
from typing import Any

from scorekeeper.plugin import hookspecs

HEADER = """\
# Hook reference

Generated from the docstrings of `scorekeeper/plugin/hookspecs.py` and of the public types by
`python -m scorekeeper.kit.hookdoc > docs/hooks.md`; do not edit by hand. The tutorial is
[writing-plugins.md](writing-plugins.md).

Hook contract version: **{version}** (`scorekeeper.HOOKSPEC_VERSION`). A plugin implements
`scorekeeper_register_controls(register)` and registers one `Controller` per control; the engine
calls the controller's methods (below) directly. A control declares the version it targets in
`Control.hookspec_version`; the plugin manager refuses a control written for another major
version, and a plugin still implementing version 1's hooks, naming the plugin and what to change
(`scorekeeper plugins` shows the problem), and loads the others. Import everything from the
public API: `from scorekeeper import hookimpl, Controller, Control, Setting, Finding, ...`.
"""

#: The public types plugins exchange with the engine, in the order a plugin author meets them.
TYPES = (
    "RegisterControl",
    "Control",
    "Setting",
    "RemediationKind",
    "Finding",
    "Status",
    "Assessment",
    "SecureScore",
    "TenantContext",
    "Part",
    "Request",
    "ChangeRecorder",
    "Plan",
    "PlanItem",
    "Change",
    "Outcome",
    "Verification",
    "Restoration",
    "RestoreStatus",
    "ProgressEvent",
    "Read",
    "GraphCallError",
    "BatchItem",
)

_ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc):`~?([^`]+)`")
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_COMMENT = re.compile(r"^\s+(\w+)\s*(?::[^=#]*)?(?:=[^#]*)?#\s*(.+)$")


def markdown(text: str | None) -> str:
    """A reST docstring as Markdown: dedented, roles and double backticks turned into code spans."""
    cleaned = inspect.cleandoc(text or "")
    parts = re.split(r"(```.*?```)", cleaned, flags=re.DOTALL)  # fenced code stays as written
    return "".join(
        part if part.startswith("```") else _LITERAL.sub(lambda m: f"`{m.group(1)}`", _ROLE.sub(_code, part))
        for part in parts
    )


def _code(match: re.Match[str]) -> str:
    return f"`{match.group(1)}`"


class _Annotation(str):
    """An annotation kept as source text (``from __future__ import annotations``), shown unquoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _signature(function: Callable[..., Any]) -> str:
    """The signature as written: annotations unquoted, string defaults quoted."""
    signature = inspect.signature(function)

    def bare(annotation: Any) -> Any:
        return _Annotation(annotation) if isinstance(annotation, str) else annotation

    parameters = [p.replace(annotation=bare(p.annotation)) for p in signature.parameters.values() if p.name != "self"]
    return str(signature.replace(parameters=parameters, return_annotation=bare(signature.return_annotation)))


def _line(obj: Any) -> int:
    try:
        return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return 0


def hooks() -> list[tuple[str, Callable[..., Any], dict[str, Any]]]:
    """Every hookspec with its options, in the order they are declared."""
    found = []
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        options = getattr(function, "scorekeeper_spec", None)
        if options is not None:
            found.append((name, function, dict(options)))
    return sorted(found, key=lambda item: _line(item[1]))


def render_hook(name: str, function: Callable[..., Any], options: dict[str, Any]) -> str:
    how = (
        "First result wins; called only on the plugin that declared the control."
        if options.get("firstresult")
        else "Called on every plugin that implements it."
    )
    return f"### `{name}{_signature(function)}`\n\n*{how}*\n\n{markdown(function.__doc__)}\n"


def render_controller() -> str:
    """The ``Controller`` section: what the engine calls on a registered control, method by method."""
    from scorekeeper.plugin.controller import METHODS, Controller

    parts = ["## `Controller`: what the engine calls\n", markdown(Controller.__doc__) + "\n"]
    for name in METHODS:
        method = getattr(Controller, name)
        required = "required" if name == "assess" else "optional"
        parts.append(f"### `Controller.{name}{_signature(method)}`\n\n*{required}*\n\n{markdown(method.__doc__)}\n")
    return "\n".join(parts)


def _comments(cls: type) -> dict[str, str]:
    """Trailing ``# comments`` of a class's fields or members: often the most precise words about them."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    return {m.group(1): m.group(2).strip() for line in source.splitlines() if (m := _COMMENT.match(line))}


def _default(field: dataclasses.Field[Any]) -> str:
    """A default as a reader would write it; never a memory address, so the output is stable."""
    value = field.default
    if value is not dataclasses.MISSING:
        if isinstance(value, enum.Enum):
            return f"`{type(value).__name__}.{value.name}`"
        if callable(value):
            return "a no-op" if getattr(value, "__name__", "") == "<lambda>" else f"`{value.__name__}`"
        return f"`{value!r}`"
    if field.default_factory is not dataclasses.MISSING:
        name = getattr(field.default_factory, "__name__", "")
        return f"`{name}()`" if name.isidentifier() and not name.startswith("_") else "built per instance"
    return "required"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _members(cls: type) -> list[str]:
    """Public methods and properties the class itself defines, with their first paragraph."""
    out = []
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for name, value in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        target = value.fget if isinstance(value, property) else getattr(value, "func", value)
        if isinstance(value, staticmethod | classmethod):
            target = value.__func__
        if not callable(target):
            continue
        is_property = isinstance(value, property) or type(value).__name__ == "cached_property"
        head = f"`{name}`" if is_property else f"`{name}{_signature(target)}`"
        doc = markdown(target.__doc__).split("\n\n")[0].replace("\n", " ")
        out.append(f"- {head}" + (f" — {doc}" if doc else ""))
    return out


def render_type(name: str, cls: type) -> str:
    kind = "enum" if issubclass(cls, enum.Enum) else "class"
    parts = [f"### `{name}` ({kind})\n", markdown(cls.__doc__) + "\n"]
    comments = _comments(cls)
    if issubclass(cls, enum.Enum):
        parts.append("| member | value | note |\n|---|---|---|")
        parts += [f"| `{m.name}` | `{m.value}` | {_cell(comments.get(m.name, ''))} |" for m in cls]
        parts.append("")
    elif dataclasses.is_dataclass(cls):
        parts.append("| field | type | default | note |\n|---|---|---|---|")
        for field in dataclasses.fields(cls):
            if field.name.startswith("_"):
                continue
            parts.append(
                f"| `{field.name}` | `{_cell(str(field.type))}` | {_default(field)} | "
                f"{_cell(comments.get(field.name, ''))} |"
            )
        parts.append("")
    members = _members(cls)
    if members:
        parts += ["Members:\n", *members, ""]
    return "\n".join(parts)


def render() -> str:
    """The whole of docs/hooks.md."""
    import scorekeeper

    sections = [HEADER.format(version=hookspecs.HOOKSPEC_VERSION), "## Hooks\n"]
    sections += [render_hook(*hook) for hook in hooks()]
    sections.append(render_controller())
    sections.append("## Types\n\nEvery type below is importable from `scorekeeper`.\n")
    sections += [render_type(name, getattr(scorekeeper, name)) for name in TYPES]
    return "\n".join(sections).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    from scorekeeper.kit.gendoc import run

    return run("scorekeeper.kit.hookdoc", __doc__.splitlines()[0], render, argv)


if __name__ == "__main__":
    sys.exit(main())

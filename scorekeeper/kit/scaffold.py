"""Render the template tree in ``scorekeeper/kit/templates`` into a new plugin project.

Templates are package data (``*.tmpl``, :class:`string.Template` syntax: ``$name``, ``$$`` for a
literal dollar), so the scaffold ships in the wheel and needs no template engine. The tree is
rendered into a temporary sibling folder and moved into place at the end: a failure never
leaves half a project, and an existing folder is never overwritten.
"""

from __future__ import annotations

import shutil
import string
import uuid
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from scorekeeper.errors import (
    ScaffoldError,  # defined in the one error tree
)
from scorekeeper.kit.naming import CORE_DIST, PluginNames
from scorekeeper.plugin.hookspecs import HOOKSPEC_VERSION

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

SUFFIX = ".tmpl"
#: Template folder → output folder; ``package`` becomes the import package's own name.
RENAMED = {"package": "{package}", "gitignore": ".gitignore"}


@dataclass(frozen=True)
class Scaffolded:
    """What was generated, for the CLI to print."""

    root: Path
    files: tuple[str, ...]


def template_values(names: PluginNames) -> dict[str, str]:
    """Everything a template may use; a ``$word`` not listed here is a bug the tests catch."""
    from scorekeeper import __version__

    major, minor, *_ = [*__version__.split("."), "0", "0"]
    return {
        "name": names.name,
        "dist": names.dist,
        "core_dist": CORE_DIST,
        "package": names.package,
        "control_id": names.control_id,
        "camel": names.camel,
        "class_name": names.camel[:1].upper() + names.camel[1:] + "Controller",
        "endpoint": names.endpoint,
        "entry_point": names.entry_point,
        "title": names.name.replace("-", " ").capitalize(),
        "hookspec_version": str(HOOKSPEC_VERSION),
        "scorekeeper_min": f"{major}.{minor}",
    }


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    found: list[tuple[tuple[str, ...], Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _walk(entry, (*prefix, entry.name))
        elif entry.name.endswith(SUFFIX):
            found.append(((*prefix, entry.name[: -len(SUFFIX)]), entry))
    return found


def render(names: PluginNames) -> dict[str, str]:
    """Relative output path → file content, for every template."""
    values = template_values(names)
    rendered: dict[str, str] = {}
    for parts, entry in _walk(resources.files("scorekeeper.kit") / "templates"):
        out = [RENAMED.get(p, p).format(**values) for p in parts]
        rendered["/".join(out)] = string.Template(entry.read_text(encoding="utf-8")).substitute(values)
    return rendered


def default_target(names: PluginNames) -> Path:
    return Path.cwd() / names.dist


def scaffold(names: PluginNames, target: Path | None = None) -> Scaffolded:
    """Write the project for ``names`` into ``target`` (default ``./scorekeeper-m365-NAME``)."""
    root = (target if target is not None else default_target(names)).absolute()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(f"{root} already exists and is not empty; choose another --dir or remove it")
    files = render(names)
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = root.parent / f".{root.name}.{uuid.uuid4().hex[:8]}.partial"
        staging.mkdir()  # mkdir, not mkdtemp: the project gets the user's usual permissions
    except OSError as exc:
        raise ScaffoldError(f"cannot create {root}: {exc.strerror or exc}") from None
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        if root.exists():
            root.rmdir()  # empty (checked above): replaced by the finished tree
        staging.rename(root)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ScaffoldError(f"cannot write {root}: {exc.strerror or exc}") from None
    return Scaffolded(root, tuple(sorted(files)))

"""The plugin's shape: every setting has exactly one row, and no module imports one that imports it back.

Import circles only fail at import time in some orders; the row table only fails at evaluation time.
Both are cheap to check statically, so they are checked here rather than discovered in a tenant run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import scorekeeper_sspr
from scorekeeper_sspr.rows.table import ROWS
from scorekeeper_sspr.settings import SETTINGS_BY_ID

PACKAGE = Path(scorekeeper_sspr.__file__).parent


def test_every_setting_has_exactly_one_row() -> None:
    assert sorted(ROWS) == sorted(SETTINGS_BY_ID)
    assert all(callable(row) for row in ROWS.values())


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["scorekeeper_sspr", *path.relative_to(PACKAGE).with_suffix("").parts]
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every package module ``path`` imports, at top level, inside functions or under TYPE_CHECKING."""

    def owner(name: str) -> str:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {owner(a.name) for a in node.names if a.name.startswith("scorekeeper_sspr")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scorekeeper_sspr"):
            base = node.module or ""
            out |= {owner(f"{base}.{a.name}") for a in node.names}
    return out


def test_no_import_circles() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError("import circle: " + " -> ".join([*trail[trail.index(name) :], name]))
        if name in done:
            return
        for target in sorted(graph.get(name, ())):
            visit(target, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])

"""Shipped plugins are written as a third party would: they import only the public API.

That is ``scorekeeper`` itself, plus the modules made for plugin authors: ``scorekeeper.testing``
(fixtures and the contract suite), ``scorekeeper.simulator`` (extensions that serve a control's
endpoints), the shared building blocks ``scorekeeper.reads``, ``scorekeeper.verification`` and
``scorekeeper.conditional_access``,
the write helper's types ``scorekeeper.writes`` and ``scorekeeper.errors``, all documented in
docs/writing-plugins.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
PUBLIC_MODULES = {
    "scorekeeper.testing",
    "scorekeeper.simulator",
    "scorekeeper.reads",
    "scorekeeper.verification",
    "scorekeeper.conditional_access",
    "scorekeeper.writes",
    "scorekeeper.errors",
}


def internal_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [n for n in names if n.startswith("scorekeeper.") and n not in PUBLIC_MODULES]


def test_plugin_packages_import_only_the_public_api() -> None:
    sources = [p for p in PLUGINS.glob("*/scorekeeper_*/**/*.py")]
    assert sources, "no plugin sources found"
    offenders = {str(p.relative_to(PLUGINS)): found for p in sources if (found := internal_imports(p))}
    assert offenders == {}, f"plugins reach into scorekeeper internals: {offenders}"


def test_public_api_names_resolve() -> None:
    import scorekeeper

    missing = [name for name in scorekeeper.__all__ if not hasattr(scorekeeper, name)]
    assert missing == []

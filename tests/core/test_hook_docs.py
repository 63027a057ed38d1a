"""The hook reference in docs/ is generated from the hookspecs' docstrings and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hook_reference_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("gen_hook_docs", ROOT / "scripts" / "gen_hook_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert current == module.render(), "docs/hooks.md is stale: run python scripts/gen_hook_docs.py"

"""docs/hooks.md is generated from the docstrings and must match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scorekeeper.kit.hookdoc import main, markdown, render
from scorekeeper.plugin import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS_MD = ROOT / "docs" / "hooks.md"


def test_docs_hooks_md_is_current() -> None:
    assert HOOKS_MD.read_text(encoding="utf-8") == render(), (
        "docs/hooks.md is stale: run .venv/bin/python -m scorekeeper.kit.hookdoc > docs/hooks.md"
    )


def test_every_hookspec_and_its_contract_version_are_documented() -> None:
    text = render()
    for name in ("scorekeeper_register_controls", "scorekeeper_notify"):
        assert f"### `{name}(" in text
        assert inspect_doc_first_line(name) in text
    from scorekeeper.plugin.controller import Controller

    for method in ("assess", "remediate", "verify", "rollback"):
        assert f"### `Controller.{method}(" in text
        assert markdown(getattr(Controller, method).__doc__).splitlines()[0] in text
    assert f"**{hookspecs.HOOKSPEC_VERSION}**" in text
    assert "0x" not in text, "a memory address would make the output differ from run to run"


def inspect_doc_first_line(name: str) -> str:
    return markdown(getattr(hookspecs, name).__doc__).splitlines()[0]


def test_rest_markup_becomes_markdown() -> None:
    assert (
        markdown("Return a :class:`~scorekeeper.Finding` per ``setting``.")
        == "Return a `scorekeeper.Finding` per `setting`."
    )
    assert markdown("``async with\n    x``") == "`async with\nx`"


def test_check_mode_exits_1_on_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "hooks.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
    stale.write_text(render(), encoding="utf-8")
    assert main(["--check", str(stale)]) == 0


def test_module_prints_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scorekeeper.kit.hookdoc"], capture_output=True, check=True, timeout=60
    )
    assert result.stdout.decode("utf-8") == render()

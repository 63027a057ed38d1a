"""``scorekeeper plugin new``: what it writes, and one-line errors that write nothing."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.kit.naming import names_for
from scorekeeper.kit.scaffold import render


@pytest.fixture
def run(run: Callable[..., Any]) -> Callable[..., Any]:
    """The CLI as a new user runs it (tests/conftest.py), inside ``scorekeeper plugin``."""
    return lambda *args: run("plugin", *args)


def one_line_error(result: Any) -> str:
    assert result.code == 2, result
    assert "Traceback" not in result.out + result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {result.err!r}"
    return lines[0]


def test_new_writes_an_installable_project_in_the_current_folder(run: Callable[..., Any], tmp_path: Path) -> None:
    result = run("new", "kit-demo", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    root = tmp_path / "scorekeeper-m365-kit-demo"
    assert Path(report["root"]) == root
    assert report["control"] == "KitDemo"
    on_disk = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert on_disk == sorted(report["files"])
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "scorekeeper-m365-kit-demo"
    assert project["requires-python"] == ">=3.11"
    assert any(d.startswith("scorekeeper-m365>=") for d in project["dependencies"])
    assert project["entry-points"]["scorekeeper"] == {"kit-demo": "scorekeeper_kit_demo.plugin"}
    assert project["entry-points"]["scorekeeper.simulator"] == {"kit-demo": "scorekeeper_kit_demo.simulator:extension"}
    assert not list(tmp_path.glob(".*partial")), "the staging folder was left behind"


def test_control_and_dir_options(run: Callable[..., Any], tmp_path: Path) -> None:
    target = tmp_path / "deep" / "here"
    result = run("new", "mfa-admins", "--control", "AdminMFAV2", "--dir", str(target))
    assert result.code == 0, result.err
    assert "AdminMFAV2" in result.out
    control = (target / "scorekeeper_mfa_admins" / "control.py").read_text(encoding="utf-8")
    assert 'CONTROL_ID = "AdminMFAV2"' in control
    assert "class TestAdminMFAV2Contract(ControlContract)" in (target / "tests" / "test_contract.py").read_text()


def test_an_existing_empty_folder_is_used(run: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("new", "kit", "--dir", "empty").code == 0
    assert (tmp_path / "empty" / "pyproject.toml").is_file()


def test_refuses_to_overwrite_a_folder_with_files(run: Callable[..., Any], tmp_path: Path) -> None:
    target = tmp_path / "scorekeeper-m365-kit"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    line = one_line_error(run("new", "kit"))
    assert "already exists" in line and str(target) in line
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (target / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_file_in_the_way_is_refused(run: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "scorekeeper-m365-kit").write_text("a file", encoding="utf-8")
    assert "already exists" in one_line_error(run("new", "kit"))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("new", "Bad_Name"), "try 'bad-name'"),
        (("new", "kit", "--control", "not-an-id"), "--control"),
        (("new", "scorekeeper-kit"), "prefix"),
        (("new", "sspr"), "already installed"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    run: Callable[..., Any], tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    assert words in one_line_error(run(*args))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_plugin_help_lists_new(run: Callable[..., Any]) -> None:
    result = run("--help")
    assert result.code == 0 and "new" in result.out


def test_every_template_renders_to_valid_files() -> None:
    files = render(names_for("kit-demo", "KitDemo"))
    assert {"pyproject.toml", "README.md", ".gitignore", "scorekeeper_kit_demo/plugin.py"} <= set(files)
    for path, content in files.items():
        assert "$package" not in content and "$control_id" not in content, path
        if path.endswith(".py"):
            ast.parse(content, filename=path)
        if path.endswith(".toml"):
            tomllib.loads(content)
    placeholder = re.compile(r"\$(?!entity\b)[a-z_]+\b")  # OData's $entity is meant to stay
    leftovers = {p: placeholder.findall(c) for p, c in files.items() if placeholder.search(c)}
    assert not leftovers, leftovers

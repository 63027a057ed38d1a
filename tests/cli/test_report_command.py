"""`scorekeeper report` as a user types it: formats from the file name, owner-only files, one-line errors."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result


@pytest.fixture
def assessed(run: Callable[..., Result]) -> Callable[..., Result]:
    first = run("assess", "--tenant", "demo", "--json")
    assert first.code in (0, 1, 3), first.err
    return run


def test_format_follows_the_extension_and_files_are_private(assessed: Callable[..., Result], home: Path) -> None:
    for name, marker in (
        ("r.html", "<!doctype html>"),
        ("r.md", "# scorekeeper report"),
        ("r.sarif", '"2.1.0"'),
        ("r.xml", "<testsuites"),
    ):
        result = assessed("report", "--tenant", "demo", "-o", name)
        assert result.code == 0, result.err
        text = (home / name).read_text()
        assert marker in text, name
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600
    data = json.loads(assessed("report", "--tenant", "demo", "--format", "json").out)
    assert data["tenants"][0]["name"] == "demo"
    run_id = data["tenants"][0]["run"]["id"]
    assert assessed("report", str(run_id), "--format", "csv").out.startswith("tenant,tenant_id,run_id")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--tenant", "demo", "-o", "report.txt"), "cannot tell the format"),
        (("999999",), "no run 999999 in history"),
        (("99999999999999999999999",), "99999999999999999999999"),
        (("1", "--tenant", "demo"), "not both"),
        ((), "give a RUN_ID"),
        (("--tenant", "demo", "-o", "/dev/null/r.html"), "cannot write"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(assessed: Callable[..., Result], args: tuple[str, ...], message: str) -> None:
    result = assessed("report", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert len([line for line in result.err.splitlines() if line.lower().startswith("error:")]) == 1


def test_a_tenant_never_assessed_is_named(run: Callable[..., Result]) -> None:
    result = run("report", "--tenant", "demo")
    assert result.code == 2 and "no assessment in history for demo" in result.err

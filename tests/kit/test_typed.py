"""scorekeeper is a typed package (PEP 561), and a generated plugin passes ``mypy --strict`` against it.

The check runs mypy the way a plugin author does, on the generated project: in its folder, with
this interpreter's installed scorekeeper (``--python-executable``) and no configuration of
ours (``--config-file ""``: neither this repository's ``[tool.mypy]`` nor a user's file), so what
it sees of scorekeeper comes from the package itself — which is only possible because the package
carries ``py.typed``. A probe module beside the project proves mypy really read scorekeeper's
types: its deliberate error is found and ``reveal_type`` names scorekeeper's own classes (a
package mypy could not analyse would be ``Any``, and type-check clean vacuously).

The mypy run takes about a minute, nearly all of it in msgraph-sdk (~27,000 modules), which
scorekeeper's tenant context names and mypy therefore follows, as it does for every plugin author.
Nothing is cached: a cache would be written once and never read, and the test stays hermetic.

The same run checks ``tests/fixtures/blocklegacy_plugin``'s package, the third-party-style
Conditional Access control the contract suite's planted bugs are made from (a copy, outside this
repository's packages, as its author would have it): the public API it uses — ``WhenConfigured``,
the write helper, ``Restoration`` — type-checks strictly too, at no extra cost.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from scorekeeper.kit.naming import names_for
from scorekeeper.kit.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[2]
NAME, CONTROL = "kit-typed", "KitTyped"
PACKAGE = "scorekeeper_kit_typed"
SAMPLE = ROOT / "tests" / "fixtures" / "blocklegacy_plugin" / "scorekeeper_blocklegacy"

PROBE = """\
from scorekeeper import Status

reveal_type(Status.PASS)
wrong: int = Status.PASS
"""
PROBE_ERROR_LINE = 4


def test_the_package_carries_a_py_typed_marker() -> None:
    marker = resources.files("scorekeeper") / "py.typed"
    assert marker.is_file(), "scorekeeper/py.typed is missing: type checkers treat scorekeeper as untyped"


def test_the_scorekeeper_wheel_carries_py_typed(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="hatchling is not installed (it belongs in the dev extra)")
    from hatchling.builders.wheel import WheelBuilder

    [wheel] = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    assert "scorekeeper/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_the_generated_plugin_passes_mypy_strict_against_the_installed_scorekeeper(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (it belongs in the dev extra)")
    project = scaffold(names_for(NAME, CONTROL), tmp_path / f"scorekeeper-m365-{NAME}").root
    probe = tmp_path / "probe" / "sk_probe.py"
    probe.parent.mkdir()
    probe.write_text(PROBE, encoding="utf-8")
    sample = shutil.copytree(SAMPLE, tmp_path / "sample" / SAMPLE.name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MYPY", "PYTHON"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-executable",
            sys.executable,
            "--config-file",
            "",
            "--cache-dir",
            os.devnull,  # one run: writing a cache of ~27,000 modules would cost more than it saves
            "--show-error-codes",
            "--no-color-output",
            "--no-error-summary",
            PACKAGE,
            "tests",
            str(sample),
            str(probe),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if line.strip()]
    probe_lines = [line for line in lines if line.startswith(str(probe))]
    project_lines = [line for line in lines if line not in probe_lines]
    assert not project_lines, (
        f"mypy --strict on the generated and the sample plugin ({len(project_lines)} lines):\n{output}"
    )
    revealed = [line for line in probe_lines if "Revealed type is" in line]
    assert revealed and "scorekeeper." in revealed[0], output
    errors = [line for line in probe_lines if ": error:" in line]
    assert len(errors) == 1 and re.match(rf".*:{PROBE_ERROR_LINE}: error: .*\[assignment\]$", errors[0]), output
    assert result.returncode == 1, output  # the probe's one error, and nothing else

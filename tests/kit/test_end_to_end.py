"""A generated plugin, installed into a fresh virtual environment, works as users will run it.

The fresh venv sees scorekeeper and its dependencies through a ``.pth`` that adds this
interpreter's site-packages (``site.addsitedir``, so the editable installs there resolve too),
and the generated project is installed with ``pip install --no-deps --no-build-isolation -e``:
no network is needed (``PIP_NO_INDEX``), only hatchling importable here. The venv's
``bin/scorekeeper`` is written the way pip writes console scripts, because scorekeeper itself is
not installed into that venv (a second copy would list every shipped plugin twice).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from scorekeeper.kit.naming import names_for
from scorekeeper.kit.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[2]
NAME, CONTROL = "kit-demo", "KitDemo"

try:
    import hatchling.build  # noqa: F401 - the generated project's build back-end, imported by pip below
except ImportError:  # pragma: no cover - depends on the environment
    pytestmark = pytest.mark.skip(reason="hatchling is not installed (it belongs in the dev extra)")


@dataclass(frozen=True)
class FreshVenv:
    root: Path
    project: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def scorekeeper(self) -> Path:
        return self.root / "bin" / "scorekeeper"

    def run(self, *args: str | Path, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    base = tmp_path_factory.mktemp("kit-e2e")
    project = scaffold(names_for(NAME, CONTROL), base / f"scorekeeper-m365-{NAME}").root
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in _site_dirs())
    (Path(purelib) / "_scorekeeper_dev.pth").write_text(lines, encoding="utf-8")
    script = venv / "bin" / "scorekeeper"
    entry = "import sys\nfrom scorekeeper.cli.main import main\nsys.exit(main())\n"
    script.write_text(f"#!{venv / 'bin' / 'python'}\n{entry}")
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCOREKEEPER_", "PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(
        SCOREKEEPER_DATA_DIR=str(base / "data"),
        XDG_CONFIG_HOME=str(base / "config"),
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    fresh = FreshVenv(venv, project, env)
    installed = fresh.run(fresh.python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", project)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return fresh


def test_scorekeeper_plugins_lists_the_generated_plugin(fresh: FreshVenv) -> None:
    result = fresh.run(fresh.scorekeeper, "plugins", "--json", cwd=fresh.root)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["problems"] == []
    [row] = [r for r in data["plugins"] if r["name"] == NAME]
    assert row["distribution"] == f"scorekeeper-m365-{NAME}"
    assert row["controls"] == [CONTROL]
    assert {"scorekeeper_register_controls", "assess", "remediate"} <= set(row["hooks"])


def test_the_demo_tenant_serves_the_extension_and_the_control_runs_end_to_end(fresh: FreshVenv) -> None:
    assessed = fresh.run(fresh.scorekeeper, "assess", "--tenant", "demo", "--control", CONTROL, "--json")
    assert assessed.returncode == 3, assessed.stderr  # weak-cloud: the setting fails
    data = json.loads(assessed.stdout)
    [run] = data if isinstance(data, list) else [data]
    [control] = run["controls"]
    [finding] = control["findings"]
    assert (finding["status"], finding["current"], finding["desired"]) == ("fail", False, True), finding

    fixed = fresh.run(fresh.scorekeeper, "remediate", "--tenant", "demo", "--control", CONTROL, "--yes")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    again = fresh.run(fresh.scorekeeper, "assess", "--tenant", "demo", "--control", CONTROL)
    assert again.returncode == 0, again.stdout + again.stderr  # the write was saved to the demo state file


def test_the_generated_tests_pass_in_the_fresh_venv(fresh: FreshVenv) -> None:
    result = fresh.run(fresh.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=fresh.project, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]


def test_the_generated_code_is_lint_clean(fresh: FreshVenv) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this interpreter")
    for args in (("check", "."), ("format", "--check", ".")):
        result = subprocess.run([str(ruff), *args], cwd=fresh.project, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_scorekeeper_wheel_carries_the_templates(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    [wheel] = list(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    names = zipfile.ZipFile(wheel).namelist()
    templates = [n for n in names if n.startswith("scorekeeper/kit/templates/")]
    assert "scorekeeper/kit/templates/pyproject.toml.tmpl" in templates
    assert "scorekeeper/kit/templates/package/plugin.py.tmpl" in templates

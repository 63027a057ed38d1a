"""The console script ends without the interpreter's teardown, with the command's code and output intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: The console script's own call: ``main()`` with no argv (what ``scorekeeper`` runs).
ENTRY = "import sys; from scorekeeper.cli.main import main; sys.argv[0] = 'scorekeeper'; main()"
#: The same, with a module-level object whose finaliser only the interpreter's teardown runs.
WITH_TEARDOWN_WITNESS = (
    "import sys\n"
    "class Witness:\n"
    "    def __del__(self):\n"
    "        sys.__stderr__.write('torn down\\n')\n"
    "witness = Witness()\n"
    "from scorekeeper.cli.main import main\n"
    "sys.argv[0] = 'scorekeeper'\n"
    "main()\n"
)


def _run(code: str, *args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCOREKEEPER_DATA_DIR": str(data)}
    for name in ("SCOREKEEPER_CONFIG", "SCOREKEEPER_DB"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120)


def test_the_entry_point_skips_the_teardown_and_keeps_the_exit_code_and_output(tmp_path: Path) -> None:
    done = _run(WITH_TEARDOWN_WITNESS, "--version", data=tmp_path)
    assert done.returncode == 0
    assert "scorekeeper" in done.stdout
    assert "torn down" not in done.stderr


def test_a_failing_command_still_exits_with_its_code_and_its_one_line(tmp_path: Path) -> None:
    done = _run(WITH_TEARDOWN_WITNESS, "assess", "--tenant", "no-such-tenant", data=tmp_path)
    assert done.returncode == 2
    assert "no-such-tenant" in done.stderr and "Traceback" not in done.stderr
    assert "torn down" not in done.stderr


def test_an_assessment_prints_everything_and_closes_the_history(tmp_path: Path) -> None:
    done = _run(ENTRY, "assess", "--tenant", "demo", "--json", data=tmp_path)
    assert done.returncode in (0, 1, 3), done.stderr
    assert json.loads(done.stdout)["tenant"] == "demo"  # the whole document reached the pipe
    history = next(tmp_path.rglob("history.db"))
    assert not Path(f"{history}-wal").exists()  # closed, so SQLite checkpointed its WAL as before


def test_called_in_process_with_argv_main_raises_system_exit_as_before() -> None:
    from scorekeeper.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code in (0, None)


def test_under_a_tracer_such_as_coverage_its_exit_handler_still_runs(tmp_path: Path) -> None:
    traced = (  # as coverage does: a tracer, and an exit handler registered before the command
        "import atexit, sys\n"
        "sys.settrace(lambda *args: None)\n"
        "atexit.register(lambda: sys.stderr.write('tracer saved its data\\n'))\n" + ENTRY
    )
    done = _run(traced, "--version", data=tmp_path)
    assert done.returncode == 0
    assert "tracer saved its data" in done.stderr
    untraced = _run(
        "import atexit, sys\natexit.register(lambda: sys.stderr.write('ran\\n'))\n" + ENTRY, "--version", data=tmp_path
    )
    assert "ran" not in untraced.stderr  # without a tracer, a handler registered before the command is skipped

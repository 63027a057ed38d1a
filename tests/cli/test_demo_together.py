"""Two `scorekeeper demo`s at once on one data folder (two checkouts' `make demo`): the second waits, both succeed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCOREKEEPER = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()"]


def test_two_demos_on_one_data_folder_both_succeed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOREKEEPER_")}
    env |= {"HOME": str(tmp_path), "SCOREKEEPER_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    # Output to files, not pipes: a demo holding the lock must never block on a pipe nobody reads yet.
    logs = [tmp_path / f"demo{i}.log" for i in range(2)]
    runs = []
    for log in logs:
        with log.open("wb") as out:
            runs.append(subprocess.Popen([*SCOREKEEPER, "demo"], env=env, cwd=tmp_path, stdout=out, stderr=out))
    for run, log in zip(runs, logs, strict=True):
        run.wait(timeout=300)
        text = log.read_text(encoding="utf-8", errors="replace")
        assert run.returncode == 0, text[-2000:]
        assert "Failing settings:" in text

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
    runs = [
        subprocess.Popen([*SCOREKEEPER, "demo"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, (out + err).decode()[-2000:]
        assert b"Failing settings:" in out

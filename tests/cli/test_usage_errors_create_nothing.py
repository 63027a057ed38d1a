"""A usage error (exit 2) is found before history is opened: no database appears for a mistyped command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCOREKEEPER = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()"]
ATTEST = ["attest", "--tenant", "demo", "--by", "me", "--note", "n"]


@pytest.mark.parametrize(
    "args",
    [
        ["attest", "--tenant", "demo", "--control", "NoSuchControl", "--setting", "x", "--by", "me", "--note", "n"],
        [
            "attest",
            "--tenant",
            "demo",
            "--control",
            "SelfServicePasswordReset",
            "--setting",
            "nope",
            "--by",
            "me",
            "--note",
            "n",
        ],
        ["plan", "--tenant", "nope"],
        ["verify", "--tenant", "nope"],
        ["rollback", "5"],
        ["verify", "5"],
        ["history", "5"],
        ["schedule", "remove", "5"],
        ["fleet", "status"],
    ],
)
def test_a_usage_error_creates_no_history(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOREKEEPER_")}
    env |= {"HOME": str(tmp_path), "SCOREKEEPER_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([*SCOREKEEPER, *args], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()

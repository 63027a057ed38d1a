"""A [notifications.*] table that `config check` rejects stops every command first: no tenant read, no file made."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCOREKEEPER = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()"]
BAD = """
[notifications.webhook]
url_env = "SCOREKEEPER_TEST_WEBHOOK"
bogus = 1
"""


def test_a_rejected_notification_table_stops_assess_before_anything(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(BAD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOREKEEPER_")}
    env |= {"HOME": str(tmp_path), "SCOREKEEPER_DATA_DIR": str(tmp_path / "data")}
    check = subprocess.run(
        [*SCOREKEEPER, "--config", str(config), "config", "check"], env=env, capture_output=True, text=True
    )
    run = subprocess.run(
        [*SCOREKEEPER, "--config", str(config), "assess", "--tenant", "demo"], env=env, capture_output=True, text=True
    )
    assert check.returncode == 2
    assert run.returncode == 2, run.stdout + run.stderr
    assert "notifications.webhook.bogus: unknown key" in run.stderr
    assert not (tmp_path / "data").exists()  # no history, no simulator state

"""The configuration docs' main example passes `config check` as written (it once did not)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SCOREKEEPER = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()"]


def first_toml_block() -> str:
    match = re.search(r"^```toml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert match, "docs/configuration.md has no TOML example"
    return match.group(1)


def test_the_documented_example_passes_config_check(tmp_path: Path) -> None:
    config = tmp_path / "scorekeeper.toml"
    config.write_text(first_toml_block(), encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CONTOSO_SECRET": "not-a-secret",
        "SCOREKEEPER_WEBHOOK_URL": "https://contoso.webhook.office.com/webhookb2/example",
    }
    done = subprocess.run(
        [*SCOREKEEPER, "--config", str(config), "config", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "history.sqlite").exists()

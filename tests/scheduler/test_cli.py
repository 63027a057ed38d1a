"""`scorekeeper schedule ...`, `scheduler` preflight: what an admin types, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import scorekeeper.plugin.manager
from scorekeeper.cli.main import main
from tests.scheduler.conftest import CHANNELS
from tests.scheduler.toys import PacedToy

CONFIG = """
[tenants.t1]
auth = "static"
token = "not-a-secret"
graph_url = "http://127.0.0.1:9"
portal_url = "http://127.0.0.1:9/api"
"""


@pytest.fixture
def sk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the CLI in-process with the toy plugin installed; returns (exit code, stdout, stderr)."""
    real_load = scorekeeper.plugin.manager.load_plugins
    monkeypatch.setattr(
        scorekeeper.plugin.manager, "load_plugins", lambda extra=(): real_load([*extra, ("toy", PacedToy()), *CHANNELS])
    )
    monkeypatch.setenv("SCOREKEEPER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    config = tmp_path / "scorekeeper.toml"
    config.write_text(CONFIG)

    def run(*args: str, extra_config: str = "") -> tuple[int, str, str]:
        if extra_config:
            config.write_text(CONFIG + extra_config)
        with pytest.raises(SystemExit) as ended:
            main(["--config", str(config), "--db", str(tmp_path / "h.db"), *args])
        out, err = capsys.readouterr()
        return int(ended.value.code or 0), out, err

    return run


def test_add_list_pause_resume_remove(sk) -> None:
    code, out, err = sk("schedule", "add", "--tenant", "t1", "--cron", "0 6 * * 1-5", "--timezone", "Europe/Berlin")
    assert code == 0, err
    assert out.startswith(
        "schedule 1 added: #1 assess t1 (all controls) cron '0 6 * * 1-5' (Europe/Berlin); first run "
    )
    assert out.rstrip().endswith(" 05:00:00 UTC") or out.rstrip().endswith(" 04:00:00 UTC")  # 06:00 Berlin
    code, out, err = sk(
        "schedule", "add", "--tenant", "t1", "--control", "ToyControl", "--interval", "3600", "--remediate"
    )
    assert code == 0
    assert "note: ToyControl will only be assessed until [controls.<id>] auto_remediate = true" in err

    code, out, _ = sk("schedule", "list", "--json")
    rows = json.loads(out)["schedules"]
    assert [(r["id"], r["control"], r["interval_seconds"], r["remediate"], r["paused"]) for r in rows] == [
        (1, None, None, False, False),
        (2, "ToyControl", 3600.0, True, False),
    ]
    assert sk("schedule", "pause", "2")[1] == "schedule 2 paused: #2 assess+remediate t1/ToyControl every 3600 s\n"
    code, out, _ = sk("schedule", "list")
    assert "paused" in out and "every 3600 s" in out
    assert sk("schedule", "resume", "2")[0] == 0
    assert sk("schedule", "remove", "1")[1].startswith("schedule 1 removed")
    assert [r["id"] for r in json.loads(sk("schedule", "list", "--json")[1])["schedules"]] == [2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tenant", "nope", "--interval", "60"],
            "scorekeeper.toml: unknown tenant 'nope': none of the 1 configured tenant(s) is close"
            " (scorekeeper config show)",
        ),
        (
            ["--tenant", "t1", "--interval", "60", "--control", "Nope"],
            "scorekeeper.toml: unknown control 'Nope' (installed: ToyControl)",
        ),
        (["--tenant", "t1", "--cron", "61 * * * *"], "error: cron '61 * * * *': Error validating expression '61'"),
        (["--tenant", "t1", "--cron", "0 6 * *"], "error: cron '0 6 * *' has 4 field(s); expected 5"),
        (["--tenant", "t1"], "error: give exactly one of --cron EXPR and --interval SECONDS"),
        (["--tenant", "t1", "--cron", "0 6 * * *", "--interval", "5"], "error: give exactly one of --cron EXPR"),
        (["--tenant", "t1", "--interval", "0"], "Invalid value for '--interval': 0 is not in the range"),
        (
            ["--tenant", "t1", "--cron", "0 6 * * *", "--timezone", "Nowhere/Land"],
            "error: unknown time zone 'Nowhere/Land'",
        ),
    ],
)
def test_bad_schedules_are_refused_in_one_line(sk, args: list[str], message: str) -> None:
    code, _, err = sk("schedule", "add", *args)
    assert code == 2
    assert message in err.strip().splitlines()[-1]  # click puts its usage lines before the error
    assert "Traceback" not in err
    assert json.loads(sk("schedule", "list", "--json")[1])["schedules"] == []


@pytest.mark.parametrize("verb", ["remove", "pause", "resume"])
def test_unknown_schedule_ids_are_one_line_errors(sk, verb: str) -> None:
    assert sk("schedule", verb, "42") == (2, "", "error: no schedule 42 (see `scorekeeper schedule list`)\n")


def test_scheduler_refuses_a_secret_in_the_config(sk) -> None:
    code, out, err = sk(
        "scheduler", extra_config='[notifications.webhook]\nurl = "https://hooks.slack.com/services/T/B/secret"\n'
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].endswith(
        "scorekeeper.toml: notifications.webhook: url must not be written in the config file "
        "(a webhook URL is a secret): use url_env or url_file"
    )
    assert lines[-1] == "error: 1 problem(s) in the configuration; the scheduler did not start"
    assert "scheduler ready" not in out

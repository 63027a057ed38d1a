"""The daemon as a real process: ready line, SIGTERM, exit code 0, and the run in history."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.store import HistoryStore
from tests.scheduler.process import DaemonProcess
from tests.scheduler.test_cli import CONFIG


def toy_daemon(tmp_path: Path, *args: str, env: dict[str, str]) -> DaemonProcess:
    """``scorekeeper scheduler ARGS`` (through the toy-plugin wrapper) on a temp config and database."""
    config = tmp_path / "scorekeeper.toml"
    config.write_text(CONFIG)
    command = [
        sys.executable,
        "-m",
        "tests.scheduler.daemon_main",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "h.db"),
    ]
    return DaemonProcess(
        [*command, "scheduler", *args],
        {"SCOREKEEPER_LOAD_PLUGINS": "", "SCOREKEEPER_DATA_DIR": str(tmp_path), **env},
    )


def add_schedule(db: Path) -> int:
    with HistoryStore.open(str(db)) as store:
        return ScheduleStore(store).add("t1", interval_seconds=0.2).id


@pytest.mark.parametrize(
    ("delay", "grace", "status", "summary"),
    [
        ("0.5", "30", "completed", "scheduler stopped: 1 run(s) finished during shutdown, 0 interrupted"),
        ("60", "0.2", "interrupted", "scheduler stopped: 0 run(s) finished during shutdown, 1 interrupted"),
    ],
)
def test_sigterm_stops_cleanly_and_the_run_is_recorded(
    tmp_path: Path, delay: str, grace: str, status: str, summary: str
) -> None:
    add_schedule(tmp_path / "h.db")
    daemon = toy_daemon(
        tmp_path, "--reload", "0.2", "--grace", grace, env={"SK_TOY_DELAY": delay, "SK_TOY_ANNOUNCE": "1"}
    )
    try:
        ready = daemon.wait_for("scheduler ready:", "out")
        assert ready.startswith("scheduler ready: 1 active schedule(s) of 1; history sqlite:///")
        daemon.wait_for("toy assess started: t1", "err")  # an assessment is in flight now
        code = daemon.stop()
    finally:
        daemon.kill()

    assert code == 0
    assert summary in daemon.seen
    assert not any("Traceback" in line for line in daemon.seen)
    with HistoryStore.open(str(tmp_path / "h.db")) as store:
        [run] = store.runs("t1")
        assert (run.kind, run.status, run.scheduled) == ("assess", status, True)
        [schedule] = ScheduleStore(store).list()
        assert schedule.last_status == status

"""The daemon as a real process: ready line, SIGTERM, exit code 0, and the run in history."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.store import HistoryStore
from tests.scheduler.test_cli import CONFIG

REPO = Path(__file__).resolve().parents[2]


class Daemon:
    """A ``scorekeeper scheduler`` subprocess whose output lines are read as they come."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str]) -> None:
        config = tmp_path / "scorekeeper.toml"
        config.write_text(CONFIG)
        self.db = tmp_path / "h.db"
        command = [sys.executable, "-m", "tests.scheduler.daemon_main", "--config", str(config), "--db", str(self.db)]
        self.process = subprocess.Popen(
            [*command, "scheduler", *args],
            cwd=REPO,
            env={**os.environ, "SCOREKEEPER_LOAD_PLUGINS": "", "SCOREKEEPER_DATA_DIR": str(tmp_path), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[str] = []
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put((name, line.rstrip("\n")))

    def wait_for(self, text: str, stream: str | None = None, timeout: float = 30.0) -> str:
        """Block until a line containing ``text`` appears (on ``stream``: ``out``, ``err``, or either)."""
        while True:
            try:
                name, line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout}s; saw:\n" + "\n".join(self.seen)) from None
            self.seen.append(line)
            if text in line and stream in (None, name):
                return line

    def stop(self, timeout: float = 30.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self.wait_for("scheduler stopped:", "out")
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


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
    daemon = Daemon(tmp_path, "--reload", "0.2", "--grace", grace, env={"SK_TOY_DELAY": delay, "SK_TOY_ANNOUNCE": "1"})
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
    with HistoryStore.open(str(daemon.db)) as store:
        [run] = store.runs("t1")
        assert (run.kind, run.status, run.scheduled) == ("assess", status, True)
        [schedule] = ScheduleStore(store).list()
        assert schedule.last_status == status

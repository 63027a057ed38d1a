"""A daemon subprocess whose stdout and stderr lines are read as they come, so tests wait on lines, not time."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]


class DaemonProcess:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[str] = []
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True).start()

    def _pump(self, name: str, stream: IO[str]) -> None:
        for line in stream:
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
        """SIGTERM, wait for the exit code and for the final ``scheduler stopped`` line."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self.wait_for("scheduler stopped:", "out")
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

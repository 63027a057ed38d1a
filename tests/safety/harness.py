"""A tenant served over HTTP and the real CLI pointed at it: what the write-safety tests drive.

The simulator runs in this process on a loopback port (``scorekeeper.simulator.wire``, the same
uvicorn set-up ``scorekeeper simulator serve`` uses), so a test can add faults, read the request
log and diff the tenant's state directly. The CLI runs either in-process (``main()``, for the
fault matrix: no interpreter start-up per cell) or as real processes that can be killed,
signalled and raced. Either way it reaches the tenant only through HTTP, with static tokens, as
it would reach Microsoft.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.wire import server
from scorekeeper.store import HistoryStore

REPO = Path(__file__).resolve().parents[2]
TENANT = "lab"
#: The "Windows devices" group of the weak-cloud profile: the pilot Windows sign-in reset is assigned to.
PILOT_DEVICE_GROUP = "1d3c5f6a-2b4e-4c8d-9e0f-a1b2c3d4e5f6"
#: Heartbeat of the CLI processes under test: a killed run counts as dead after 4 × 0.25 s.
HEARTBEAT = "0.25"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class Busy:
    """A count of requests in progress, with a wait for zero."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            self.count += 1

    def leave(self) -> None:
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.count == 0, timeout):
                raise AssertionError(f"the server was still busy after {timeout}s")


@dataclass
class Lab:
    """One served simulated tenant, a config naming it, a history database, and ways to run the CLI."""

    sim: Simulator
    url: str
    home: Path
    request_timeout: float = 15.0
    env: dict[str, str] = field(default_factory=dict)
    #: ``(method, path, time.time())`` of every HTTP request as it arrives, before any fault delays it.
    arrivals: queue.Queue[tuple[str, str, float]] = field(default_factory=queue.Queue)
    #: How many requests the server is handling right now (a killed client's may still be applied).
    busy: Busy = field(default_factory=lambda: Busy())

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Until the server has finished every request it received (applied or not)."""
        self.busy.wait_idle(timeout)

    def wait_request(self, method: str | None = None, timeout: float = 90.0) -> float:
        """Block until a request (of ``method``) arrives; returns when it arrived."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                seen, _path, at = self.arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {method or 'HTTP'} request arrived in {timeout}s") from None
            if method is None or seen == method:
                return at

    @property
    def config(self) -> Path:
        return self.home / "scorekeeper.toml"

    @property
    def db(self) -> Path:
        return self.home / "history.db"

    def write_config(self, extra: str = "") -> None:
        """The lab's config; ``extra`` is appended (top-level tables only: the tenant's own table ends above)."""
        self.config.write_text(
            f"""
# Every level selected: these tests are about write safety, so every SSPR row is written (issue 25).
[remediation]
requirements = ["criterion", "baseline", "advice"]

[tenants.{TENANT}]
auth = "static"
tenant_id = "{self.sim.tenant_id}"
token = "{self.sim.issue_token(self.sim.tenant_id)}"
graph_url = "{self.url}"
portal_url = "{self.url}/api"
portal_auth = "static"
portal_token = "{self.sim.issue_delegated_token(self.sim.tenant_id)}"
request_timeout = {self.request_timeout}

# Windows sign-in reset is written only to a pilot device group (howto-sspr-windows: a test group
# first); without one it is a guided step and these tests would have no create to fault.
[tenants.{TENANT}.controls.SelfServicePasswordReset]
windows_sign_in_group = "{PILOT_DEVICE_GROUP}"
{extra}""",
            encoding="utf-8",
        )

    def args(self, *args: str) -> list[str]:
        return ["--config", str(self.config), "--db", str(self.db), *args]

    def cli(self, *args: str) -> CliResult:
        """The CLI in this process (its real ``main()``), output captured."""
        import contextlib
        import io

        from scorekeeper.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main(self.args(*args))
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                else:
                    code = -1
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return CliResult(code, out.getvalue(), err.getvalue())

    def spawn(self, *args: str, pid_namespace: bool = False) -> CliProcess:
        """The CLI as its own process (optionally PID 1 of a new PID namespace)."""
        command = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()", *self.args(*args)]
        if pid_namespace:
            command = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", *command]
        return CliProcess(command, {**os.environ, **self.env})

    def store(self) -> HistoryStore:
        return HistoryStore.open(str(self.db))

    def writes_since(self, moment: float) -> list[Any]:
        """Write requests the tenant received after ``moment`` (``time.time()``)."""
        return [r for r in self.sim.request_log if r.is_write and r.at > moment]

    def write_requests(self) -> list[Any]:
        """Every write request that reached the backend and was applied, in order."""
        return self.sim.writes()


class CliProcess:
    """A CLI subprocess whose stderr/stdout lines are read as they come (tests wait on lines, not time)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._done = threading.Event()
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream,), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout}s; saw:\n" + "\n".join(self.seen)) from None
            self.seen.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 120.0) -> CliResult:
        code = self.process.wait(timeout)
        for pump in self._pumps:
            pump.join(5)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        text = "\n".join(self.seen)
        return CliResult(code, text, text)

    @property
    def scorekeeper_pid(self) -> int:
        """The scorekeeper process itself: under ``unshare`` its child, PID 1 of the new namespace."""
        target = self.process.pid
        if self.process.args[0] != "unshare":  # type: ignore[index]
            return target
        children = Path(f"/proc/{target}/task/{target}/children")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # unshare forks at once; the child shows up within ms
            found = children.read_text().split() if children.exists() else []
            if found:
                return int(found[0])
            time.sleep(0.01)
        raise AssertionError("unshare did not start its child")

    def signal(self, signum: int) -> None:
        os.kill(self.scorekeeper_pid, signum)

    def kill_hard(self) -> None:
        """SIGKILL the scorekeeper process itself (inside ``unshare``, the namespace's PID 1)."""
        os.kill(self.scorekeeper_pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


_warm = False


def warm_up(sim: Simulator) -> None:
    """Serve one write in this process before the clock matters: the first one imports msgraph's
    models for body checks (seconds on a loaded machine), which a short request timeout would
    otherwise see as a timed-out write."""
    global _warm
    if _warm:
        return
    import asyncio

    import httpx

    async def one() -> None:
        transport = httpx.ASGITransport(app=sim.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            headers = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id)}"}
            await client.patch("/v1.0/policies/authorizationPolicy", json={"allowedToUseSSPR": True}, headers=headers)

    asyncio.run(one())
    _warm = True


def slow_writes(sim: Simulator, seconds: float) -> None:
    """Every write request takes ``seconds`` before the backend applies it (reads, $batch included, stay fast)."""
    sim.faults.add(latency=seconds, writes=True)


@contextmanager
def lab(home: Path, *, profile: str = "weak-cloud", request_timeout: float = 15.0, extra: str = "") -> Iterator[Lab]:
    """A simulated tenant served on loopback for CLI processes to use.

    ``request_timeout`` is generous by default: on a loaded machine a read can take seconds, and a
    timed-out read fails a remediation the test expects to finish. Only the fault matrix, whose
    timeout cells wait it out, asks for a short one.
    """
    with ExitStack() as stack:
        sim = Simulator.from_profiles(profile)
        warm_up(sim)
        sim.reset()
        arrivals: queue.Queue[tuple[str, str, float]] = queue.Queue()
        busy = Busy()

        async def watched(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return await sim.app(scope, receive, send)
            arrivals.put((scope["method"], scope["path"], time.time()))
            busy.enter()
            try:
                await sim.app(scope, receive, send)
            finally:
                busy.leave()

        url = stack.enter_context(server(watched))
        env = {"SCOREKEEPER_DATA_DIR": str(home / "data"), "SCOREKEEPER_HEARTBEAT_SECONDS": HEARTBEAT}
        the_lab = Lab(sim, url, home, request_timeout, env, arrivals, busy)
        the_lab.write_config(extra)
        yield the_lab

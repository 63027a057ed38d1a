from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.channels import log as log_channel
from scorekeeper.channels import webhook as webhook_channel
from scorekeeper.channels.notify import Notifier
from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.scheduler.daemon import Daemon, DaemonOptions, StopReport
from scorekeeper.scheduler.runner import FireOutcome, Runner
from scorekeeper.scheduler.store import ScheduleStore
from tests.core import toy_plugins
from tests.scheduler.receiver import Receiver
from tests.scheduler.toys import PacedToy

LOOPBACK = {
    "auth": "static",
    "token": "not-a-secret",
    "graph_url": "http://127.0.0.1:9",
    "portal_url": "http://127.0.0.1:9/api",
}
#: The built-in channels, passed explicitly until pyproject declares their entry points.
CHANNELS = [("log", log_channel), ("webhook", webhook_channel)]


@pytest.fixture(scope="session", autouse=True)
def listening_graph_host() -> Any:
    """A loopback port that accepts connections, as the tenants' Graph host.

    The toy plugins never send a request, but the engine probes the Graph host with a TCP connect
    when a read comes back unknown (is the tenant reachable at all? issue 28): a closed port would
    turn every "missing permission" these tests stage into "could not reach the tenant".
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]

    def accept_and_close() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the listener closed at the end of the session
            conn.close()

    threading.Thread(target=accept_and_close, daemon=True).start()
    try:
        saved = dict(LOOPBACK)
        LOOPBACK.update(graph_url=f"http://127.0.0.1:{port}", portal_url=f"http://127.0.0.1:{port}/api")
        yield port
        LOOPBACK.update(saved)
    finally:
        listener.close()


@pytest.fixture(autouse=True)
def only_test_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    toy_plugins.TENANTS.clear()
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "")


@pytest.fixture
def receiver() -> Any:
    with Receiver() as server:
        yield server


class Harness:
    """An engine, a schedule store and a daemon over the toy plugin, built per test."""

    def __init__(self, store: Any, tmp_path: Path) -> None:
        self.store = store
        self.tmp_path = tmp_path
        self.toy = PacedToy()
        self.schedules = ScheduleStore(store)

    def engine(self, tenants: tuple[str, ...] = ("t1",), **sections: Any) -> Engine:
        data = {"tenants": {name: dict(LOOPBACK) for name in tenants}, **sections}
        config = parse_config(data, None, data_dir=self.tmp_path)
        plugins = load_plugins([("toy", self.toy), *CHANNELS])
        assert not plugins.problems, plugins.problems
        return Engine(config, plugins, self.store, self.tmp_path)

    def daemon(self, engine: Engine, **options: Any) -> Daemon:
        runner = Runner(engine, self.schedules, Notifier(engine.plugins, engine.config.notifications))
        defaults = {"reload_seconds": 0.05, "grace_seconds": 5.0, "misfire_grace_seconds": 300}
        return Daemon(runner, self.schedules, DaemonOptions(**{**defaults, **options}))

    async def run_until(
        self, daemon: Daemon, enough: Callable[[list[FireOutcome]], bool], timeout: float = 15.0
    ) -> tuple[list[FireOutcome], StopReport]:
        """Run ``daemon`` until ``enough(outcomes)`` holds, then stop it as SIGTERM would."""
        outcomes: list[FireOutcome] = []
        reached = asyncio.Event()

        def done(outcome: FireOutcome) -> None:
            outcomes.append(outcome)
            if enough(outcomes):
                reached.set()

        daemon.on_fire_done = done
        stop = asyncio.Event()
        task = asyncio.create_task(daemon.run(stop))
        try:
            await asyncio.wait_for(reached.wait(), timeout)
        finally:
            stop.set()
            report = await task
        return outcomes, report


@pytest.fixture
def harness(sk_store: Any, tmp_path: Path) -> Harness:
    return Harness(sk_store, tmp_path)


@pytest.fixture
def sk_store(history_store: Any) -> Any:
    """Every test here runs on SQLite and on PostgreSQL (see ``history_store`` in tests/conftest.py)."""
    return history_store

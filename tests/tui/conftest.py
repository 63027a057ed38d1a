"""An engine over the toy plugins and a fresh history database, with a clock the tests control.

Snapshot tests need the same screen on every run, so every timestamp the engine and the store
record comes from :class:`TickingClock` (one minute per reading from a fixed start) and the
engine's ``today`` is fixed; the TUI itself renders times only from recorded data.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorekeeper import Assessment
from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from tests.core import toy_plugins
from tests.core.conftest import LOOPBACK

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class TickingClock:
    """Stands in for ``datetime.now(UTC)`` in the engine and the store: one minute later per call."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(minutes=1)
            return self.now


class SlowToyPlugin(toy_plugins.GoodPlugin):
    """The toy control with a delay before assessing, or held until cancelled (``hold``)."""

    def __init__(self, delay: float = 0.0, hold: bool = False) -> None:
        self.delay = delay
        self.hold = hold
        self.entered = threading.Event()

    async def assess(self, tenant: Any) -> Assessment:
        self.entered.set()
        if self.hold:
            await asyncio.sleep(3600)  # only cancellation ends this
        await asyncio.sleep(self.delay)
        return await toy_plugins.GoodPlugin.assess(self, tenant)


@pytest.fixture(autouse=True)
def toy_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[TickingClock]:
    toy_plugins.TENANTS.clear()
    # Screens show times in the local zone; the snapshots are taken in UTC wherever they run.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "")
    clock = TickingClock()
    monkeypatch.setattr("scorekeeper.engine.base._now", clock)
    monkeypatch.setattr("scorekeeper.store.history._now", clock)
    yield clock
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore.open(str(tmp_path / "history.db"))
    yield store
    store.close()


@pytest.fixture
def make_engine(store: HistoryStore, tmp_path: Path) -> Callable[..., Engine]:
    def build(plugin: object | None = None, tenants: tuple[str, ...] = ("t1", "t2"), **sections: Any) -> Engine:
        data = {"tenants": {name: dict(LOOPBACK) for name in tenants}, **sections}
        config = parse_config(data, None, data_dir=tmp_path)
        plugins = load_plugins([("toy", plugin or toy_plugins.GoodPlugin())])
        return Engine(config, plugins, store, tmp_path, today=lambda: date(2026, 1, 5))

    return build


@pytest.fixture
def make_app(make_engine: Callable[..., Engine]) -> Callable[..., ScorekeeperApp]:
    def build(plugin: object | None = None, tenants: tuple[str, ...] = ("t1", "t2")) -> ScorekeeperApp:
        return ScorekeeperApp(make_engine(plugin, tenants), tenants)

    return build

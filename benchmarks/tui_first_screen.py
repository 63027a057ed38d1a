"""How fast the dashboard's first screen appears with a large history, and how it answers keys mid-run.

Seeds a fresh SQLite file with ``--runs`` assessments (default 10,000) exactly as
``benchmarks/history_overview.py`` does (bulk INSERTs, then ``HistoryStore.rebuild_latest_results``),
over ``--tenants`` tenants and the two controls that benchmark uses. A benchmark-only plugin
declares those controls and assesses them with ``--latency`` seconds per setting, so the
engine, the store and the TUI all do their real work. Then it prints:

1. time to first paint: from starting the app (``App.run_test`` at 80×24) until the overview
   table holds every tenant × control row, median and worst of ``--repeat`` fresh apps;
2. responsiveness: the key-press round trip (press ``down``, cursor moved, screen refreshed)
   while idle and while an assessment of every tenant runs with the injected latency.

Nothing is asserted; the figures go into docs/tui.md.

    .venv/bin/python benchmarks/tui_first_screen.py [--runs 10000] [--tenants 20] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["SCOREKEEPER_LOAD_PLUGINS"] = ""  # only the benchmark plugin below, whatever is installed
sys.path.insert(0, str(Path(__file__).resolve().parent))

from history_overview import CONTROLS, seed
from textual import events

from scorekeeper import (
    Assessment,
    Control,
    Controller,
    Finding,
    RemediationKind,
    SecureScore,
    Setting,
    Status,
    hookimpl,
)
from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.screens.overview import OverviewScreen

LOOPBACK = {
    "auth": "static",
    "token": "not-a-secret",
    "graph_url": "http://127.0.0.1:9",
    "portal_url": "http://127.0.0.1:9/api",
}


class SlowController(Controller):
    """One seeded control; assessing sleeps ``latency`` per setting, as a slow tenant would."""

    def __init__(self, control: Control, latency: float) -> None:
        super().__init__(control)
        self.latency = latency

    async def assess(self, tenant: Any) -> Assessment:
        findings = []
        for setting in self.control.settings:
            await asyncio.sleep(self.latency)
            findings.append(Finding(self.control.id, setting.id, Status.PASS, current=1, desired=1))
            tenant.progress(setting.id, Status.PASS.value)
        return Assessment(findings, SecureScore(self.control.id, 1.0, 1.0))


class SlowPlugin:
    """Registers the seeded controls (hook contract v2), each a :class:`SlowController`."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.controls = [
            Control(
                id=control_id,
                title=f"{control_id} (benchmark)",
                settings=tuple(
                    Setting(f"setting_{s}", f"Setting {s}", RemediationKind.AUTOMATED) for s in range(settings)
                ),
            )
            for control_id, settings in CONTROLS.items()
        ]

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        for control in self.controls:
            register(SlowController(control, self.latency))


def build_app(db: Path, tenants: int, latency: float, scratch: Path) -> ScorekeeperApp:
    names = [f"tenant-{t:03d}" for t in range(tenants)]
    config = parse_config({"tenants": {n: dict(LOOPBACK) for n in names}}, None, data_dir=scratch)
    engine = Engine(config, load_plugins([("bench", SlowPlugin(latency))]), HistoryStore.open(str(db)), scratch)
    return ScorekeeperApp(engine, names)


async def first_paint(app: ScorekeeperApp, rows: int) -> float:
    """Seconds from starting the app until the overview table is filled."""
    began = time.perf_counter()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        while not (isinstance(screen, OverviewScreen) and screen.loaded):
            await pilot.pause(0.002)
            screen = app.screen
        await pilot.pause()  # the refresh that paints the filled table
        elapsed = time.perf_counter() - began
        table: Any = screen.query_one("#overview")
        assert table.row_count == rows, f"expected {rows} rows, got {table.row_count}"
    app.engine.store.close()
    return elapsed


async def round_trips(app: ScorekeeperApp, presses: int) -> tuple[list[float], list[float], int, float]:
    """Key round trips (ms) idle and during a slow assessment of every tenant; runs recorded; job seconds."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        while not (isinstance(screen, OverviewScreen) and screen.loaded):
            await pilot.pause(0.002)
            screen = app.screen
        table: Any = screen.query_one("#overview")

        direction = ["down"]

        async def one_press() -> float:
            # The key enters exactly as a terminal's would: the driver hands the app a Key event
            # (what Pilot does too, minus its wait for the app to go idle, which never happens
            # while progress streams in). The clock stops when the table has handled the key (its
            # cursor moved, checked every 2 ms); the next key comes 50 ms later, a fast typist.
            before = table.cursor_row
            if before in (0, table.row_count - 1):
                direction[0] = "down" if before == 0 else "up"
            key = events.Key(direction[0], None)
            key.set_sender(app)
            began = time.perf_counter()
            driver = app._driver
            assert driver is not None
            driver.send_message(key)
            while table.cursor_row == before:
                if time.perf_counter() - began > 10:
                    raise RuntimeError(f"the key {direction[0]} was not handled within 10 s")
                await asyncio.sleep(0.002)
            elapsed = (time.perf_counter() - began) * 1000
            await asyncio.sleep(0.05)
            return elapsed

        idle = [await one_press() for _ in range(presses)]
        started = len(app.engine.store.runs(limit=100_000))
        job_began = time.perf_counter()
        app.assess(list(app.tenants))
        busy = []
        while app.job is not None:
            busy.append(await one_press())
        await app.workers.wait_for_complete()
        job_seconds = time.perf_counter() - job_began
        recorded = len(app.engine.store.runs(limit=100_000)) - started
    app.engine.store.close()
    return idle, busy, recorded, job_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per setting while assessing")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        db = scratch / "history.db"
        store = HistoryStore.open(str(db))
        seed(store, args.runs, args.tenants)
        pairs = store.rebuild_latest_results()
        store.close()
        print(f"{pairs} tenant × control pairs in the overview")

        paints = [
            asyncio.run(first_paint(build_app(db, args.tenants, args.latency, scratch), pairs))
            for _ in range(args.repeat)
        ]
        print(
            f"first screen with {args.runs:,} runs in history: median {statistics.median(paints) * 1000:.0f} ms, "
            f"worst {max(paints) * 1000:.0f} ms ({args.repeat} fresh apps, 80×24, overview table filled)"
        )

        alone = build_app(db, args.tenants, args.latency, scratch)
        began = time.perf_counter()
        asyncio.run(alone.engine.assess(alone.tenants))
        engine_seconds = time.perf_counter() - began
        alone.engine.store.close()
        idle, busy, recorded, job_seconds = asyncio.run(
            round_trips(build_app(db, args.tenants, args.latency, scratch), args.presses)
        )
        print(f"key round trip idle: median {statistics.median(idle):.1f} ms, worst {max(idle):.1f} ms")
        print(
            f"key round trip while assessing {args.tenants} tenants ({args.latency * 1000:.0f} ms per setting, "
            f"{recorded} runs recorded): median {statistics.median(busy):.1f} ms, worst {max(busy):.1f} ms "
            f"over {len(busy)} presses"
        )
        print(
            f"that assessment took {job_seconds:.1f} s in the TUI under key presses "
            f"(the engine alone, without a UI: {engine_seconds:.1f} s)"
        )


if __name__ == "__main__":
    main()

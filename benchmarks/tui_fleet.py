"""The dashboard at fleet size: first screen over 1,000 tenants × 365 runs, and what the TUI adds to a fleet run.

1. **First screen**: seeds a SQLite history with ``--tenants`` × ``--runs`` assessments of
   SSPR + PWAgePolicyNew (``history_fleet.seed``: the real findings of the simulated weak-cloud
   tenant, shared bodies, a score per control) and times ``App.run_test`` at 120×40 until the
   overview table holds every tenant × control row (median and worst of ``--repeat`` apps).
2. **Progress overhead**: assesses ``--tenants`` tenants with a benchmark plugin that answers at
   once (27 settings over two controls, one progress event each: the CPU-bound worst case for
   the UI) through the engine alone, then through the TUI (headless) with the activity pane
   drawing; prints both wall times and the ratio (target: the TUI adds at most 20 %).

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/tui_fleet.py [--tenants 1000] [--runs 365] [--repeat 3] [--overhead-repeat 3]
        [--skip-first-screen] [--skip-overhead]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_first_screen import LOOPBACK, SlowPlugin, first_paint

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp


def first_screen(tenants: int, runs: int, repeat: int, tmp: Path) -> None:
    from history_fleet import real_results, seed

    from scorekeeper.plugin.manager import load_plugins

    os.environ.pop("SCOREKEEPER_LOAD_PLUGINS", None)  # the installed plugins (tui_first_screen turned them off)
    db = tmp / "fleet.db"
    started = time.perf_counter()
    seed(f"sqlite:///{db}", real_results(tmp), tenants, runs)
    print(f"seeded {tenants} tenants x {runs} runs in {time.perf_counter() - started:.0f} s")
    names = [f"t{i:04d}" for i in range(tenants)]
    times = []
    for _ in range(repeat):
        config = parse_config({"tenants": {n: dict(LOOPBACK) for n in names}}, None, data_dir=tmp)
        engine = Engine(config, load_plugins(), HistoryStore.open(str(db)), tmp)
        rows = tenants * len(engine.plugins.controls)  # every installed control has a row, assessed or not
        times.append(asyncio.run(first_paint(ScorekeeperApp(engine, names), rows=rows)))
    print(f"first screen, {rows} rows: median {statistics.median(times):.2f} s, worst {max(times):.2f} s")


def _engine(tenants: int, tmp: Path, name: str) -> tuple[Engine, list[str]]:
    os.environ["SCOREKEEPER_LOAD_PLUGINS"] = ""  # only the benchmark plugin
    from scorekeeper.plugin.manager import load_plugins

    names = [f"tenant-{t:04d}" for t in range(tenants)]
    data = {"scorekeeper": {"concurrency": 64}, "tenants": {n: dict(LOOPBACK) for n in names}}
    config = parse_config(data, None, data_dir=tmp)
    store = HistoryStore.open(str(tmp / f"{name}.db"))
    plugins = load_plugins([("bench", SlowPlugin(0.0))])
    if not plugins.controls:  # a benchmark that assesses nothing measures nothing
        raise SystemExit(f"the benchmark plugin was not loaded: {plugins.problems}")
    return Engine(config, plugins, store, tmp), names


async def in_tui(engine: Engine, names: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (every thread of the process) of assessing ``names`` from the dashboard."""
    app = ScorekeeperApp(engine, names)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.screen.__class__.__name__ != "OverviewScreen" or not getattr(app.screen, "loaded", False):
            await pilot.pause(0.01)
        began, cpu = time.perf_counter(), time.process_time()
        app.assess(list(names))
        handle = app.job
        await pilot.pause(0.01)
        while app.job is not None:
            await asyncio.sleep(0.01)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        await app.workers.wait_for_complete()
    if handle is not None and len(names) > 5:
        print(f"  (the TUI folded {handle.progress.snapshot().events:,} progress events)")
    return elapsed, cpu


def progress_overhead(tenants: int, tmp: Path, repeat: int) -> None:
    import logging

    # The tenants are not reachable: the engine's extra read of each tenant's whole Secure Score
    # fails at once (and is logged); both runs below pay that the same way.
    logging.getLogger("scorekeeper").setLevel(logging.ERROR)
    warm, few = _engine(5, tmp, "warm")  # imports and first connections, paid by neither run below
    asyncio.run(warm.assess(few))
    asyncio.run(in_tui(warm, few))  # wall and CPU of the warm-up are not reported
    warm.store.close()
    alone_times: list[float] = []
    tui_times: list[float] = []
    alone_cpu: list[float] = []
    tui_cpu: list[float] = []
    for round_ in range(repeat):
        # Alternate which goes first, so a machine that gets busier (or quieter) favours neither.
        for where in ("alone", "tui") if round_ % 2 == 0 else ("tui", "alone"):
            engine, names = _engine(tenants, tmp, f"{where}-{round_}")
            if where == "alone":
                began, cpu = time.perf_counter(), time.process_time()
                asyncio.run(engine.assess(names))
                alone_times.append(time.perf_counter() - began)
                alone_cpu.append(time.process_time() - cpu)
            else:
                wall, cpu = asyncio.run(in_tui(engine, names))
                tui_times.append(wall)
                tui_cpu.append(cpu)
            engine.store.close()
    alone, tui = statistics.median(alone_times), statistics.median(tui_times)
    print(f"assessment of {tenants} tenants (27 settings each, no latency), {repeat} round(s), alternating:")

    def listed(times: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in times)

    print(f"  engine alone {listed(alone_times)} s; inside the TUI {listed(tui_times)} s")
    print(f"  CPU: engine alone {listed(alone_cpu)} s; inside the TUI {listed(tui_cpu)} s")
    print(f"  median wall: engine alone {alone:.2f} s, inside the TUI {tui:.2f} s: {tui / alone:.2f}x (target <= 1.2x)")
    cpu_alone, cpu_tui = statistics.median(alone_cpu), statistics.median(tui_cpu)
    print(f"  median CPU: engine alone {cpu_alone:.2f} s, inside the TUI {cpu_tui:.2f} s: {cpu_tui / cpu_alone:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--overhead-repeat", type=int, default=3, help="rounds of engine alone vs TUI")
    parser.add_argument("--skip-first-screen", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if not args.skip_first_screen:
            first_screen(args.tenants, args.runs, args.repeat, tmp)
        if not args.skip_overhead:
            progress_overhead(args.tenants, tmp, args.overhead_repeat)


if __name__ == "__main__":
    main()

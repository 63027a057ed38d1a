"""What the TUI's control view reads at fleet size: the whole dashboard and run before, one pair now.

Seeds ``--tenants`` × ``--runs`` assessment runs exactly as ``history_fleet.py`` does (two controls,
28 real findings per run) and times, median of 7, what the control view's worker reads to show
one tenant × control:

- *before*: ``overview()`` (every tenant × control) to find the cell, then ``get_run`` of its run
  (every control's findings);
- *now*: ``control_cell(tenant, control)`` (``scorekeeper/store/controlcell.py``).

Both read only pointers and one run, so the figures depend on the number of tenants, not of runs
kept; ``--runs`` 30 keeps seeding short. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/tui_control_view.py [--tenants 1000] [--runs 30] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from history_fleet import CONTROLS, median_ms, real_results, seed

from scorekeeper.store import HistoryStore


def before(store: HistoryStore, tenant: str, control: str) -> object:
    cell = next(c for c in store.overview() if (c.tenant, c.control) == (tenant, control))
    assert cell.last_run_id is not None
    run = store.get_run(cell.last_run_id)
    assert run is not None
    return next(c for c in run.controls if c.control == control)


def now(store: HistoryStore, tenant: str, control: str) -> object:
    cell = store.control_cell(tenant, control)
    assert cell is not None
    return cell.result


def time_view(label: str, url: str, tenants: int) -> None:
    tenant = f"t{tenants // 2:04d}"
    with HistoryStore.open(url) as store:
        assert before(store, tenant, CONTROLS[0]) == now(store, tenant, CONTROLS[0]), "the two reads disagree"
        print(f"{label}: {tenants} tenants x {len(CONTROLS)} controls (load average {os.getloadavg()[0]:.1f})")
        for name, call in (("before: overview() + get_run", before), ("now: control_cell", now)):
            call(store, tenant, CONTROLS[0])  # warm, as a second screen finds the cache
            print(f"  {name:<30} {median_ms(lambda c=call: c(store, tenant, CONTROLS[0]), repeat=7):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        results = real_results(tmp)
        url = f"sqlite:///{tmp / 'fleet.db'}"
        started = time.perf_counter()
        seed(url, results, args.tenants, args.runs)
        print(f"seeded SQLite in {time.perf_counter() - started:.0f} s")
        time_view("SQLite", url, args.tenants)
        if args.postgres:
            from scorekeeper.pgserver import PostgresServer

            with PostgresServer() as server:
                pg = server.create_database()
                seed(pg, results, args.tenants, args.runs)
                time_view("PostgreSQL", pg, args.tenants)


if __name__ == "__main__":
    main()

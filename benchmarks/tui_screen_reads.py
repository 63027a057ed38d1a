"""What the TUI's control view and history screen read at fleet size, before and now.

Seeds ``--tenants`` × ``--runs`` assessment runs exactly as ``history_fleet.py`` does (two controls,
28 real findings per run) and times, median of 7:

- the control view's worker, to show one tenant × control: *before* ``overview()`` (every
  tenant × control) to find the cell, then ``get_run`` of its run (every control's findings);
  *now* ``control_cell(tenant, control)`` (``scorekeeper/store/controlcell.py``). Neither depends
  on the number of runs kept.
- the history screen's pages (``scorekeeper/store/runpages.py``): the first page of every
  configured tenant (*before*: the newest 200 runs, then filtered to the configured tenants in
  Python; *now*: 101 runs of those tenants), a page 3,000 runs deep by keyset (*now*; with the
  configured tenants' filter and without) and by ``OFFSET`` (``runs(offset=...)``, no tenant
  filter), and one tenant's first and last page (keyset, and the last by ``OFFSET``).

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/tui_screen_reads.py [--tenants 1000] [--runs 365] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
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


def time_pages(store: HistoryStore, tenants: int, runs: int) -> None:
    from scorekeeper.store.runpages import RunCursor

    names = [f"t{i:04d}" for i in range(tenants)]
    deep = store.runs(limit=1, offset=2999)  # the 3,000th run: the keyset page starts after it
    cursor = RunCursor(deep[0].started_at, deep[0].id) if deep else None
    one = f"t{tenants // 2:04d}"
    last = store.runs(one, limit=1, offset=max(runs - 101, 0))  # the last page starts after it
    one_cursor = RunCursor(last[0].started_at, last[0].id) if last else None
    figures = {
        "before: runs(200), then filtered": lambda: [r for r in store.runs(limit=200) if r.tenant in set(names)],
        "now: runs_page(101, tenants)": lambda: store.runs_page(101, tenants=names),
        "3,000 deep, OFFSET": lambda: store.runs(limit=101, offset=3000),
        "3,000 deep, keyset": lambda: store.runs_page(101, tenants=names, after=cursor),
        "3,000 deep, keyset, every tenant": lambda: store.runs_page(101, after=cursor),
        "one tenant, first page": lambda: store.runs_page(101, tenants=[one]),
        "one tenant, last page, OFFSET": lambda: store.runs(one, limit=101, offset=max(runs - 100, 0)),
        "one tenant, last page, keyset": lambda: store.runs_page(101, tenants=[one], after=one_cursor),
    }
    for name, call in figures.items():
        call()
        print(f"  {name:<34} {median_ms(call, repeat=7):8.1f} ms")


def time_view(label: str, url: str, tenants: int, runs: int) -> None:
    tenant = f"t{tenants // 2:04d}"
    with HistoryStore.open(url) as store:
        assert before(store, tenant, CONTROLS[0]) == now(store, tenant, CONTROLS[0]), "the two reads disagree"
        print(f"{label}: {tenants} tenants x {len(CONTROLS)} controls (load average {os.getloadavg()[0]:.1f})")
        for name, call in (("before: overview() + get_run", before), ("now: control_cell", now)):
            call(store, tenant, CONTROLS[0])  # warm, as a second screen finds the cache
            print(f"  {name:<34} {median_ms(lambda c=call: c(store, tenant, CONTROLS[0]), repeat=7):8.1f} ms")
        time_pages(store, tenants, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        results = real_results(tmp)
        url = f"sqlite:///{tmp / 'fleet.db'}"
        started = time.perf_counter()
        seed(url, results, args.tenants, args.runs)
        print(f"seeded SQLite in {time.perf_counter() - started:.0f} s")
        time_view("SQLite", url, args.tenants, args.runs)
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support is not shipped
            from tests.support.pgserver import PostgresServer

            with PostgresServer() as server:
                pg = server.create_database()
                seed(pg, results, args.tenants, args.runs)
                time_view("PostgreSQL", pg, args.tenants, args.runs)


if __name__ == "__main__":
    main()

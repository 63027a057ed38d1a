"""History-write CPU per tenant run: ``start_run`` + ``record_run`` as the engine calls them.

One real assessment of the simulated ``weak-cloud`` tenant (SSPR + PWAgePolicyNew, in-process)
is captured twice, exactly as the engine hands it to ``HistoryStore.record_run`` (results,
versions, organisation, identity, directory id, the tenant's whole Secure Score with its control
profiles, drift detection on): on the tenant's first run (which imports Microsoft's daily scores)
and on its second. Then ``--tenants`` tenants are recorded ``--passes`` times, in one thread, as
a fleet's worker thread does: the first pass with the first run's arguments, every later pass
with the second's — the steady state of an unchanged tenant assessed again. Prints the CPU
(``time.process_time``) per tenant run of ``start_run`` and ``record_run`` for the first and the
steady-state passes, on SQLite and, with ``--postgres``, on a throwaway PostgreSQL server; and,
on SQLite, how much the file grows per steady-state tenant run (whole score and profiles
included). ``--breakdown`` also prints that growth per table and index (SQLite's ``dbstat``).

    .venv/bin/python benchmarks/record_run.py [--tenants 100] [--passes 4] [--postgres] [--breakdown]
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

from scorekeeper.store import HistoryStore

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


Call = tuple[tuple[Any, ...], dict[str, Any]]


def captured_calls(tmp: Path) -> tuple[Call, Call]:
    """The arguments the engine passes to ``record_run`` (the run id left out) on a tenant's first and second run.

    The first carries Microsoft's older daily scores to import; later runs do not.
    """
    from scorekeeper.simulator import Simulator
    from scorekeeper.testing import make_engine

    store = HistoryStore.open(str(tmp / "capture.db"))
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    real = store.record_run

    def spy(run_id: int, *args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return real(run_id, *args, **kwargs)

    store.record_run = spy  # type: ignore[method-assign]
    try:
        engine = make_engine({"t": Simulator.from_profiles("weak-cloud")}, store, tmp)
        asyncio.run(engine.assess(["t"], CONTROLS))
        asyncio.run(engine.assess(["t"], CONTROLS))
    finally:
        store.close()
    first, again = seen
    return first, again


def measure(
    label: str, url: str, calls: tuple[Call, Call], tenants: int, passes: int, breakdown: bool = False
) -> None:
    names = [f"tenant{i:04d}" for i in range(tenants)]
    sizes: list[int] = []
    objects: list[dict[str, int]] = []
    with HistoryStore.open(url) as store:
        store.start_run("warm", "assess", controls=CONTROLS)  # statement caches warm
        per_pass: list[tuple[float, float]] = []
        for number in range(passes):
            sizes.append(_size(url))
            if breakdown and number == 2:
                objects.append(_objects(url))
            args, kwargs = calls[0 if number == 0 else 1]
            start_cpu = record_cpu = 0.0
            for name in names:
                began = time.process_time()
                run_id = store.start_run(name, "assess", controls=CONTROLS)
                middle = time.process_time()
                store.record_run(run_id, *args, **kwargs)
                record_cpu += time.process_time() - middle
                start_cpu += middle - began
            per_pass.append((start_cpu * 1000 / tenants, record_cpu * 1000 / tenants))
        sizes.append(_size(url))
        if objects:
            objects.append(_objects(url))
    first, steady = per_pass[0], per_pass[1:]
    start_ms = statistics.median(s for s, _ in steady)
    record_ms = statistics.median(r for _, r in steady)
    print(f"{label}: {tenants} tenants x {passes} passes, CPU per tenant run (load average {os.getloadavg()[0]:.1f})")
    print(f"  first run     start_run {first[0]:6.2f} ms  record_run {first[1]:6.2f} ms  sum {sum(first):6.2f} ms")
    print(
        f"  steady state  start_run {start_ms:6.2f} ms  record_run {record_ms:6.2f} ms  "
        f"sum {start_ms + record_ms:6.2f} ms (target <= 4 ms)"
    )
    if sizes[0] >= 0 and passes > 2:
        grown = (sizes[-1] - sizes[2]) / ((passes - 2) * tenants)  # passes 3.. of an unchanged tenant
        print(f"  history growth per steady-state tenant run: {grown / 1024:.2f} KB (SQLite file, WAL checkpointed)")
    if len(objects) == 2:
        runs = (passes - 2) * tenants
        before, after = objects
        grown_by = {name: (after.get(name, 0) - before.get(name, 0)) / runs for name in after}
        print("  of which, per tenant run (pages gained by each table and index, dbstat):")
        for name, size in sorted(grown_by.items(), key=lambda item: -item[1]):
            if size:
                print(f"    {name:<44} {size:7.0f} B")


def _size(url: str) -> int:
    """The SQLite file's size with its WAL checkpointed (-1 for another backend)."""
    if not url.startswith("sqlite:///"):
        return -1
    import sqlite3

    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(path).stat().st_size


def _objects(url: str) -> dict[str, int]:
    """Bytes of pages held by each table and index (SQLite's ``dbstat``), the WAL checkpointed."""
    import sqlite3

    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {name: int(size) for name, size in raw.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    parser.add_argument("--breakdown", action="store_true", help="the SQLite growth per table and index")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        calls = captured_calls(tmp)
        results = calls[1][0][0]
        print(f"one run: {len(results)} controls, {sum(len(r.findings) for r in results)} findings")
        measure("SQLite", f"sqlite:///{tmp / 'bench.db'}", calls, args.tenants, args.passes, args.breakdown)
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support is not shipped
            from tests.support.pgserver import PostgresServer

            with PostgresServer() as server:
                measure("PostgreSQL", server.create_database(), calls, args.tenants, args.passes)


if __name__ == "__main__":
    main()

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

``--group N`` records the runs as a fleet pass with group commit does (issue 30): N tenants'
results in one ``record_runs`` transaction (``start_run`` stays one transaction per tenant, as
it must: a run is committed before it touches its tenant). On SQLite it also prints the floor
``fleet_cli.py`` measures — the rows the last steady pass added, inserted again by ``sqlite3``
alone, one transaction per tenant — beside the history CPU per tenant.

``--cold`` records each pass as ``assess --all-tenants`` does, a new process per run: the store
is opened afresh and the process's digest caches are empty at the start of every pass, and each
tenant has a control-profile set of its own (its first profile's title carries the tenant's name),
as a fleet's tenants do — so no tenant's set is ever found in the cache, as in the command.

    .venv/bin/python benchmarks/record_run.py [--tenants 100] [--passes 4] [--group 1] [--cold] [--postgres]
        [--breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
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
    real = store.record_runs

    def spy(records: Any) -> Any:  # an assessment's results reach the store through a group commit
        seen.extend(((r.results, r.status, r.error), dict(r.options)) for r in records)
        return real(records)

    store.record_runs = spy  # type: ignore[method-assign]
    try:
        engine = make_engine({"t": Simulator.from_profiles("weak-cloud")}, store, tmp)
        asyncio.run(engine.assess(["t"], CONTROLS))
        asyncio.run(engine.assess(["t"], CONTROLS))
    finally:
        store.close()
    first, again = seen
    return first, again


def measure(
    label: str,
    url: str,
    calls: tuple[Call, Call],
    tenants: int,
    passes: int,
    breakdown: bool = False,
    group: int = 1,
    cold: bool = False,
) -> None:
    from scorekeeper.store.results import RunRecord

    names = [f"tenant{i:04d}" for i in range(tenants)]
    own = {name: _own_profiles(calls, name) for name in names} if cold else {}
    sizes: list[int] = []
    objects: list[dict[str, int]] = []
    marks: dict[str, int] = {}
    store = HistoryStore.open(url)
    try:
        store.start_run("warm", "assess", controls=CONTROLS)  # statement caches warm
        per_pass: list[tuple[float, float]] = []
        for number in range(passes):
            if cold:  # a new process: a store of its own, nothing in the digest caches
                store.close()
                store = HistoryStore.open(url)
                _empty_caches()
            sizes.append(_size(url))
            if breakdown and number == 2:
                objects.append(_objects(url))
            if number == passes - 1 and url.startswith("sqlite:///"):
                marks = _high_water(url)
            (results, status, error), kwargs = calls[0 if number == 0 else 1]
            start_cpu = record_cpu = 0.0
            for first in range(0, tenants, group):
                batch = names[first : first + group]
                began = time.process_time()
                run_ids = [store.start_run(name, "assess", controls=CONTROLS) for name in batch]
                middle = time.process_time()
                options = [own[name][0 if number == 0 else 1] if cold else kwargs for name in batch]
                if group == 1:
                    store.record_run(run_ids[0], results, status, error, **options[0])
                else:
                    store.record_runs(
                        [RunRecord(i, results, status, error, o) for i, o in zip(run_ids, options, strict=True)]
                    )
                record_cpu += time.process_time() - middle
                start_cpu += middle - began
            per_pass.append((start_cpu * 1000 / tenants, record_cpu * 1000 / tenants))
        sizes.append(_size(url))
        if objects:
            objects.append(_objects(url))
    finally:
        store.close()
    first_pass, steady = per_pass[0], per_pass[1:]
    start_ms = statistics.median(s for s, _ in steady)
    record_ms = statistics.median(r for _, r in steady)
    grouping = f", {group} tenants per commit" if group > 1 else ", one commit per tenant"
    grouping += ", cold (a new process per pass, a profile set per tenant)" if cold else ""
    print(
        f"{label}: {tenants} tenants x {passes} passes{grouping}, CPU per tenant run "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    first_sum, steady_sum = sum(first_pass), start_ms + record_ms
    print(
        f"  first run     start_run {first_pass[0]:6.2f} ms  record_run {first_pass[1]:6.2f} ms  "
        f"sum {first_sum:6.2f} ms ({first_sum / steady_sum:.1f}x the steady state)"
    )
    print(f"  steady state  start_run {start_ms:6.2f} ms  record_run {record_ms:6.2f} ms  sum {steady_sum:6.2f} ms")
    if marks:
        floor = _floor(url, marks, tenants)
        floor_ms = floor["cpu"] * 1000 / tenants
        print(
            f"  sqlite3 floor {floor_ms:6.2f} ms per tenant ({floor['rows'] / tenants:.0f} rows, the last pass's, "
            f"inserted by sqlite3 alone, one transaction per tenant): history is {steady_sum / floor_ms:.1f}x it"
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


def _own_profiles(calls: tuple[Call, Call], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first and later runs' ``record_run`` options with a control-profile set of ``name``'s own."""
    found = []
    for _, kwargs in calls:
        score = kwargs.get("tenant_score")
        if score is not None and score.profiles:
            first, *rest = score.profiles
            profiles = (dataclasses.replace(first, title=f"{first.title} ({name})"), *rest)
            kwargs = kwargs | {"tenant_score": dataclasses.replace(score, profiles=profiles)}
        found.append(kwargs)
    return found[0], found[1]


def _empty_caches() -> None:
    """Forget every digest this process computed, as a new process starts."""
    from scorekeeper.store import convert, runwrite, tenant_scores

    for cache in (convert._DIGESTS, tenant_scores._DIGESTS, tenant_scores._MAP_DIGESTS, runwrite._VERSION_DIGESTS):
        cache.clear()


def _high_water(url: str) -> dict[str, int]:
    from fleet_cli import table_high_water  # the floor fleet_cli.py prints, measured the same way

    _size(url)  # checkpointed: the marks read the whole file
    return table_high_water(Path(url.removeprefix("sqlite:///")))


def _floor(url: str, marks: dict[str, int], tenants: int) -> dict[str, float]:
    from fleet_cli import sqlite_floor

    _size(url)
    return sqlite_floor(Path(url.removeprefix("sqlite:///")), marks, tenants)


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
    parser.add_argument("--group", type=int, default=1, help="tenants per record_runs transaction (group commit)")
    parser.add_argument("--cold", action="store_true", help="a new process per pass, a profile set per tenant")
    args = parser.parse_args()
    if args.tenants < 1 or args.passes < 2 or args.group < 1:
        parser.error("--tenants and --group must be at least 1, --passes at least 2")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        calls = captured_calls(tmp)
        results = calls[1][0][0]
        print(f"one run: {len(results)} controls, {sum(len(r.findings) for r in results)} findings")
        sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
        measure("SQLite", sqlite_url, calls, args.tenants, args.passes, args.breakdown, args.group, args.cold)
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support is not shipped
            from tests.support.pgserver import PostgresServer

            with PostgresServer() as server:
                url = server.create_database()
                measure("PostgreSQL", url, calls, args.tenants, args.passes, group=args.group, cold=args.cold)


if __name__ == "__main__":
    main()

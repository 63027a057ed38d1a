"""History at fleet size: bytes per tenant-run of an unchanged tenant, and query times at 1,000 tenants × 365 runs.

Part 1 stores 30 daily assessments of one unchanged tenant (the real findings of SSPR +
PWAgePolicyNew on the simulated ``weak-cloud`` profile, recorded through the store's public
``record_control_result`` / ``finish_run``) and prints the SQLite file's growth per run; then
everything a real assessment stores (``record_run`` with the engine's own arguments, the tenant's
whole Secure Score included, see ``record_run.py``): 30 daily runs of 10 unchanged tenants after
their first run, the growth per tenant-run.

Part 2 seeds ``--tenants`` × ``--runs`` assessment runs (two controls each, the same 28 findings
per run, a score snapshot per control, 1,000 drift events) with bulk SQL, then times the queries
the CLI and TUI make: ``overview``, ``runs``, ``get_run``, ``score_history`` and ``drift_events``
(median of 5), on SQLite and, with ``--postgres``, on a throwaway PostgreSQL server
(``tests/support/pgserver.py``). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/history_fleet.py [--tenants 1000] [--runs 365] [--postgres] [--skip-size]

Seeding 365,000 runs takes minutes per database, so a seeded database can be kept and timed
again: ``--sqlite-path FILE`` seeds FILE only when it does not exist yet (and keeps it);
``--postgres --hold`` keeps the throwaway server running after timing, printing its URL, until
interrupted; ``--postgres-url URL`` times such an already-seeded database without seeding;
``--skip-sqlite`` leaves SQLite out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from scorekeeper.store import HistoryStore

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


def real_results(tmp: Path) -> list[Any]:
    """One assessment of the simulated weak-cloud tenant: the findings a real run stores."""
    from scorekeeper.simulator import Simulator
    from scorekeeper.testing import make_engine

    store = HistoryStore.open(str(tmp / "seed.db"))
    try:
        engine = make_engine({"t": Simulator.from_profiles("weak-cloud")}, store, tmp)
        [run] = asyncio.run(engine.assess(["t"], CONTROLS))
    finally:
        store.close()
    return list(run.controls)


def size_per_run(tmp: Path, results: list[Any], days: int = 30) -> None:
    path = tmp / "size.db"
    with HistoryStore.open(str(path)) as store:
        store.start_run("warm", "assess", controls=[])  # tenants table and first pages exist
    empty = path.stat().st_size
    with HistoryStore.open(str(path)) as store:
        for _ in range(days):
            run_id = store.start_run("contoso", "assess", controls=CONTROLS)
            for result in results:
                store.record_control_result(run_id, result)
            store.finish_run(run_id)
    with sa.create_engine(f"sqlite:///{path}").connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    grown = path.stat().st_size - empty
    findings = sum(len(r.findings) for r in results)
    print(f"{days} daily runs of an unchanged tenant ({findings} findings each), SQLite:")
    print(f"  file grew {grown / 1024:.0f} KB = {grown / days / 1024:.2f} KB per tenant-run (target <= 3 KB)")


def size_with_whole_score(tmp: Path, tenants: int = 10, days: int = 30) -> None:
    """What an assessed tenant-run really adds: ``record_run`` as the engine calls it, whole score included."""
    from record_run import captured_calls

    first, again = captured_calls(tmp)
    path = tmp / "whole.db"
    names = [f"tenant{i:02d}" for i in range(tenants)]
    with HistoryStore.open(str(path)) as store:
        for day in range(days + 1):  # day 0 is each tenant's first run (it imports Microsoft's older days)
            if day == 1:
                before = _checkpointed_size(path)
            args, kwargs = first if day == 0 else again
            for name in names:
                store.record_run(store.start_run(name, "assess", controls=CONTROLS), *args, **kwargs)
    grown = _checkpointed_size(path) - before
    print(f"{days} daily runs of {tenants} unchanged tenants with their whole Secure Score (record_run), SQLite:")
    print(f"  {grown / (days * tenants) / 1024:.2f} KB per tenant-run (target <= 3 KB)")


def _checkpointed_size(path: Path) -> int:
    with sa.create_engine(f"sqlite:///{path}").connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def seed(url: str, results: list[Any], tenants: int, runs: int) -> None:
    """Bulk rows shaped exactly as the store writes them (bodies shared, one pointer per finding)."""
    with HistoryStore.open(url) as store:  # migrated; the bodies go through the store's own writer
        first = store.start_run("t0000", "assess", controls=CONTROLS)
        store.record_run(first, results)
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["tenants", "runs", "control_results", "findings", "score_snapshots", "drift_events"])
    t = meta.tables
    start = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)
    with engine.begin() as connection:
        body_ids = [
            row[0] for row in connection.execute(sa.select(t["findings"].c.body_id).order_by(t["findings"].c.id))
        ]
        connection.execute(sa.delete(t["findings"]))
        connection.execute(sa.delete(t["control_results"]))
        connection.execute(sa.delete(t["score_snapshots"]))
        connection.execute(sa.text("DELETE FROM latest_results"))
        connection.execute(sa.delete(t["runs"]))
        names = [f"t{i:04d}" for i in range(tenants)]
        connection.execute(sa.delete(t["tenants"]))
        connection.execute(sa.insert(t["tenants"]), [{"name": n, "tenant_id": "", "created_at": start} for n in names])
        rows = []
        for day in range(runs):
            at = start + timedelta(days=day)
            for name in names:
                rows.append(
                    {"tenant": name, "kind": "assess", "status": "completed", "scheduled": True, "controls": CONTROLS,
                     "error": "", "started_at": at, "finished_at": at + timedelta(seconds=2), "pid": 1, "host": "h",
                     "os_user": "u", "identity": "", "process_key": ""}
                )  # fmt: skip
            if len(rows) >= 20_000:
                connection.execute(sa.insert(t["runs"]), rows)
                rows = []
        if rows:
            connection.execute(sa.insert(t["runs"]), rows)
        pairs = " UNION ALL ".join(
            f"SELECT {position} AS position, {body} AS body_id" for position, body in enumerate(body_ids)
        )
        connection.execute(
            sa.text(
                f"INSERT INTO findings (run_id, body_id) SELECT runs.id, b.body_id FROM runs CROSS JOIN ({pairs}) b "
                "ORDER BY runs.id, b.position"
            )
        )
        for control in CONTROLS:
            connection.execute(
                sa.text("INSERT INTO control_results (run_id, control, title, error) SELECT id, :c, :c, '' FROM runs"),
                {"c": control},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO score_snapshots (run_id, tenant, control, score, max_score, taken_at) "
                    "SELECT id, tenant, :c, (id % 7) * 1.0, 10.0, started_at FROM runs"
                ),
                {"c": control},
            )
        last = connection.execute(sa.text("SELECT max(id) FROM runs")).scalar_one()
        drift = [
            {"tenant": names[i % tenants], "control": CONTROLS[0], "setting": "s", "kind": "setting_regressed",
             "previous_run_id": None, "run_id": last - i, "detail": {}, "at": start + timedelta(days=runs, minutes=i)}
            for i in range(min(1000, tenants * runs))
        ]  # fmt: skip
        connection.execute(sa.insert(t["drift_events"]), drift)
    with HistoryStore.open(url) as store:  # pointers and their summaries, by the store's own rule
        store.rebuild_latest_results()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def median_ms(call: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def time_queries(label: str, url: str, tenants: int, runs: int) -> None:
    with HistoryStore.open(url) as store:
        some = store.runs(limit=1)[0].id
        print(f"{label}: {tenants} tenants x {runs} runs ({tenants * runs:,} runs, {tenants * runs * 28:,} findings)")
        figures = {
            "overview()": lambda: store.overview(),
            "runs(limit=50)": lambda: store.runs(limit=50),
            "runs(tenant, limit=50)": lambda: store.runs("t0500", limit=50),
            "get_run(id)": lambda: store.get_run(some - 12_345),
            "score_history(tenant, control)": lambda: store.score_history("t0500", CONTROLS[0]),
            "drift_events(limit=100)": lambda: store.drift_events(limit=100),
        }
        for name, call in figures.items():
            call()  # warm the cache once, as the TUI's second screen would find it
            print(f"  {name:<32} {median_ms(call):8.1f} ms   (load average {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL server")
    parser.add_argument("--skip-size", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--sqlite-path", type=Path, help="seed this file if missing, else time it as it is")
    parser.add_argument("--postgres-url", help="time this already-seeded PostgreSQL database (no seeding)")
    parser.add_argument("--hold", action="store_true", help="keep the throwaway PostgreSQL server until interrupted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        needs_results = not args.skip_size or not args.skip_sqlite or (args.postgres and not args.postgres_url)
        results = real_results(tmp) if needs_results else []
        if not args.skip_size:
            size_per_run(tmp, results)
            size_with_whole_score(tmp)
        if not args.skip_sqlite:
            path = args.sqlite_path or tmp / "fleet.db"
            url = f"sqlite:///{path}"
            if not path.exists():
                started = time.perf_counter()
                seed(url, results, args.tenants, args.runs)
                print(f"seeded SQLite in {time.perf_counter() - started:.0f} s, {path.stat().st_size / 2**20:.0f} MB")
            time_queries("SQLite", url, args.tenants, args.runs)
        if args.postgres_url:
            time_queries("PostgreSQL", args.postgres_url, args.tenants, args.runs)
        elif args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support is not shipped
            from tests.support.pgserver import PostgresServer

            with PostgresServer() as server:
                pg = server.create_database()
                started = time.perf_counter()
                seed(pg, results, args.tenants, args.runs)
                print(f"seeded PostgreSQL in {time.perf_counter() - started:.0f} s")
                time_queries("PostgreSQL", pg, args.tenants, args.runs)
                if args.hold:
                    print(f"holding PostgreSQL at {pg} (SIGINT or SIGTERM stops it)", flush=True)
                    stop = {signal.SIGINT, signal.SIGTERM}
                    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # delivered to sigwait, not as an exception
                    signal.sigwait(stop)


if __name__ == "__main__":
    main()

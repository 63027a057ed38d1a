"""How fast the history store answers the front ends' queries with a large history.

Seeds a fresh SQLite file with ``--runs`` assess runs (default 10,000) spread over ``--tenants``
tenants, each with findings for two controls (22 SSPR settings + 5 of a second control), a score
snapshot per control and occasional drift, then times ``overview()`` and the other read queries
and prints the figures. Nothing is asserted: this prints numbers for docs/performance.md.

Seeding writes rows with bulk INSERTs in one transaction (10,000 runs through the public API
take far longer) and then rebuilds the ``latest_results`` pointers that ``record_control_result``
would have kept; the queries timed are the public ``HistoryStore`` methods.

    .venv/bin/python benchmarks/history_overview.py [--runs 10000] [--tenants 20] [--db PATH]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from scorekeeper.domain.model import Status
from scorekeeper.store import HistoryStore, convert, runwrite
from scorekeeper.store.tables import ControlResultRow, DriftEventRow, FindingRow, RunRow, ScoreSnapshotRow, TenantRow

CONTROLS = {"SelfServicePasswordReset": 22, "MFARegistrationV2": 5}
STATUSES = [s.value for s in Status]


def seed(store: HistoryStore, runs: int, tenants: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    names = [f"tenant-{t:03d}" for t in range(tenants)]
    with store._write() as session:
        session.execute(insert(TenantRow), [{"name": n, "tenant_id": f"id-{n}", "created_at": start} for n in names])
        run_rows, results, findings, scores, drift = [], [], [], [], []
        for i in range(1, runs + 1):
            tenant = names[i % tenants]
            at = start + timedelta(minutes=i)
            run_rows.append(
                {
                    "id": i,
                    "tenant": tenant,
                    "kind": "assess",
                    "status": "completed",
                    "scheduled": i % 2 == 0,
                    "controls": list(CONTROLS),
                    "error": "",
                    "started_at": at,
                    "finished_at": at + timedelta(seconds=3),
                    "host": "bench",
                }
            )
            for control, settings in CONTROLS.items():
                results.append({"run_id": i, "control": control, "title": control, "error": ""})
                findings.extend(
                    {
                        "run_id": i,
                        "control": control,
                        "setting": f"setting_{s}",
                        "title": f"Setting {s}",
                        "status": STATUSES[(i + s) % len(STATUSES)],
                        "current": {"value": (i + s) % 3},
                        "desired": {"value": 1},
                        "remediation": "automated",
                        "reason": "",
                        "steps": [],
                        "missing_permissions": [],
                        "excepted": "",
                        "evidence": {},
                    }
                    for s in range(settings)
                )
                scores.append(
                    {
                        "run_id": i,
                        "tenant": tenant,
                        "control": control,
                        "score": (i % 7) / 7,
                        "max_score": 1.0,
                        "taken_at": at,
                    }
                )
            if i % 20 == 0:
                drift.append(
                    {
                        "tenant": tenant,
                        "control": "SelfServicePasswordReset",
                        "setting": "setting_1",
                        "kind": "setting_regressed",
                        "previous_run_id": i - tenants if i > tenants else None,
                        "run_id": i,
                        "detail": {},
                        "at": at,
                    }
                )
        for finding in findings:  # stored as the store stores them: a shared body, a pointer per run
            finding["digest"] = convert.body_digest(finding)
        ids = runwrite.body_ids(session, [{k: v for k, v in f.items() if k != "run_id"} for f in findings])
        pointers = [{"run_id": f["run_id"], "body_id": ids[f["digest"]]} for f in findings]
        for table, rows in (
            (RunRow, run_rows),
            (ControlResultRow, results),
            (FindingRow, pointers),
            (ScoreSnapshotRow, scores),
            (DriftEventRow, drift),
        ):
            session.execute(insert(table), rows)
    print(f"seeded {runs:,} runs, {len(findings):,} findings, {len(scores):,} score snapshots, {len(drift):,} drift")


def timed(label: str, call: Callable[[], Any], repeat: int = 7) -> Any:
    samples = []
    answer = None
    for _ in range(repeat):
        began = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - began) * 1000)
    print(f"{label:<44} median {statistics.median(samples):8.2f} ms   min {min(samples):8.2f} ms")
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--db", type=Path, help="database file to create (default: a temporary file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or Path(scratch) / "history.db"
        if path.exists():
            raise SystemExit(f"{path} exists; give a new file")
        began = time.perf_counter()
        store = HistoryStore.open(str(path))
        print(f"open + migrate a new database: {(time.perf_counter() - began) * 1000:.1f} ms")
        began = time.perf_counter()
        seed(store, args.runs, args.tenants)
        print(f"seeding took {time.perf_counter() - began:.1f} s; file {path.stat().st_size / 1e6:.1f} MB")
        # Bulk seeding bypasses record_control_result, which keeps latest_results current; rebuild it.
        pairs = timed("rebuild_latest_results()", store.rebuild_latest_results, repeat=1)
        print(f"  -> {pairs} tenant × control pairs")

        cells = timed("overview()", store.overview)
        print(f"  -> {len(cells)} tenant × control cells, trend of {len(cells[0].trend)} points each")
        timed("runs(limit=50)", lambda: store.runs(limit=50))
        timed("runs('tenant-007', limit=50, offset=100)", lambda: store.runs("tenant-007", limit=50, offset=100))
        timed("latest_run('tenant-007')", lambda: store.latest_run("tenant-007"))
        timed("get_run(5000)", lambda: store.get_run(min(5000, args.runs)))
        timed(
            "score_history('tenant-007', SSPR)", lambda: store.score_history("tenant-007", "SelfServicePasswordReset")
        )
        timed("drift_events(limit=100)", lambda: store.drift_events(limit=100))
        run_id = store.start_run("tenant-007", "assess", controls=["SelfServicePasswordReset"])
        timed("finish_run (one write transaction)", lambda: store.finish_run(run_id), repeat=20)
        store.close()


if __name__ == "__main__":
    main()

"""Two real processes writing one SQLite file at the same time must never see ``database is locked``.

Each worker is a separate Python process (``_worker.py``) with its own connection pool, released
by the test at the same moment so their hundreds of short write transactions interleave.
"""

from __future__ import annotations

from pathlib import Path

from scorekeeper.domain.model import Outcome
from scorekeeper.store import HistoryStore

from .helpers import release_all, result, spawn, wait_ready

RUNS_PER_WORKER = 400  # enough that the two writers overlap even now that a run is cheap to record


def test_two_processes_write_concurrently(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()
    workers = [spawn("write", str(db_path), tenant, str(RUNS_PER_WORKER)) for tenant in ("contoso", "fabrikam")]
    for worker in workers:
        wait_ready(worker)

    release_all(workers)
    written = [result(w) for w in workers]

    with HistoryStore.open(str(db_path)) as store:
        for tenant, out in zip(("contoso", "fabrikam"), written, strict=True):
            runs = store.runs(tenant, limit=1000)
            assert len(runs) == RUNS_PER_WORKER
            assert sorted(r.id for r in runs) == sorted(out["runs"])
            assert all(r.status == "completed" and r.total == 5 for r in runs)
            assert len(store.score_history(tenant, "SelfServicePasswordReset", limit=1000)) == RUNS_PER_WORKER
            changes = [c for r in runs for _, c in store.changes_for_run(r.id)]
            assert len(changes) == RUNS_PER_WORKER and all(c.outcome is Outcome.APPLIED for c in changes)
        # The two writers really did interleave: their run ids are mixed, not one block after another.
        first, second = (sorted(out["runs"]) for out in written)
        assert first[0] < second[-1] and second[0] < first[-1]

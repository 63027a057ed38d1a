"""``kill -9`` at random points of a slowed remediation: the next command marks the run interrupted,
and rollback restores the tenant exactly.

Each trial kills the real CLI process at a point drawn (from a seeded generator) among the
moments of its writes: a write request that has *arrived* but is still being delayed by the
simulator's latency rule (so it is applied after the client died — its outcome was never
recorded), or one just *applied* whose answer the client has not read yet. Some trials run the
CLI as PID 1 of its own PID namespace (``unshare --pid --fork``), as in a container: there the
process id means nothing to the next command, and only the heartbeat tells it the run is dead.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime

import pytest

from scorekeeper.store.liveness import gone
from tests.safety.harness import TENANT, Lab, slow_writes

TRIALS = 10
PID_NAMESPACE_TRIALS = {2, 5, 8}
LATENCY = 0.3


def _wait_until_dead(lab: Lab, run_id: int, timeout: float = 30.0) -> None:
    """Until history's own judgement says the run's process is gone (a heartbeat ages in ~1 s)."""
    from sqlalchemy import select

    from scorekeeper.store.tables import RunRow

    deadline = time.monotonic() + timeout
    with lab.store() as store:
        while True:
            with store._read() as session:
                row = session.execute(select(RunRow).where(RunRow.id == run_id)).scalar_one()
            if row.status != "running" or gone(
                pid=row.pid,
                key=row.process_key,
                heartbeat_at=row.heartbeat_at,
                interval=row.heartbeat_seconds,
                now=datetime.now(UTC),
            ):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still looks alive after {timeout}s")
            threading.Event().wait(0.1)


def _writes_of_a_clean_run(lab: Lab) -> int:
    result = lab.cli("remediate", "--tenant", TENANT, "--yes")
    assert result.code in (0, 3), result.err
    count = len(lab.sim.writes())
    assert count >= 5
    return count


def test_kill_9_at_random_points_then_rollback_restores_exactly(served: Lab) -> None:
    writes = _writes_of_a_clean_run(served)
    rng = random.Random(20261201)
    points = [(rng.randint(1, writes), rng.choice(["arrived", "applied"])) for _ in range(TRIALS)]
    for trial, (index, phase) in enumerate(points):
        namespace = trial in PID_NAMESPACE_TRIALS
        served.sim.reset()  # the tenant as it was, the log and faults cleared
        served.sim.mark()
        slow_writes(served.sim, LATENCY)
        applied = threading.Semaphore(0)
        served.sim.app.on_write = applied.release
        while not served.arrivals.empty():
            served.arrivals.get()
        process = served.spawn("remediate", "--tenant", TENANT, "--yes", pid_namespace=namespace)
        try:
            seen = 0
            while seen < index:  # the index-th write request has arrived...
                method, path, _ = served.arrivals.get(timeout=120)
                seen += method in ("PATCH", "POST", "PUT", "DELETE") and not path.endswith("/$batch")
            if phase == "applied":  # ...and, for about half the trials, has been applied too
                for _ in range(index):
                    assert applied.acquire(timeout=60)
            process.kill_hard()
            process.finish(30)
        finally:
            process.stop()
        served.wait_idle()  # a write the dead client left in flight lands now, or never
        served.sim.app.on_write = None

        with served.store() as store:
            run_id = store.runs(kind="remediate")[0].id
        _wait_until_dead(served, run_id)
        listed = served.cli("history", "--json")  # the next command, whatever it is
        assert listed.code == 0, listed.err
        with served.store() as store:
            run = store.get_run(run_id)
            assert run is not None
            assert run.status == "interrupted", (trial, index, phase, namespace)
        rolled = served.cli("rollback", str(run_id), "--yes")
        where = f"trial {trial}: kill at write {index} {phase}{' (PID 1)' if namespace else ''}"
        assert rolled.code == 0, f"{where}: {rolled.err[-2000:]}"
        assert served.sim.state_diff() == [], where


@pytest.mark.parametrize("namespace", [False, True], ids=["same-pid-namespace", "pid-1-in-own-namespace"])
def test_a_killed_run_is_interrupted_by_the_next_command(served: Lab, namespace: bool) -> None:
    """The liveness half alone: fast, and it names the reason."""
    slow_writes(served.sim, 5.0)
    process = served.spawn("remediate", "--tenant", TENANT, "--yes", pid_namespace=namespace)
    try:
        served.wait_request("PATCH")
        process.kill_hard()
        process.finish(30)
    finally:
        process.stop()
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
    if namespace:
        _wait_until_dead(served, run_id)
    assert served.cli("history").code == 0
    with served.store() as store:
        [run] = store.runs(kind="remediate")
    assert run.status == "interrupted"
    reason = "no heartbeat for" if namespace else "its process (pid"
    assert reason in run.error, run.error

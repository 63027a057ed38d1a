"""SIGINT/SIGTERM: no write starts after the signal, the one in flight is recorded, exit 130/143, rollback exact.

The CLI runs as a real process against the served tenant, whose writes are slowed by the
simulator's latency rule. The signal is sent the moment the second write request arrives — the
writes of that wave are in flight — and history (when each change was recorded, which is before
its request left) with the simulator's own request log is the witness that nothing started after.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from scorekeeper.store.liveness import pid_alive
from tests.safety.harness import TENANT, Lab, slow_writes

WRITE_METHODS = ("PATCH", "POST", "PUT", "DELETE")


def _wait_write(lab: Lab, count: int) -> float:
    """When the ``count``-th write request of the run arrived."""
    seen = 0
    while True:
        method, path, at = lab.arrivals.get(timeout=120)
        if method in WRITE_METHODS and not path.endswith("/$batch"):  # a $batch POST carries reads
            seen += 1
            if seen == count:
                return at


def _changes_started(lab: Lab, run_id: int) -> list[tuple[str, float]]:
    """(setting, when its change was recorded, as a Unix time) of every change of ``run_id``."""
    with sqlite3.connect(lab.db) as connection:
        rows = connection.execute("SELECT setting, started_at FROM changes WHERE run_id = ?", (run_id,)).fetchall()
    return [(setting, datetime.fromisoformat(str(at)).replace(tzinfo=UTC).timestamp()) for setting, at in rows]


@pytest.mark.parametrize(
    ("signum", "code", "pid_namespace"),
    [(signal.SIGINT, 130, False), (signal.SIGTERM, 143, True)],
    ids=["SIGINT", "SIGTERM-as-PID-1"],
)
def test_a_signal_stops_new_writes_and_the_run_rolls_back_exactly(
    served: Lab, signum: int, code: int, pid_namespace: bool
) -> None:
    slow_writes(served.sim, 0.6)
    served.sim.mark()
    process = served.spawn("remediate", "--tenant", TENANT, "--yes", pid_namespace=pid_namespace)
    try:
        _wait_write(served, 2)  # the second write is in flight now
        moment = time.time()
        process.signal(signum)
        result = process.finish(90)
    finally:
        process.stop()

    assert result.code == code, result.err
    assert "Traceback" not in result.err
    line = next((line for line in result.err.splitlines() if line.startswith("interrupted: run ")), result.err)
    run_id = int(re.match(r"interrupted: run (\d+) stopped", line).group(1))  # type: ignore[union-attr]
    assert line.endswith(f"undo with: scorekeeper rollback {run_id}")
    # Independent writes go out together (issue 30), so several may be on their way when the signal
    # comes; none may *start* after it: every change the run recorded (before its request left) was
    # recorded before the signal, and every write the tenant received is one of them.
    recorded = _changes_started(served, run_id)
    assert recorded and all(started <= moment for _, started in recorded), (moment, recorded)
    received = [r for r in served.sim.request_log if r.is_write]
    assert len(received) <= len(recorded), ([(r.method, r.path) for r in received], recorded)
    with served.store() as store:
        run = store.get_run(run_id)
        assert run is not None and run.status == "interrupted"
        assert f"stopped by {signal.Signals(signum).name}" in store.runs(kind="remediate")[0].error
        assert store.leases.all() == []  # released on the way out
    assert not pid_alive(process.process.pid)

    rolled = served.cli("rollback", str(run_id), "--yes")
    assert rolled.code == 0, rolled.err
    assert served.sim.state_diff() == []


def test_sigint_during_an_assessment_is_one_line_and_exit_130(served: Lab) -> None:
    served.sim.faults.add(latency=2.0, method="GET")
    process = served.spawn("assess", "--tenant", TENANT)
    try:
        served.wait_request("GET")
        process.signal(signal.SIGINT)
        result = process.finish(60)
    finally:
        process.stop()
    assert result.code == 130
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert lines == ["error: interrupted by SIGINT; stopped (history records what was done)"]
    with served.store() as store:
        [run] = store.runs(kind="assess")
        assert run.status == "interrupted"

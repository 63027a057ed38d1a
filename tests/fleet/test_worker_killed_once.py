"""Workers killed right after recording a run, before the job is marked done: no run is recorded twice.

Each victim worker is watched until one of its jobs is in the window that made issue 30's jobs
run twice: the tenant's run is ``completed`` in history while procrastinate still has the job
``doing``. The victim is frozen (SIGSTOP) so that state cannot move, the window is checked again,
and the victim is killed (SIGKILL) — three times, three victims. The stalled jobs go back to the
queue; their retries must find the recorded run and end without assessing again
(``scorekeeper/fleet/onceonly.py``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text

from scorekeeper.fleet.app import open_app
from scorekeeper.fleet.enqueue import enqueue

from .conftest import assert_never_twice_at_once
from .test_worker_killed import CONTROL, _config, _until, _worker

KILLS = 3
TENANTS = [f"t{n:02d}" for n in range(50)]

#: A job of the victim whose run is recorded while the job is still running: the window.
IN_THE_WINDOW = """
SELECT r.id, r.tenant, j.id FROM runs r
JOIN procrastinate_jobs j ON j.args ->> 'tenant' = r.tenant AND j.status = 'doing'
WHERE r.pid = :pid AND r.status = 'completed'
"""


def test_a_job_whose_run_was_recorded_is_not_run_again_after_its_worker_is_killed(
    fleet_url: str, fleet_store: Any, tmp_path: Path
) -> None:
    async def queue() -> None:
        async with open_app(fleet_url) as app:
            await enqueue(app, TENANTS, [CONTROL])

    asyncio.run(queue())
    env = dict(
        os.environ,
        SCOREKEEPER_DB=fleet_url,
        SCOREKEEPER_CONFIG=str(_config(tmp_path / "fleet.toml")),
        SCOREKEEPER_DATA_DIR=str(tmp_path / "data"),
        SCOREKEEPER_HEARTBEAT_SECONDS="0.5",
    )
    env.pop("SCOREKEEPER_LOAD_PLUGINS", None)
    engine = fleet_store._engine
    killed: list[tuple[int, str, int]] = []  # (run id, tenant, job id) of each kill
    workers: list[subprocess.Popen[str]] = []
    try:
        with engine.connect() as watch:
            for n in range(KILLS):
                victim = _worker(env, f"victim-{n}", 2)
                workers.append(victim)
                killed.append(_kill_in_the_window(watch, victim))
        survivor = _worker(env, "survivor", 3)
        workers.append(survivor)

        def every_job_done() -> bool:
            with engine.connect() as connection:
                states = Counter(s for (s,) in connection.execute(text("SELECT status FROM procrastinate_jobs")))
            return states == Counter({"succeeded": len(TENANTS)})

        _until(every_job_done, 180, "every job to succeed", survivor)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    runs = fleet_store.runs(limit=1000)
    completed = Counter(r.tenant for r in runs if r.status == "completed")
    assert completed == Counter(TENANTS), f"each tenant's run recorded once: {completed.most_common(3)}"
    by_id = {r.id: r for r in runs}
    with engine.connect() as connection:
        attempts = dict(connection.execute(text("SELECT id, attempts FROM procrastinate_jobs")).all())
    for run_id, tenant, job_id in killed:
        assert by_id[run_id].status == "completed" and by_id[run_id].tenant == tenant
        assert attempts[job_id] >= 1, "the killed job was retried (and found its run)"
    assert_never_twice_at_once(fleet_store)


def _kill_in_the_window(watch: Any, victim: subprocess.Popen[str]) -> tuple[int, str, int]:
    """Watch ``victim`` until a job of it is in the window, then kill it there; returns (run, tenant, job)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert victim.poll() is None, f"the victim exited early: {victim.stderr.read() if victim.stderr else ''}"
        if watch.execute(text(IN_THE_WINDOW), {"pid": victim.pid}).first() is None:
            watch.rollback()
            continue
        os.kill(victim.pid, signal.SIGSTOP)  # frozen: the job cannot be marked done now
        watch.rollback()
        found = watch.execute(text(IN_THE_WINDOW), {"pid": victim.pid}).first()
        watch.rollback()
        if found is not None:
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
            return int(found[0]), str(found[1]), int(found[2])
        os.kill(victim.pid, signal.SIGCONT)  # it left the window before it froze: watch on
    raise AssertionError("no job of the victim was caught between its recorded run and its end")

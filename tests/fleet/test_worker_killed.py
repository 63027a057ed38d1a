"""Two worker processes, 50 simulated tenants, one worker killed with SIGKILL mid-job: every tenant assessed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from scorekeeper.fleet.app import open_app
from scorekeeper.fleet.enqueue import enqueue

from .conftest import assert_never_twice_at_once

CONTROL = "PWAgePolicyNew"
TENANTS = [f"t{n:02d}" for n in range(50)]


def _config(path: Path) -> Path:
    tables = "".join(
        f'[tenants.{name}]\nsimulator = true\nprofile = "weak-cloud"\nauth = "static"\nportal_auth = "static"\n\n'
        for name in TENANTS
    )
    path.write_text(tables, encoding="utf-8")
    return path


def _worker(env: dict[str, str], name: str, concurrency: int) -> subprocess.Popen[str]:
    scorekeeper = str(Path(sys.executable).with_name("scorekeeper"))
    command = [scorekeeper, "worker", "--name", name, "--concurrency", str(concurrency)]
    # A loaded machine can block a worker's loop for seconds (assessments are CPU work): a live
    # worker judged dead would have its job run twice, so the threshold is generous.
    command += ["--heartbeat", "0.5", "--stalled-after", "8"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until(condition: Callable[[], Any], timeout: float, what: str, *procs: subprocess.Popen[str]) -> Any:
    """Poll ``condition`` (a database query) until it is truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        for proc in procs:
            assert proc.poll() is None, f"a worker exited early: {proc.stderr.read() if proc.stderr else ''}"
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_still_ends_with_every_tenant_assessed(
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
    env.pop("SCOREKEEPER_LOAD_PLUGINS", None)  # the installed plugins, as an operator's worker has
    engine = fleet_store._engine

    def rows(sql: str) -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))

    victim = _worker(env, "victim", 2)
    survivor = _worker(env, "survivor", 3)
    try:
        held = _until(
            lambda: rows(f"SELECT id, tenant FROM runs WHERE status = 'running' AND pid = {victim.pid}"),
            90,
            "the victim to be in the middle of a job",
            victim,
            survivor,
        )
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        _until(
            lambda: len(rows("SELECT DISTINCT tenant FROM runs WHERE status = 'completed'")) == len(TENANTS),
            120,
            "every tenant to be assessed",
            survivor,
        )
        _until(
            lambda: not rows(f"SELECT id FROM runs WHERE status = 'running' AND pid = {victim.pid}"),
            30,
            "the killed worker's run to be marked interrupted",
            survivor,
        )
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (victim, survivor):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

    runs = fleet_store.runs(limit=1000)
    assert Counter(r.tenant for r in runs if r.status == "completed") == Counter(TENANTS), "each tenant exactly once"
    interrupted = {r.id: r for r in runs if r.status == "interrupted"}
    assert {run_id for run_id, _ in held} <= set(interrupted), "the run the killed worker held is interrupted"
    assert len(runs) == len(TENANTS) + len(interrupted)
    assert_never_twice_at_once(fleet_store)

    async def status() -> Any:
        from scorekeeper.fleet.status import fleet_status

        async with open_app(fleet_url) as app:
            return await fleet_status(app)

    final = asyncio.run(status())
    assert (final.waiting, final.running, final.failed, final.succeeded) == (0, 0, 0, len(TENANTS))

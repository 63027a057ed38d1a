"""The scheduler with the real SSPR plugin against the simulator: fires, persists, drift, webhook, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from scorekeeper.domain.model import Status
from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine
from tests.scheduler.conftest import CHANNELS
from tests.scheduler.process import DaemonProcess

simulator = pytest.importorskip("scorekeeper.simulator")

SSPR = "SelfServicePasswordReset"
CONTROLS = {SSPR: {"helpdesk": "https://help.contoso.com/password"}}
SCOREKEEPER = Path(os.environ.get("VIRTUAL_ENV", Path(__file__).resolve().parents[2] / ".venv")) / "bin" / "scorekeeper"


@pytest.fixture(autouse=True)
def load_sspr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "sspr")
    with HistoryStore.open("sqlite://") as scratch:
        engine = make_engine(
            {"probe": simulator.Simulator.from_profiles("weak-cloud")}, scratch, tmp_path, controls=CONTROLS
        )
        if SSPR not in engine.plugins.controls:
            pytest.skip("the SSPR plugin is not installed")
        [run] = asyncio.run(engine.assess(["probe"], [SSPR]))
    broken = [f for f in run.findings if f.status is Status.ERROR]
    if broken:  # a precondition owned by the SSPR plugin and the simulator, reported rather than hidden
        pytest.skip(f"the SSPR plugin cannot assess the simulator yet: {broken[0].reason}")


async def test_scheduled_sspr_runs_persist_and_a_rollback_is_no_drift(
    harness, receiver, sk_store, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("SK_TEST_WEBHOOK", receiver.url)
    sim = simulator.Simulator.from_profiles("weak-cloud")
    engine = make_engine({"contoso": sim}, sk_store, tmp_path, controls=CONTROLS, extra_plugins=CHANNELS)
    engine.config.notifications = {"webhook": {"url_env": "SK_TEST_WEBHOOK", "backoff": 0, "allow_private": True}}
    _, plans = await engine.plan("contoso", [SSPR])
    fixed = await engine.remediate("contoso", plans)
    assert fixed.status == "completed"
    harness.schedules.add("contoso", control=SSPR, interval_seconds=0.05)

    first, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 1)
    assert first[0].status == "completed" and first[0].drift == []

    # Scorekeeper's own rollback; a new daemon (a restart) picks the schedule up.
    _, undo = engine.rollback_plans(fixed.run_id)
    await engine.rollback(fixed.run_id, undo)
    restarted = make_engine({"contoso": sim}, sk_store, tmp_path, controls=CONTROLS, extra_plugins=CHANNELS)
    restarted.config.notifications = engine.config.notifications
    second, _ = await harness.run_until(harness.daemon(restarted), lambda o: len(o) >= 1)

    # The rollback moved the baselines back (issue 28): what it restored is neither "off its
    # baseline" nor "stopped passing" — the 16 "setting regressed" events an operator saw are gone.
    assert {d.kind for d in second[0].drift} <= {"score_dropped"}
    assert sk_store.baselines("contoso") == []
    scheduled = [r for r in sk_store.runs("contoso", kind="assess") if r.scheduled]
    # Each daemon may fire once more before it stops (0.05 s interval, seen on a loaded machine):
    # the restarted one's first run is then not the newest; both daemons' runs are in history.
    ids = [r.id for r in scheduled]
    assert second[0].run_id in ids and first[0].run_id in ids and ids[0] >= second[0].run_id


def test_console_script_daemon_on_the_demo_tenant_stops_on_sigterm(tmp_path: Path) -> None:
    env = {"SCOREKEEPER_DATA_DIR": str(tmp_path), "SCOREKEEPER_LOAD_PLUGINS": "sspr"}
    db = tmp_path / "h.db"
    added = subprocess.run(
        [
            str(SCOREKEEPER),
            "--db",
            str(db),
            "schedule",
            "add",
            "--tenant",
            "demo",
            "--control",
            SSPR,
            "--interval",
            "1",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    daemon = DaemonProcess([str(SCOREKEEPER), "--db", str(db), "scheduler", "--reload", "0.5"], env)
    try:
        daemon.wait_for("scheduler ready:", "out")
        daemon.wait_for("completed", "err")  # "#1 assess demo/SelfServicePasswordReset every 1 s: run 1 completed"
        code = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0
    with HistoryStore.open(str(db)) as store:
        runs = store.runs("demo")
        assert runs and all(r.scheduled for r in runs)
        assert runs[-1].status == "completed" and runs[-1].total > 0
        assert ScheduleStore(store).list()[0].last_run_id is not None

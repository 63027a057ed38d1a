"""A tenant that cannot be signed in to or connected to is one line, a failed run and exit 1 (issue 28).

Real sockets: a simulator served on loopback by uvicorn for the good tenant and for the bad
secret's sign-in (the simulator's token endpoint refuses an app no customer consented to), and a
closed loopback port for the unreachable one.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.cli.main import main
from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore

CONTROL = "PWAgePolicyNew"  # passes on business-standard: the good tenant alone exits 0


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    import uvicorn

    sim = Simulator.from_profiles("business-standard")
    server = uvicorn.Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():  # uvicorn has no start callback: poll its flag
        started.wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield sim, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(tmp_path: Path, sim: Simulator, url: str) -> Path:
    closed = f"http://127.0.0.1:{_closed_port()}"
    path = tmp_path / "scorekeeper.toml"
    path.write_text(
        f'[tenants.good]\nauth = "static"\ntoken = "{sim.issue_token()}"\n'
        f'graph_url = "{url}"\nportal_url = "{url}/api"\n\n'
        f'[tenants.badsecret]\ntenant_id = "{sim.tenant_id}"\nauth = "client-secret"\n'
        f'client_id = "00000000-0000-0000-0000-00000000bad0"\nclient_secret_env = "SK_TEST_BAD_SECRET"\n'
        f'authority = "{url}"\ngraph_url = "{url}"\n\n'
        f'[tenants.gone]\nauth = "static"\ntoken = "{sim.issue_token()}"\n'
        f'graph_url = "{closed}"\nportal_url = "{closed}/api"\n'
    )
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(args)
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_bad_secret_and_closed_port_are_one_line_each_failed_and_exit_1(
    served: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, url = served
    monkeypatch.setenv("SK_TEST_BAD_SECRET", "wrong")
    monkeypatch.setenv("COLUMNS", "200")
    config, db = _config(tmp_path, sim, url), str(tmp_path / "history.db")
    base = ["--config", str(config), "--db", db]
    tenants = ["--tenant", "good", "--tenant", "badsecret", "--tenant", "gone"]

    code, out, err = _run([*base, "assess", *tenants, "--control", CONTROL], capsys)

    assert code == 1, out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    bad = [line for line in lines if line.startswith("badsecret")]
    gone = [line for line in lines if line.startswith("gone")]
    assert len(bad) == 1 and "sign-in failed" in bad[0] and "failed, exit 1" in bad[0]
    assert len(gone) == 1 and "cannot connect to 127.0.0.1" in gone[0] and "failed, exit 1" in gone[0]
    assert sum("badsecret" in line for line in lines) == 1 and sum("gone" in line for line in lines) == 1
    assert len(lines) <= 5  # three tenants and a totals line, not a wall
    [good] = [line for line in lines if line.startswith("good")]
    assert "exit 0" in good and " 0 pass" not in good

    with HistoryStore.open(db) as store:
        runs = {r.tenant: r for r in store.runs(kind="assess")}
        assert runs["badsecret"].status == runs["gone"].status == "failed"
        assert runs["badsecret"].total == runs["gone"].total == 0  # nothing counted as pass (or unknown)
        assert runs["good"].status == "completed" and runs["good"].counts["pass"] > 0

    code, out, _ = _run([*base, "assess", "--tenant", "gone", "--control", CONTROL, "--json"], capsys)
    assert code == 1
    run = json.loads(out)
    assert run["status"] == "failed" and run["controls"] == [] and run["unreachable"].startswith("cannot connect")

    code, _, err = _run([*base, "plan", "--tenant", "badsecret", "--control", CONTROL], capsys)
    assert code == 1 and err.count("\n") == 1 and "sign-in failed" in err and "nothing was planned" in err


def test_a_scheduled_run_of_a_tenant_never_reached_notifies_the_reason_once() -> None:
    from datetime import UTC, datetime

    from scorekeeper.domain.model import RunResult
    from scorekeeper.domain.outcome import run_exit_code, unreachable
    from scorekeeper.scheduler.events import run_failed_event, run_problems

    now = datetime.now(UTC)
    run = RunResult(7, "gone", "assess", (), now, now, "failed", unreachable="cannot connect to 127.0.0.1:9: refused")
    assert unreachable([run]) == [run] and run_exit_code([run]) == 1
    problems = run_problems(run)
    assert problems == [{"control": None, "setting": None, "status": "unreachable", "reason": run.unreachable}]
    event = run_failed_event("gone", problems, schedule_id=1, run_id=7)
    assert event["summary"] == f"Scheduled run for gone could not reach the tenant: {run.unreachable}"

"""``scorekeeper simulator serve --tenants N``: N tenants on one port, reached by the config it prints."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.config.model import load_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Any:
    """Three served tenants, their state file, and the config snippet the command printed."""
    port, state = _free_port(), tmp_path / "fleet.json"
    command = [str(Path(sys.executable).with_name("scorekeeper")), "simulator", "serve", "--tenants", "3"]
    command += ["--port", str(port), "--state", str(state), "--latency", "5"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    lines: list[str] = []
    while sum(line.startswith("portal_url") for line in lines) < 3:
        line = server.stdout.readline()
        assert line, f"serve exited early: {server.stderr.read() if server.stderr else ''}"
        lines.append(line)
    for _ in range(600):  # until uvicorn listens (the snippet is printed just before)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            server.wait(timeout=0.05) if server.poll() is not None else None
    try:
        yield port, state, "".join(lines)
    finally:
        server.terminate()
        server.wait(timeout=10)


async def test_each_config_tenant_reaches_its_own_simulated_tenant(served: Any, tmp_path: Path) -> None:
    from scorekeeper.simulator import Simulator
    from scorekeeper.store import HistoryStore

    port, state, snippet = served
    config_file = tmp_path / "scorekeeper.toml"
    config_file.write_text(snippet)
    config = load_config(config_file, data_dir=tmp_path)
    names = sorted(n for n in config.tenants if n.startswith("sim-"))
    assert names == ["sim-0001", "sim-0002", "sim-0003"]
    assert {config.tenant(n).graph_url for n in names} == {f"http://127.0.0.1:{port}"}
    ids = Simulator.load(state).tenant_ids
    assert [config.tenant(n).tenant_id for n in names] == ids and len(set(ids)) == 3

    store = HistoryStore.open(str(tmp_path / "history.db"))
    try:
        engine = Engine(config, load_plugins(), store, tmp_path)
        before = await engine.assess(names, ["PWAgePolicyNew"])
        _, plans = await engine.plan("sim-0002", ["PWAgePolicyNew"])
        assert (await engine.remediate("sim-0002", plans)).status == "completed"
        runs = await engine.assess(names, ["PWAgePolicyNew"])
    finally:
        store.close()
    failing = {run.tenant: sum(f.status.value == "fail" for f in run.findings) for run in before}
    assert failing["sim-0002"] > 0 and len(set(failing.values())) == 1
    after = {run.tenant: sum(f.status.value == "fail" for f in run.findings) for run in runs}
    assert after["sim-0002"] < failing["sim-0002"], "the remediated tenant improved"
    assert after["sim-0001"] == after["sim-0003"] == failing["sim-0001"], "the others did not move"
    saved = Simulator.load(state)  # serve saved the write to the state file
    domains = [saved.tenant(t).state["extensions"]["pwage-domains"]["domains"] for t in ids]
    values = [{d["id"]: d.get("passwordValidityPeriodInDays") for d in tenant} for tenant in domains]
    assert values[0]["contoso.com"] == values[2]["contoso.com"] != values[1]["contoso.com"]


def test_a_state_file_with_another_count_is_refused(tmp_path: Path) -> None:
    from scorekeeper.simulator.fleet import build_fleet

    state = tmp_path / "fleet.json"
    build_fleet(2).save(state)
    command = [str(Path(sys.executable).with_name("scorekeeper")), "simulator", "serve", "--tenants", "3"]
    done = subprocess.run([*command, "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "holds 2 tenants, not 3" in done.stderr and "Traceback" not in done.stderr


def test_sigterm_stops_the_server_cleanly_with_its_state_saved(tmp_path: Path) -> None:
    """Being told to stop is how a server ends: one line naming the state file, exit 0, no "error:"."""
    import signal

    command = [str(Path(sys.executable).with_name("scorekeeper")), "simulator", "serve", "--tenants", "1"]
    own_port, own_state = _free_port(), tmp_path / "own.json"
    process = subprocess.Popen(
        [*command, "--port", str(own_port), "--state", str(own_state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    while not process.stdout.readline().startswith("portal_url"):
        assert process.poll() is None
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", own_port), timeout=0.1).close()
            break
        except OSError:
            assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"simulator stopped; state saved in {own_state}" in err
    assert "error:" not in err and "Traceback" not in err
    assert own_state.exists()

"""Faults over a real socket: a reset is a TCP reset, a timeout is silence, 500-after-apply applied the write."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.faults import parse_rule
from scorekeeper.simulator.wire import server

POLICY = "/v1.0/policies/authorizationPolicy"
REPO = Path(__file__).resolve().parents[2]
SCOREKEEPER = [sys.executable, "-c", "from scorekeeper.cli.main import main; main()"]


def _patch(client: httpx.Client, sim: Simulator, value: bool) -> httpx.Response:
    token = sim.issue_token(sim.tenant_id)
    return client.patch(POLICY, json={"allowedToUseSSPR": value}, headers={"Authorization": f"Bearer {token}"})


def _allowed(sim: Simulator) -> object:
    return [c.after for c in sim.state_diff() if c.path.endswith("allowedToUseSSPR")]


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    with server(sim.app) as url:
        with httpx.Client(base_url=url, timeout=120) as client:  # the first write imports the SDK models: slow
            assert _patch(client, sim, True).status_code == 204
        sim.faults.clear()  # the write count starts again
        sim.request_log.clear()
        sim.mark()
        yield sim, url


def test_reset_after_apply_drops_the_connection_without_an_http_answer(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(kind="reset", write=1)
    with httpx.Client(base_url=url, timeout=30) as client:
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):  # never an HTTP status
            _patch(client, sim, False)
        assert _allowed(sim) == [False]  # the write was applied before the connection went
        assert _patch(client, sim, True).status_code == 204  # the next request is served normally
    assert [r.status for r in sim.writes()] == [204, 204]  # both applied, whatever the client heard


def test_timeout_after_apply_never_answers(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(kind="timeout", write=1, timeout_after=30)
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        _patch(client, sim, False)
    assert time.monotonic() - started < 10  # the client's own timeout ended it, not the server's 30 s
    assert _allowed(sim) == [False]


def test_500_after_apply_answers_graphs_error_body_and_the_write_stands(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(status=500, apply=True, write=1)
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = _patch(client, sim, False)
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error["code"] == "generalException" and error["message"] == "An unspecified error has occurred."
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
    assert _allowed(sim) == [False]


def test_a_status_fault_without_apply_leaves_the_tenant_alone(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(status=503, retry_after=1, write=1)
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = _patch(client, sim, False)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert sim.state_diff() == []


def test_a_malformed_answer_is_a_200_that_is_not_json_after_the_write(served: tuple[Simulator, str]) -> None:
    sim, url = served
    sim.faults.add(kind="malformed", write=1)
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = _patch(client, sim, False)
    assert answer.status_code == 204
    with pytest.raises(ValueError):
        answer.json()
    assert _allowed(sim) == [False]


def test_write_n_counts_write_requests_only(served: tuple[Simulator, str]) -> None:
    sim, url = served
    rule = sim.faults.add(status=500, apply=True, write=2)
    token = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id)}"}
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get(POLICY, headers=token).status_code == 200  # a read: not counted
        assert _patch(client, sim, False).status_code == 204  # write 1
        assert client.get(POLICY, headers=token).status_code == 200
        assert _patch(client, sim, True).status_code == 500  # write 2
        assert _patch(client, sim, False).status_code == 204  # write 3
    assert rule.hits == 1
    arrivals = [r.at for r in sim.request_log]
    assert arrivals == sorted(arrivals) and all(arrivals)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status=500,apply,write=3", {"status": 500, "apply": True, "write": 3}),
        ("kind=reset, method=PUT, path=/api/*", {"kind": "reset", "method": "PUT", "path": "/api/*"}),
        ("latency=0.25,jitter=0.1", {"latency": 0.25, "jitter": 0.1}),
        ("latency=0.3,writes", {"latency": 0.3, "writes": True}),
        ("status=429,retry-after=1,times=2", {"status": 429, "retry_after": 1.0, "times": 2}),
    ],
)
def test_parse_rule(text: str, expected: dict[str, object]) -> None:
    assert parse_rule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour=red", "unknown fault key 'colour'"),
        ("status=", "needs a value"),
        ("write=second", "takes a number"),
        ("", "an empty fault rule"),
    ],
)
def test_parse_rule_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rule(text)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_simulator_serve_takes_fault_rules_on_its_command_line(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"
    port = _free_port()
    command = [*SCOREKEEPER, "simulator", "serve", "--state", str(state), "--port", str(port)]
    bad = subprocess.run([*command, "--fault", "kind=explode"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: --fault 'kind=explode': kind must be one of reset, truncated, malformed, timeout"
    ]
    assert not state.exists()  # nothing was created for a rule that was refused

    serving = subprocess.Popen([*command, "--fault", "kind=reset,write=1"], stderr=subprocess.PIPE, text=True)
    try:
        assert serving.stderr is not None
        for line in serving.stderr:
            if line.startswith("fault: kind=reset,write=1"):
                break
        sim = Simulator.load(state)  # the same secret: its tokens are accepted
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(200):  # uvicorn binds right after printing the banner
                try:
                    client.get("/v1.0/organization")
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
            with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
                _patch(client, sim, False)
    finally:
        serving.terminate()
        serving.wait(30)
    saved = Simulator.load(state)  # the reset came after the write was applied and saved
    assert saved.tenant(saved.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"] is False


def test_a_writes_rule_matches_write_requests_and_not_reads_or_the_batch_envelope() -> None:
    from scorekeeper.simulator.faults import Faults

    faults = Faults()
    rule = faults.add(latency=0.3, writes=True)
    assert faults.pick("GET", POLICY, None, batched=False) == []
    assert faults.pick("POST", "/v1.0/$batch", None, batched=False) == []
    assert faults.pick("PATCH", POLICY, None, batched=False) == [rule]
    assert faults.pick("POST", "/v1.0/groupSettings", None, batched=True) == [rule]  # a write inside a batch

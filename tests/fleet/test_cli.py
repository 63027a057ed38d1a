"""The fleet commands as a user types them: fleet init, assess --queue, worker, fleet status, history."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`worker` configures logging for its process (stderr, INFO); in-process, give it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_queue_commands_need_a_postgresql_history(run: Callable) -> None:
    for args in (("fleet", "init"), ("fleet", "status"), ("assess", "--tenant", "demo", "--queue"), ("worker",)):
        result = run(*args)
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert result.code == 2 and len(lines) == 1 and "Traceback" not in result.err, (args, result.err)
        assert "needs a PostgreSQL history" in lines[0]


def test_queue_then_work_then_history(
    run: Callable, home: Path, fleet_url: str, monkeypatch: pytest.MonkeyPatch, root_logging: None
) -> None:
    monkeypatch.setenv("SCOREKEEPER_DB", fleet_url)
    assert "already present" in run("fleet", "init").out  # the fixture applied it: a second run changes nothing

    queued = run("assess", "--tenant", "demo", "--control", "PWAgePolicyNew", "--queue", "--json")
    assert queued.code == 0, queued.err
    [job] = json.loads(queued.out)
    assert job["tenant"] == "demo" and job["job_id"]
    status = json.loads(run("fleet", "status", "--json").out)
    assert status["queue_depth"] == 1 and status["oldest_waiting"]["job_id"] == job["job_id"]
    assert run("remediate", "--tenant", "demo", "--queue").code == 2  # unattended needs --yes

    worked = run("worker", "--until-empty", "--heartbeat", "0.5", "--stalled-after", "30")
    assert worked.code == 0, worked.err
    [assessed] = json.loads(run("history", "--json").out)["runs"]
    assert (assessed["tenant"], assessed["kind"], assessed["status"]) == ("demo", "assess", "completed")
    done = json.loads(run("fleet", "status", "--json").out)
    assert (done["queue_depth"], done["running"], done["succeeded"], done["failed"]) == (0, 0, 1, 0)

"""The CLI's write safety in-process: exit codes of plan/remediate, and one writer per tenant."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from scorekeeper.store import HistoryStore
from scorekeeper.store.liveness import ProcessIdentity
from tests.cli.test_bad_input import UNREACHABLE_TENANT, one_line_error

OTHER_HOST = ProcessIdentity("ops-box-2", 31337, "another-boot/pid:[4026531836]")


def test_plan_and_remediate_exit_1_and_name_what_could_not_be_read(run: Callable, home: Path) -> None:
    """Nothing left to change is no all-clear when nothing could be read (a CI job must not go green)."""
    (home / "scorekeeper.toml").write_text(UNREACHABLE_TENANT, encoding="utf-8")

    for command in (("plan",), ("remediate", "--yes")):
        result = run(*command, "--tenant", "dead", "--control", "PWAgePolicyNew")
        assert result.code == 1, (command, result.err)
        assert "Traceback" not in result.err
        # The tenant was never reached: one line, the reason once (issue 28), nothing planned.
        assert result.err.count("\n") == 1, result.err
        assert "dead: cannot connect to 127.0.0.1:9" in result.err and "nothing was planned or written" in result.err


def test_plan_json_also_exits_1_when_settings_could_not_be_read(run: Callable, home: Path) -> None:
    (home / "scorekeeper.toml").write_text(UNREACHABLE_TENANT, encoding="utf-8")
    result = run("plan", "--tenant", "dead", "--control", "PWAgePolicyNew", "--json")
    assert result.code == 1 and result.out == ""
    assert "dead: cannot connect" in result.err


def test_a_second_writer_gets_the_holders_line_and_writes_nothing(run: Callable, home: Path) -> None:
    assert run("assess", "--tenant", "demo").code in (0, 3)
    db = home / "data" / "history.db"
    with HistoryStore.open(str(db)) as store:
        assert store.leases.try_acquire("demo", "held-elsewhere", "remediate", OTHER_HOST, 10.0).acquired
        runs_before = len(store.runs())
    state = home / "data" / "simulator" / "demo.json"
    state_before = state.read_bytes() if state.exists() else None

    result = run("remediate", "--tenant", "demo", "--yes")

    assert result.code == 1
    line = one_line_error(result)
    assert line.startswith(
        "error: tenant demo is being changed by remediate (planning, no run yet) (pid 31337 on ops-box-2) since "
    )
    with HistoryStore.open(str(db)) as store:
        assert len(store.runs()) == runs_before  # not even a plan was made
        assert store.leases.holder("demo").token == "held-elsewhere"  # type: ignore[union-attr]
    assert (state.read_bytes() if state.exists() else None) == state_before


def test_rollback_takes_the_lease_too(run: Callable, home: Path) -> None:
    fixed = run("remediate", "--tenant", "demo", "--yes", "--json")
    run_id = json.loads(fixed.out)["run_id"]
    db = home / "data" / "history.db"
    with HistoryStore.open(str(db)) as store:
        assert store.leases.all() == []  # the remediation released its lease
        assert store.leases.try_acquire("demo", "held-elsewhere", "scheduled remediate", OTHER_HOST, 10.0).acquired

    result = run("rollback", str(run_id), "--yes")

    assert result.code == 1
    assert one_line_error(result).startswith("error: tenant demo is being changed by scheduled remediate ")
    with HistoryStore.open(str(db)) as store:
        assert [r.kind for r in store.runs(kind="rollback")] == []

"""Drift between two scheduled runs reaches the history, the CLI and a real webhook receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorekeeper.cli.main import main
from tests.core import toy_plugins


async def test_a_change_between_two_runs_is_drift_and_is_delivered(harness, receiver, monkeypatch) -> None:
    monkeypatch.setenv("SK_TEST_WEBHOOK", receiver.url)
    engine = harness.engine(
        notifications={"webhook": {"url_env": "SK_TEST_WEBHOOK", "backoff": 0, "allow_private": True}}
    )
    toy_plugins.TENANTS["t1"] = {"colour": "green", "size": 3}  # everything passes at first
    harness.schedules.add("t1", interval_seconds=0.05)

    def change_after_first(outcomes: list) -> bool:
        if len(outcomes) == 1:
            toy_plugins.TENANTS["t1"]["colour"] = "purple"  # someone changed the tenant by hand
        return len(outcomes) >= 2

    outcomes, _ = await harness.run_until(harness.daemon(engine), change_after_first)

    first, second = outcomes[:2]
    assert first.drift == []
    assert sorted((d.kind, d.setting) for d in second.drift) == [
        ("score_dropped", None),
        ("setting_regressed", "colour"),
    ]
    assert {d.previous_run_id for d in second.drift} == {first.run_id}
    stored = harness.store.drift_events("t1")
    assert {(d.kind, d.run_id) for d in stored} == {
        ("score_dropped", second.run_id),
        ("setting_regressed", second.run_id),
    }

    body = receiver.next()
    assert body["kind"] == "drift" and body["tenant"] == "t1" and body["run_id"] == second.run_id
    assert (
        body["summary"] == f"Drift in t1: 1 setting stopped passing and 1 Secure Score dropped since run {first.run_id}"
    )
    lines = sorted(i["line"] for i in body["items"])
    assert lines == [
        "ToyControl/colour: pass → fail (green → purple)",
        "ToyControl: Secure Score 1.0 → 0.0 of 2",
    ]


async def test_no_change_means_no_drift_and_no_notification(harness, receiver, monkeypatch) -> None:
    monkeypatch.setenv("SK_TEST_WEBHOOK", receiver.url)
    engine = harness.engine(notifications={"webhook": {"url_env": "SK_TEST_WEBHOOK", "allow_private": True}})
    toy_plugins.TENANTS["t1"] = {"colour": "green", "size": 3}
    harness.schedules.add("t1", interval_seconds=0.05)

    outcomes, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 2)

    assert [o.drift for o in outcomes] == [[] for _ in outcomes]
    assert harness.store.drift_events("t1") == []
    assert receiver.attempts == 0


async def test_drift_command_lists_it(harness, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    engine = harness.engine()
    toy_plugins.TENANTS["t1"] = {"colour": "green", "size": 3}
    [before] = await engine.assess(["t1"], scheduled=True)
    toy_plugins.TENANTS["t1"]["size"] = 1
    [after] = await engine.assess(["t1"], scheduled=True)
    harness.store.detect_drift(after.run_id)
    db = harness.store.url

    with pytest.raises(SystemExit) as ended:
        main(["--db", db, "drift", "--tenant", "t1", "--json"])
    assert ended.value.code == 0
    [event] = json.loads(capsys.readouterr().out)["events"]
    assert (event["kind"], event["setting"], event["previous_run_id"], event["run_id"]) == (
        "setting_regressed",
        "size",
        before.run_id,
        after.run_id,
    )
    assert event["line"] == "ToyControl/size: pass → fail (3 → 1)"

    with pytest.raises(SystemExit):
        main(["--db", db, "drift"])
    out = capsys.readouterr().out
    assert "ToyControl/size: pass → fail" in out and f"{before.run_id} → {after.run_id}" in out

    with pytest.raises(SystemExit) as unknown:  # neither configured nor in history: exit 2, one line (issue 28)
        main(["--db", db, "drift", "--tenant", "elsewhere"])
    assert unknown.value.code == 2 and "unknown tenant 'elsewhere'" in capsys.readouterr().err

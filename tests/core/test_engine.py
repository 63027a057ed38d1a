"""The engine over a toy plugin: plan, remediate, verify, rollback, exceptions, attestations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scorekeeper.config.model import ConfigError
from scorekeeper.domain.model import Attestation, Outcome, RemediationKind, Status
from scorekeeper.errors import EngineError
from tests.core import toy_plugins


async def test_assessment_is_recorded_with_score(toy_engine, sk_store) -> None:
    engine = toy_engine()
    [run] = await engine.assess(["t1"])
    stored = sk_store.get_run(run.run_id)
    assert stored is not None and stored.kind == "assess"
    assert {f.setting for f in stored.findings} == {"colour", "size", "paperwork"}
    [score] = sk_store.score_history("t1", "ToyControl")
    assert (score.score, score.max_score) == (0.0, 2.0)
    assert run.failed


async def test_plan_orders_dependencies_and_separates_guided(toy_engine) -> None:
    engine = toy_engine()
    _, [plan] = await engine.plan("t1")
    assert [i.setting for i in plan.automated] == ["colour", "size"]
    assert [(i.current, i.desired) for i in plan.automated] == [("red", "green"), (1, 3)]
    assert [i.setting for i in plan.guided] == ["paperwork"]
    assert plan.guided[0].steps == ("1. Do the paperwork.",)


async def test_remediate_records_before_values_then_verifies(toy_engine, sk_store) -> None:
    engine = toy_engine()
    plan_run, plans = await engine.plan("t1")
    result = await engine.remediate("t1", plans, parent_run_id=plan_run.run_id)
    assert toy_plugins.TENANTS["t1"] == {"colour": "green", "size": 3}
    changes = sk_store.changes_for_run(result.run_id)
    assert [(c, ch.setting, ch.before, ch.after, ch.outcome) for c, ch in changes] == [
        ("ToyControl", "colour", "red", "green", Outcome.APPLIED),
        ("ToyControl", "size", 1, 3, Outcome.APPLIED),
    ]
    # default verify: the engine re-assessed the changed settings only
    assert {f.setting: f.status for f in result.findings} == {"colour": Status.PASS, "size": Status.PASS}


async def test_only_planned_settings_are_written(toy_engine) -> None:
    engine = toy_engine()
    _, [plan] = await engine.plan("t1", settings={"size"})
    result = await engine.remediate("t1", [plan])
    assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 3}
    assert [c.setting for c in result.changes] == ["size"]


async def test_a_write_outside_the_plan_is_refused_before_it_happens(toy_engine) -> None:
    toy_plugins.OverreachingPlugin.written.clear()
    engine = toy_engine(("over", toy_plugins.OverreachingPlugin()))
    _, plans = await engine.plan("t1")
    result = await engine.remediate("t1", plans)
    assert toy_plugins.OverreachingPlugin.written == []
    assert "not in the confirmed plan" in result.controls[0].error
    assert result.status == "failed"


async def test_rollback_restores_before_values(toy_engine, sk_store) -> None:
    engine = toy_engine()
    _, plans = await engine.plan("t1")
    result = await engine.remediate("t1", plans)
    tenant, rollback_plans = engine.rollback_plans(result.run_id)
    assert tenant == "t1"
    assert [(i.setting, i.desired) for i in rollback_plans[0].items] == [("size", 1), ("colour", "red")]
    rolled = await engine.rollback(result.run_id, rollback_plans)
    assert toy_plugins.TENANTS["t1"] == {"colour": "red", "size": 1}
    assert rolled.kind == "rollback"
    assert all(ch.rolled_back_by == rolled.run_id for _, ch in sk_store.changes_for_run(result.run_id))
    with pytest.raises(EngineError, match="no changes left to roll back"):
        engine.rollback_plans(result.run_id)


async def test_exception_marks_failure_as_accepted_risk(toy_engine) -> None:
    rule = {"control": "ToyControl", "setting": "colour", "reason": "legacy kiosk", "expires": date(2999, 1, 1)}
    engine = toy_engine(exceptions=[rule], controls={"ToyControl": {"size": 1}})
    [run] = await engine.assess(["t1"])
    colour = next(f for f in run.findings if f.setting == "colour")
    assert colour.status is Status.FAIL and "legacy kiosk" in colour.excepted
    assert not run.failed  # size passes (desired 1), colour is excepted
    _, plans = await engine.plan("t1")
    assert all(i.setting != "colour" for p in plans for i in p.items)


async def test_expired_exception_no_longer_applies(toy_engine) -> None:
    rule = {"control": "ToyControl", "setting": "colour", "reason": "legacy kiosk", "expires": date(2000, 1, 1)}
    engine = toy_engine(exceptions=[rule])
    [run] = await engine.assess(["t1"])
    colour = next(f for f in run.findings if f.setting == "colour")
    assert not colour.excepted and "expired 2000-01-01" in colour.reason


async def test_attestation_turns_manual_into_pass(toy_engine, sk_store) -> None:
    sk_store.record_attestation(Attestation("t1", "ToyControl", "paperwork", "alice", "ticket 42", datetime.now(UTC)))
    [run] = await toy_engine().assess(["t1"])
    paperwork = next(f for f in run.findings if f.setting == "paperwork")
    assert paperwork.status is Status.PASS and "alice" in paperwork.reason and "ticket 42" in paperwork.reason
    assert paperwork.remediation is RemediationKind.GUIDED


async def test_invalid_control_config_stops_before_anything_is_read(toy_engine, sk_store) -> None:
    engine = toy_engine(controls={"ToyControl": {"size": 9, "shape": "round"}})
    assert sorted(engine.check()) == [
        "controls.ToyControl.shape: unknown key (check the spelling)",
        "controls.ToyControl.size: Input should be less than or equal to 5",
    ]
    with pytest.raises(ConfigError):
        await engine.assess(["t1"])
    assert sk_store.runs() == []


async def test_tenants_are_assessed_concurrently_and_separately(toy_engine) -> None:
    engine = toy_engine(tenants=("t1", "t2", "t3"))
    toy_plugins.state("t2")["colour"] = "green"
    runs = await engine.assess(["t1", "t2", "t3"])
    colours = {r.tenant: next(f.status for f in r.findings if f.setting == "colour") for r in runs}
    assert colours == {"t1": Status.FAIL, "t2": Status.PASS, "t3": Status.FAIL}
    assert len({r.run_id for r in runs}) == 3


async def test_progress_events_reach_the_listener(toy_engine) -> None:
    events = []
    engine = toy_engine()
    engine.on_progress = events.append
    await engine.assess(["t1"])
    assert [(e.setting, e.status) for e in events if e.setting] == [("colour", "fail"), ("size", "fail")]
    assert [e.status for e in events if not e.setting] == ["started", "done"]

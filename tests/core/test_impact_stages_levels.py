"""Issue 25 in the engine: impact gates the plan, stages move only when allowed and ready, levels decide failing.

Driven through the engine's own entries (``Engine.plan``, ``changing``/``LeasedChange``,
``change_unattended``, ``rollback``) on the simulator's Conditional Access API, with the small
staged control in ``staged_plugin.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from scorekeeper import Affected, Finding, Harm, Impact, Level, RemediationKind, Setting, Stage, Status
from scorekeeper.config.model import RemediationSettings, parse_config
from scorekeeper.domain.advice import with_advice
from scorekeeper.domain.levels import selects
from scorekeeper.domain.model import Control
from scorekeeper.domain.outcome import control_passes, run_exit_code
from scorekeeper.domain.pending import SCORE_SETTING, with_pending_score
from scorekeeper.engine import Engine
from scorekeeper.engine.change import unattended_plans
from scorekeeper.engine.planning import plan_for, promotion_refusals
from scorekeeper.errors import EXIT_FAIL, EXIT_OK
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.testing import simulator_for
from tests.core import staged_plugin
from tests.core.staged_plugin import EVIDENCE_USER, STAGED_CA, STATES, StagedPlugin


def _engine(sim: Any, store: Any, tmp_path: Path, **remediation: Any) -> Engine:
    data: dict[str, Any] = {"tenants": {"t1": {"simulator": True, "tenant_id": sim.tenant_id}}}
    if remediation:
        data["remediation"] = remediation
    config = parse_config(data, None, data_dir=tmp_path)
    return Engine(config, load_plugins([("staged", StagedPlugin())]), store, tmp_path, simulators={"t1": sim})


def _policy(sim: Any) -> dict[str, Any]:
    found = staged_plugin._policy(sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"])
    assert found is not None
    return dict(found)


def _evidence(sim: Any) -> None:
    """The tenant now shows what the next stage needs (see staged_plugin's docstring)."""
    users = sim.tenant(sim.tenant_id).state["users"]
    users.append({**users[0], "id": "0e7d2c55-5a8b-4b55-9d2e-7f1f0c1a2b3c", "displayName": EVIDENCE_USER})


def _rollback(engine: Engine, run_id: int) -> Any:
    _tenant, plans = engine.rollback_plans(run_id)
    return asyncio.run(engine.rollback(run_id, plans))


def _finding(run: Any, setting: str) -> Finding:
    return next(f for f in run.findings if f.setting == setting)


async def _change(engine: Engine, settings: set[str], *, promotions_only: bool = False) -> Any:
    with engine.changing("t1", "promote" if promotions_only else "remediate") as change:
        _run, plans = await change.plan(["StagedCA"], settings, promotions_only=promotions_only)
        return plans, (await change.apply(plans) if any(p.automated for p in plans) else None)


@pytest.fixture
def sim() -> Any:
    return simulator_for("hardened")


# ------------------------------------------------------------------------ levels
def test_selects_levels_and_baseline_prefixes_by_whole_words() -> None:
    cisa = ("CISA MS.AAD.3.5v2",)
    assert selects(("criterion", "baseline"), Level.CRITERION)
    assert selects(("criterion", "baseline"), Level.BASELINE, cisa)
    assert not selects(("criterion",), Level.BASELINE, cisa)
    assert selects(("criterion", "CISA"), Level.BASELINE, cisa)
    assert not selects(("criterion", "CIS"), Level.BASELINE, cisa)  # whole words: CIS is not CISA
    assert not selects(("criterion", "baseline", "CISA"), Level.ADVICE, cisa)
    assert selects(("advice",), Level.ADVICE)


def test_unselected_failures_read_as_advice_and_never_exit_3(sim: Any, sk_store: Any, tmp_path: Path) -> None:
    engine = _engine(sim, sk_store, tmp_path, requirements=["criterion"])
    [run] = asyncio.run(engine.assess(["t1"], ["StagedCA"]))
    assert _finding(run, "nudge").status is Status.ADVICE
    assert _finding(run, "cisa").status is Status.ADVICE  # a baseline the configuration did not select
    assert "[remediation] requirements" in _finding(run, "cisa").reason
    assert _finding(run, "lockout").status is Status.FAIL  # a criterion always counts
    advice_only = [r for r in (run,)]
    assert run_exit_code(advice_only) == EXIT_FAIL  # because of lockout, not the advice
    stored = sk_store.get_run(run.run_id)
    assert _finding(stored, "nudge").status is Status.ADVICE  # history keeps the verdict


def test_selecting_advice_or_a_baseline_prefix_makes_it_fail(sim: Any, sk_store: Any, tmp_path: Path) -> None:
    [run] = asyncio.run(_engine(sim, sk_store, tmp_path, requirements=["criterion", "CISA"]).assess(["t1"]))
    assert _finding(run, "cisa").status is Status.FAIL
    assert _finding(run, "nudge").status is Status.ADVICE
    [run] = asyncio.run(_engine(sim, sk_store, tmp_path, requirements=["advice"]).assess(["t1"]))
    assert _finding(run, "nudge").status is Status.FAIL
    assert _finding(run, "cisa").status is Status.ADVICE  # "advice" alone selects no baseline


def test_advice_and_staged_alone_exit_0_but_staged_is_not_passing() -> None:
    control = Control(
        "C",
        "C",
        (
            Setting("a", "A", RemediationKind.AUTOMATED, level=Level.ADVICE),
            Setting("s", "S", RemediationKind.AUTOMATED),
            Setting(SCORE_SETTING, "score", RemediationKind.NONE),
        ),
    )
    found = [
        Finding("C", "a", Status.FAIL),
        Finding("C", "s", Status.STAGED, stage=Stage(("report-only", "enabled"), 0)),
        Finding("C", SCORE_SETTING, Status.FAIL, reason="0 of 1 points."),
    ]
    findings = with_pending_score(with_advice(found, control, ("criterion", "baseline")), None)
    assert [f.status for f in findings] == [Status.ADVICE, Status.STAGED, Status.STAGED]
    from datetime import UTC, datetime

    from scorekeeper.domain.model import ControlResult, RunResult

    now = datetime.now(UTC)
    run = RunResult(1, "t", "assess", (ControlResult("C", "C", findings),), now, now)
    assert run_exit_code([run]) == EXIT_OK
    assert not control_passes(findings)
    assert control_passes(findings[:1])  # advice alone: the control passes


# ------------------------------------------------------------------------ impact
def test_a_locking_out_change_is_a_guided_step_naming_everyone_unless_accepted() -> None:
    many = tuple(Affected(f"u{i}", f"user{i}@contoso.example") for i in range(14))
    impact = Impact("14 users can no longer reset", Harm.LOCKS_OUT, many, remedy="enable SMS for them")
    finding = Finding("StagedCA", "lockout", Status.FAIL, current="a", desired="b", impact=impact)
    [item] = plan_for("t", STAGED_CA, [finding]).items
    assert item.kind is RemediationKind.GUIDED
    assert item.steps[0] == (
        'not planned: 14 users can no longer reset; accept with [remediation] accept_impact = ["StagedCA.lockout"]'
    )
    assert "user0@contoso.example" in item.steps[1] and item.steps[1].endswith("and 4 more")
    assert "to make it safe first: enable SMS for them" in item.steps
    assert len(item.to_dict()["impact"]["affected"]) == 14  # --json names every one
    for accepted in (["StagedCA.lockout"], ["StagedCA.*"]):
        [item] = plan_for("t", STAGED_CA, [finding], rules=RemediationSettings(accept_impact=accepted)).items
        assert item.kind is RemediationKind.AUTOMATED and item.impact == impact and item.desired == "b"


def test_a_harmless_impact_rides_along_on_the_automated_item() -> None:
    impact = Impact("3 users are newly offered SMS", Harm.NONE, (Affected("u", "ada@x"),))
    finding = Finding("StagedCA", "lockout", Status.FAIL, current="a", desired="b", impact=impact)
    [item] = plan_for("t", STAGED_CA, [finding]).items
    assert item.kind is RemediationKind.AUTOMATED and item.impact == impact


def test_unattended_changes_never_write_a_locking_out_item(sim: Any, sk_store: Any, tmp_path: Path) -> None:
    engine = _engine(sim, sk_store, tmp_path)
    [run] = asyncio.run(engine.assess(["t1"], ["StagedCA"]))
    object.__setattr__(engine, "auto_remediate_allowed", lambda control, tenant=None: True)
    plans, _refused = unattended_plans(engine, run)
    automated = {i.setting for p in plans for i in p.automated}
    assert "lockout" not in automated and "nudge" not in automated
    assert "policy" in automated  # the first stage is an ordinary change
    accepting = _engine(sim, sk_store, tmp_path, accept_impact=["StagedCA.lockout"])
    object.__setattr__(accepting, "auto_remediate_allowed", lambda control, tenant=None: True)
    plans, _refused = unattended_plans(accepting, run)
    assert "lockout" in {i.setting for p in plans for i in p.automated}


def test_history_keeps_each_findings_impact_and_stage(sim: Any, sk_store: Any, tmp_path: Path) -> None:
    engine = _engine(sim, sk_store, tmp_path)
    run, _plans = asyncio.run(engine.plan("t1", ["StagedCA"]))
    stored = sk_store.get_run(run.run_id)
    assert _finding(stored, "lockout").impact == _finding(run, "lockout").impact
    assert _finding(stored, "lockout").impact.affected[1].name == "bo@contoso.example"
    assert _finding(stored, "policy").stage == _finding(run, "policy").stage
    assert _finding(stored, "policy").to_dict() == _finding(run, "policy").to_dict()


# ------------------------------------------------------------------------ stages
def test_first_stage_then_refused_until_allowed_and_ready_then_promoted_and_rolled_back_exactly(
    sim: Any, sk_store: Any, tmp_path: Path
) -> None:
    engine = _engine(sim, sk_store, tmp_path)
    plans, first = asyncio.run(_change(engine, {"policy"}))
    assert [(i.setting, i.stage) for p in plans for i in p.items] == [("policy", "report-only")]
    assert _policy(sim)["state"] == STATES["report-only"]
    [run] = asyncio.run(engine.assess(["t1"], ["StagedCA"]))
    staged = _finding(run, "policy")
    assert staged.status is Status.STAGED and staged.stage is not None and staged.stage.name == "report-only"
    assert not control_passes([staged])

    # Not allowed by the configuration: nothing planned, one line saying so.
    plans, nothing = asyncio.run(_change(engine, {"policy"}, promotions_only=True))
    assert plans == [] and nothing is None
    [refusal] = promotion_refusals("StagedCA", run.findings, engine.config.remediation("t1"))
    assert refusal.reason.startswith("not allowed by [remediation] promote")
    # Allowed, not ready: the same, with what the next stage needs.
    allowing = _engine(sim, sk_store, tmp_path, promote=["StagedCA.policy"])
    plans, nothing = asyncio.run(_change(allowing, {"policy"}, promotions_only=True))
    assert plans == [] and nothing is None
    [refusal] = promotion_refusals("StagedCA", run.findings, allowing.config.remediation("t1"))
    assert refusal.reason == "not ready: needs report-only results reviewed in the sign-in logs"
    assert _policy(sim)["state"] == STATES["report-only"]

    # Allowed and ready: promoted through the ordinary recorded path.
    _evidence(sim)
    before = _policy(sim)
    plans, promoted = asyncio.run(_change(allowing, {"policy"}, promotions_only=True))
    [item] = [i for p in plans for i in p.items]
    assert (item.stage, item.desired["state"], item.kind) == ("enabled", "enabled", RemediationKind.AUTOMATED)
    assert promoted.status == "completed" and _policy(sim)["state"] == "enabled"
    assert _finding(promoted, "policy").status is Status.PASS  # verified by reading back

    result = _rollback(allowing, promoted.run_id)
    assert result.status == "completed"
    after = _policy(sim)
    server_set = {"modifiedDateTime"}
    assert {k: v for k, v in after.items() if k not in server_set} == {
        k: v for k, v in before.items() if k not in server_set
    }
    # ... and the first stage's run rolls back too: the policy is gone.
    assert _rollback(engine, first.run_id).status == "completed"
    assert staged_plugin._policy(sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"]) is None


def test_remediate_promotes_only_when_configured(sim: Any, sk_store: Any, tmp_path: Path) -> None:
    engine = _engine(sim, sk_store, tmp_path)
    asyncio.run(_change(engine, {"policy"}))
    _evidence(sim)
    plans, nothing = asyncio.run(_change(engine, {"policy"}))
    assert plans == [] and nothing is None and _policy(sim)["state"] == STATES["report-only"]
    allowing = _engine(sim, sk_store, tmp_path, promote=["StagedCA.*"])
    plans, promoted = asyncio.run(_change(allowing, {"policy"}))
    assert [i.stage for p in plans for i in p.items] == ["enabled"] and _policy(sim)["state"] == "enabled"
    assert promoted is not None and promoted.status == "completed"


# ------------------------------------------------------------------------ configuration
@pytest.mark.parametrize(
    ("table", "line"),
    [
        ({"requirements": ["criteria"]}, "remediation.requirements: unknown requirement 'criteria' (did you mean"),
        ({"requirements": []}, "remediation.requirements: select at least one requirement"),
        ({"promote": ["StagedCA"]}, "remediation.promote: 'StagedCA' is not control.setting or control.*"),
        ({"accept_impact": ["a.b.c"]}, "remediation.accept_impact: 'a.b.c' is not control.setting"),
        ({"colour": 1}, "remediation.colour: unknown key"),
    ],
)
def test_bad_remediation_tables_are_one_line_each(table: dict[str, Any], line: str, tmp_path: Path) -> None:
    from scorekeeper.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config({"remediation": table}, None, data_dir=tmp_path)
    assert any(problem.startswith(line) for problem in caught.value.problems), caught.value.problems


def test_a_tenant_overrides_remediation_key_by_key(tmp_path: Path) -> None:
    config = parse_config(
        {
            "remediation": {"requirements": ["criterion"], "promote": ["A.b"]},
            "tenants": {"t1": {"simulator": True, "remediation": {"promote": ["A.*"]}}},
        },
        None,
        data_dir=tmp_path,
    )
    assert config.remediation("t1").promote == ("A.*",)
    assert config.remediation("t1").requirements == ("criterion",)
    assert config.remediation().promote == ("A.b",)
    assert config.remediation_source("t1", "promote") == "tenants.t1.remediation"
    assert config.remediation_source("t1", "accept_impact") == "default"

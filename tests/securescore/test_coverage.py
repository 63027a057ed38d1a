"""Coverage of the Secure Score: which plugin covers a control, and the points automated remediation can earn."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scorekeeper.domain.coverage import (
    CoverageTotals,
    Remediation,
    category_line,
    coverage_line,
    fleet_totals,
    judge_coverage,
    remediation_of,
)
from scorekeeper.domain.display import NOT_SCORED_LEGEND
from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import Control, RemediationKind, Setting
from scorekeeper.domain.securescore import ControlScore

AUTO, GUIDED, NONE = RemediationKind.AUTOMATED, RemediationKind.GUIDED, RemediationKind.NONE


def _control(control_id: str, *settings: tuple[RemediationKind, Level], plugin: str = "lab") -> Control:
    declared = tuple(
        Setting(id=f"s{i}", title="", remediation=kind, level=level) for i, (kind, level) in enumerate(settings)
    )
    return Control(id=control_id, title=control_id, settings=declared, plugin=plugin)


def _row(control_id: str, category: str, max_score: float | None, score: float | None = 0.0) -> ControlScore:
    return ControlScore(id=control_id, title="", category=category, service="", score=score, max_score=max_score)


def test_remediation_is_judged_from_the_criterion_settings_only() -> None:
    assert remediation_of(_control("A", (AUTO, Level.CRITERION), (NONE, Level.CRITERION))) is Remediation.AUTOMATED
    # a person must act on one criterion: guided, however many settings are written automatically
    assert remediation_of(_control("B", (AUTO, Level.CRITERION), (GUIDED, Level.CRITERION))) is Remediation.GUIDED
    # guided advice or baseline requirements earn no Secure Score points: they do not decide
    assert remediation_of(_control("C", (AUTO, Level.CRITERION), (GUIDED, Level.ADVICE))) is Remediation.AUTOMATED
    assert remediation_of(_control("D", (AUTO, Level.BASELINE), (NONE, Level.CRITERION))) is Remediation.ASSESS_ONLY


def test_a_guided_setting_that_holds_in_the_tenant_asks_no_one_to_act() -> None:
    """SSPR's licence: "buy a licence" is no step for a tenant that holds it; failing or unrecorded, it counts."""
    sspr = _control("SSPR", (GUIDED, Level.CRITERION), (AUTO, Level.CRITERION))
    assert remediation_of(sspr) is Remediation.GUIDED
    assert remediation_of(sspr, {"s0": "pass", "s1": "fail"}) is Remediation.AUTOMATED
    assert remediation_of(sspr, {"s0": "not_applicable"}) is Remediation.AUTOMATED
    assert remediation_of(sspr, {"s0": "fail"}) is Remediation.GUIDED
    assert remediation_of(sspr, {"s0": "unknown"}) is Remediation.GUIDED
    assert remediation_of(sspr, {"s1": "pass"}) is Remediation.GUIDED  # the licence not recorded: as declared
    # a passing automated setting stays what it is: the control is still remediated by scorekeeper
    assert remediation_of(sspr, {"s0": "pass", "s1": "pass"}) is Remediation.AUTOMATED
    # a control only a person can fix stays guided while it holds (not "read")
    admins = _control("OneAdmin", (GUIDED, Level.CRITERION), (NONE, Level.CRITERION))
    assert remediation_of(admins, {"s0": "pass"}) is Remediation.GUIDED
    rows = [_row("SSPR", "Identity", 1), _row("Other", "Identity", 2)]
    judged = judge_coverage(rows, {"SSPR": sspr}, statuses={("SSPR", "s0"): "pass", ("Other", "s0"): "fail"})
    assert judged.totals.automated == 1
    assert judge_coverage(rows, {"SSPR": sspr}).totals.automated == 0


def test_a_control_whose_changeable_settings_do_not_apply_is_not_counted_automated() -> None:
    """A risk policy in a tenant without P2: Microsoft scores it, scorekeeper can earn none of it there."""
    risk = _control("Risk", (AUTO, Level.CRITERION), (NONE, Level.CRITERION))
    assert remediation_of(risk, {"s0": "not_applicable", "s1": "fail"}) is Remediation.NOT_APPLICABLE
    assert remediation_of(risk, {"s0": "fail"}) is Remediation.AUTOMATED
    assert remediation_of(risk) is Remediation.AUTOMATED  # no assessment: as declared
    both = _control("Both", (AUTO, Level.CRITERION), (GUIDED, Level.CRITERION))
    # one changeable setting still applies: judged by what is left (the guided one holds)
    assert remediation_of(both, {"s0": "fail", "s1": "not_applicable"}) is Remediation.AUTOMATED
    rows = [_row("Risk", "Identity", 7), _row("Auto", "Identity", 8)]
    controls = {"Risk": risk, "Auto": _control("Auto", (AUTO, Level.CRITERION), plugin="ca")}
    judged = judge_coverage(rows, controls, statuses={("Risk", "s0"): "not_applicable"})
    assert judged.totals.to_dict() == {"points": 15, "covered": 15, "automated": 8, "not_applicable": 7}
    assert "(7 more where its settings do not apply here" in coverage_line(judged.totals)
    # the category's line says them too, in the same words score and the HTML report print
    assert category_line("Identity", judged.by_category["Identity"]) == (
        "Identity: 8 automated (7 more n/a here), 15 covered of 15"
    )
    assert category_line("", fleet_totals([judge_coverage(rows[1:], controls)])) == (
        "(no category): 8 automated, 8 covered of 8"
    )
    assert [Remediation(v).short for v in ("automated", "guided", "assess-only", "not-applicable")] == [
        "auto",
        "guided",
        "read",
        "n/a",
    ]


def test_points_count_only_scored_controls_and_split_by_category() -> None:
    controls = {
        "Auto": _control("Auto", (AUTO, Level.CRITERION), plugin="ca"),
        "People": _control("People", (GUIDED, Level.CRITERION), plugin="roles"),
        "Unscored": _control("Unscored", (AUTO, Level.CRITERION), plugin="ca"),
    }
    rows = [
        _row("Auto", "Identity", 8, score=3),
        _row("People", "Identity", 1),
        _row("Unscored", "Identity", 7, score=None),  # not licensed: not part of the tenant's maximum
        _row("DLP", "Data", 20),
    ]
    coverage = judge_coverage(rows, controls, {"ca": "scorekeeper-m365-conditionalaccess"})
    totals = coverage.totals
    assert (totals.points, totals.covered, totals.automated) == (29, 9, 8)
    assert coverage.by_category["Identity"].to_dict() == {
        "points": 9,
        "covered": 9,
        "automated": 8,
        "not_applicable": 0,
    }
    assert coverage.by_category["Data"].to_dict() == {"points": 20, "covered": 0, "automated": 0, "not_applicable": 0}
    auto, people, dlp = coverage.of("Auto"), coverage.of("People"), coverage.of("DLP")
    assert auto is not None and auto.distribution == "scorekeeper-m365-conditionalaccess"
    assert people is not None and people.distribution == "roles"  # no distribution known: the plugin name
    assert dlp is not None and dlp.plugin == "" and dlp.remediation is None
    assert coverage.of("Missing") is None
    assert fleet_totals([coverage, coverage]).to_dict() == {
        "points": 58,
        "covered": 18,
        "automated": 16,
        "not_applicable": 0,
    }


def _score(run: Callable, *args: str) -> dict:
    result = run("score", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_score_json_carries_coverage_that_adds_up_and_follows_the_schema(run: Callable) -> None:
    data = _score(run, "--tenant", "demo")
    coverage = data["coverage"]
    by_id = {c["id"]: c for c in coverage["controls"]}
    assert set(by_id) == {c["id"] for c in data["controls"]}
    assert by_id["PWAgePolicyNew"]["remediation"] == "automated"
    assert by_id["PWAgePolicyNew"]["distribution"] == "scorekeeper-m365-pwage"
    assert by_id["OneAdmin"]["remediation"] == "guided"  # an administrator is never removed automatically
    assert by_id["DLPEnabled"]["plugin"] is None and by_id["DLPEnabled"]["remediation"] is None
    scored = [c for c in data["controls"] if c["score"] is not None]
    assert coverage["totals"]["points"] == pytest.approx(sum(c["max_score"] for c in scored))
    assert coverage["totals"]["covered"] == pytest.approx(sum(c["max_score"] for c in scored if c["covered_by"]))
    automated = sum(by_id[c["id"]]["points"] for c in scored if by_id[c["id"]]["remediation"] == "automated")
    assert coverage["totals"]["automated"] == pytest.approx(automated)
    identity = coverage["categories"]["Identity"]
    assert 0 < identity["automated"] <= identity["covered"] <= identity["points"]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "score.json").read_text())
    jsonschema.validate(data, schema)


def test_score_says_the_totals_and_each_rows_remediation(run: Callable) -> None:
    data = _score(run, "--tenant", "demo")["coverage"]["totals"]
    shown = run("score", "--tenant", "demo")
    assert shown.code == 0, shown.err
    points, covered, automated = (f"{data[k]:g}" for k in ("points", "covered", "automated"))
    assert f"plugins cover {covered} of {points} points; automated remediation covers {automated}" in shown.out
    row = next(line for line in shown.out.splitlines() if "PWAgePolicyNew" in line)
    assert "auto" in row and "pwage" in row
    words = " ".join(shown.out.split())
    for name, totals in _score(run, "--tenant", "demo")["coverage"]["categories"].items():
        if totals["covered"]:  # each covered category's line, its n/a points said
            judged = CoverageTotals(**totals)
            assert category_line(name, judged) in words, (name, words[-1500:])
    if any(c["available"] is None for c in _score(run, "--tenant", "demo")["controls"]):
        assert " ".join(NOT_SCORED_LEGEND.split()) in words
    details = run("score", "--tenant", "demo", "--details", "--category", "Identity")
    assert "covered by scorekeeper-m365-adminroles: guided remediation" in details.out


def test_the_fleet_view_adds_the_fleets_coverage_in_one_line(run: Callable, home: Path) -> None:
    (home / "scorekeeper.toml").write_text(
        '[tenants.weak]\nsimulator = true\nprofile = "weak-cloud"\n'
        '[tenants.hard]\nsimulator = true\nprofile = "hardened"\n'
    )
    shown = run("score", "--all-tenants")
    assert shown.code == 0, shown.err
    [footer] = [line for line in shown.out.splitlines() if line.startswith("fleet: ")]
    names = [t["tenant"] for t in _score(run, "--all-tenants")["tenants"]]
    assert {"weak", "hard"} <= set(names)
    each = [_score(run, "--tenant", name)["coverage"]["totals"] for name in names]
    covered, points = (round(sum(t[k] for t in each), 2) for k in ("covered", "points"))
    assert f"plugins cover {covered:g} of {points:g} points" in footer
    assert len(footer) <= 80

"""The two domain rules plugins share: dated platform changes ahead, and licence gating."""

from __future__ import annotations

from datetime import date

from scorekeeper import (
    Control,
    Finding,
    PlatformChange,
    RemediationKind,
    Setting,
    Status,
    changes_ahead,
    gate_by_licence,
)
from scorekeeper.engine.planning import plan_for

RETIRE = PlatformChange(
    id="phones-2027",
    on=date(2027, 2, 1),
    title="SMS and voice retire",
    settings=("methods", "readiness"),
    action="Move users to passkeys.",
    source="https://learn.microsoft.com/x",
)
PAST = PlatformChange(id="old", on=date(2025, 9, 30), title="legacy policies end", settings=("methods",))
CONTROL = Control(
    id="C",
    title="C",
    settings=(
        Setting("methods", "Methods", RemediationKind.AUTOMATED),
        Setting("readiness", "Readiness", RemediationKind.GUIDED),
        Setting("ca", "Conditional Access", RemediationKind.AUTOMATED, licence="P1"),
    ),
    platform_changes=(RETIRE, PAST),
)


def finding(setting: str, status: Status = Status.FAIL, marks: tuple[str, ...] = ()) -> Finding:
    evidence = {"platform_changes": list(marks)} if marks else {}
    return Finding(control="C", setting=setting, status=status, reason="why", evidence=evidence)


def test_a_change_ahead_applies_only_when_a_finding_of_its_settings_names_it() -> None:
    today = date(2026, 12, 1)
    assert changes_ahead(CONTROL, [finding("methods")], today) == []
    [ahead] = changes_ahead(CONTROL, [finding("methods", Status.PASS, ("phones-2027",)), finding("ca")], today)
    assert ahead.change is RETIRE and ahead.settings == ("methods",) and ahead.days_left == 62
    assert ahead.line().startswith("2027-02-01 (in 62 days): SMS and voice retire — affects methods.")
    assert "Move users to passkeys." in ahead.line() and RETIRE.source in ahead.line()
    # a finding of another setting, another control, or a change already in effect does not count
    other = Finding(control="D", setting="methods", status=Status.FAIL, evidence={"platform_changes": ["phones-2027"]})
    assert changes_ahead(CONTROL, [finding("ca", marks=("phones-2027",)), other], today) == []
    assert changes_ahead(CONTROL, [finding("methods", marks=("old",))], today) == []
    assert changes_ahead(CONTROL, [finding("methods", marks=("phones-2027",))], date(2027, 2, 2)) == []


def test_an_unlicensed_setting_is_not_applicable_with_the_reason_and_never_planned() -> None:
    found = [finding("ca"), finding("methods")]
    gated = gate_by_licence(CONTROL, found, {"P1": False}, "see the license row")
    ca = gated[0]
    assert ca.status is Status.NOT_APPLICABLE and ca.remediation is RemediationKind.NONE
    assert "includes P1" in ca.reason and "see the license row" in ca.reason and "why" in ca.reason
    assert gated[1] == found[1]
    assert [i.setting for i in plan_for("t", CONTROL, gated).items] == ["methods"]


def test_a_licence_that_could_not_be_read_gates_nothing() -> None:
    found = [finding("ca"), finding("methods")]
    assert gate_by_licence(CONTROL, found, {"P1": None}) == found
    assert gate_by_licence(CONTROL, found, {"P1": True}) == found
    assert gate_by_licence(CONTROL, found, {}) == found


def test_a_finding_s_consequence_reaches_the_plan() -> None:
    item = Finding(
        control="C", setting="methods", status=Status.FAIL, evidence={"consequence": "3 users lose their method."}
    )
    [planned] = plan_for("t", CONTROL, [item]).items
    assert planned.consequence == "3 users lose their method."
    assert planned.to_dict()["consequence"] == "3 users lose their method."

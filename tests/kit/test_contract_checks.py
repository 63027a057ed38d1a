"""The contract suite's judgements on their own (scorekeeper/kit/contract.py): what each accepts and refuses."""

from __future__ import annotations

from types import SimpleNamespace

from pydantic import BaseModel

from scorekeeper import (
    Change,
    Control,
    Finding,
    Outcome,
    PlanItem,
    RemediationKind,
    Setting,
    Stage,
    Status,
    Verification,
    WhenConfigured,
)
from scorekeeper.kit.contract import (
    conditional_permissions,
    config_value_set,
    describe_differences,
    logged_target,
    not_passing,
    off_plan,
    undeclared_writes,
    unstuck,
    writes_outside_the_helper,
)

AUTOMATED = RemediationKind.AUTOMATED
STAGES = ("report-only", "enabled")


def change(setting: str, method: str, path: str, **resource: object) -> Change:
    request = {"method": method, "path": path, "api": "graph", "version": "v1.0"}
    return Change(setting, None, {"x": 1}, Outcome.APPLIED, {"request": request, **resource})


def item(setting: str, desired: object, stage: str = "") -> PlanItem:
    return PlanItem(setting=setting, current=None, desired=desired, kind=AUTOMATED, stage=stage)


def fresh(setting: str, status: Status, current: object = None, stage: Stage | None = None) -> Finding:
    return Finding(control="C", setting=setting, status=status, current=current, stage=stage, reason="read")


def test_the_logged_path_loses_its_api_surface_and_query() -> None:
    assert logged_target("patch", "/v1.0/Domains/contoso.com?x=1") == ("PATCH", "domains/contoso.com")
    assert logged_target("PUT", "/api/PasswordReset/Policies") == ("PUT", "passwordreset/policies")
    assert logged_target("POST", "/beta/policies") == ("POST", "policies")


def test_every_write_the_tenant_saw_must_have_a_recorded_change() -> None:
    recorded = [change("a", "PATCH", "domains/contoso.com")]
    assert writes_outside_the_helper([("PATCH", "/v1.0/domains/contoso.com")], recorded) == []
    [problem] = writes_outside_the_helper(
        [("PATCH", "/v1.0/domains/contoso.com"), ("POST", "/v1.0/groupSettings")], recorded
    )
    assert problem.startswith("POST /v1.0/groupSettings reached the tenant")
    assert "tenant.write / tenant.write_together / tenant.create" in problem


def test_a_second_write_to_a_recorded_path_is_outside_the_helper() -> None:
    recorded = [change("a", "PATCH", "domains/contoso.com")]
    [problem] = writes_outside_the_helper([("PATCH", "/v1.0/domains/contoso.com")] * 2, recorded)
    assert "(1 of 2 requests)" in problem


def test_one_request_moving_several_settings_and_a_resent_create_are_accounted_for() -> None:
    together = [change(s, "PUT", "PasswordReset/Policies") for s in ("a", "b", "c")]
    assert writes_outside_the_helper([("PUT", "/api/PasswordReset/Policies")], together) == []
    resent = [change("p", "POST", "policies", attempts="POST 1 answered 504; POST 2 created it")]
    assert writes_outside_the_helper([("POST", "/v1.0/policies")] * 2, resent) == []


def test_a_change_to_an_undeclared_setting_or_one_without_write_api_is_named() -> None:
    control = Control(
        "C",
        "c",
        (Setting("w", "w", AUTOMATED, write_api="PATCH /x"), Setting("r", "r", RemediationKind.GUIDED)),
    )
    problems = undeclared_writes(control, [change("w", "PATCH", "x"), change("r", "PATCH", "y"), change("z", "P", "q")])
    assert [p.split(":")[0] for p in problems] == ["r", "z"]
    assert "declares no write_api" in problems[0] and "does not declare" in problems[1]


def test_a_write_that_did_not_stick_names_the_setting_and_what_was_read() -> None:
    changes = [change("a", "PATCH", "x"), change("b", "PATCH", "y")]
    findings = [
        Finding("C", "a", Status.PASS, verification=Verification.STUCK, reason="ok"),
        Finding("C", "b", Status.FAIL, verification=Verification.NOT_STUCK, reason="wrote 1, read back 2"),
    ]
    assert unstuck(findings, changes) == ["b: did not stick — wrote 1, read back 2"]
    assert unstuck(findings[:1], changes) == ["b: changed, but verification returned no finding for it"]


def test_a_planned_setting_must_pass_afterwards() -> None:
    assert not_passing([item("a", 1)], [fresh("a", Status.PASS, 1)]) == []
    [problem] = not_passing([item("a", 1)], [fresh("a", Status.FAIL, 0)])
    assert problem.startswith("a: after remediation a fresh assessment says fail, not pass")


def test_a_staged_item_may_read_staged_in_exactly_the_stage_the_plan_named() -> None:
    report_only = Stage(STAGES, 0, next_desired="enabled")
    enabled = Stage(STAGES, 1)
    assert not_passing([item("a", "reportOnly", "report-only")], [fresh("a", Status.STAGED, stage=report_only)]) == []
    assert not_passing([item("a", "enabled", "enabled")], [fresh("a", Status.PASS, stage=enabled)]) == []
    [problem] = not_passing([item("a", "enabled", "enabled")], [fresh("a", Status.STAGED, stage=report_only)])
    assert "says staged in stage 'report-only', not pass, or staged in 'enabled'" in problem
    # Without a stage in the plan, staged is not a pass.
    assert not_passing([item("a", "x")], [fresh("a", Status.STAGED, stage=report_only)])


def test_the_value_after_remediation_must_hold_what_the_plan_showed() -> None:
    planned = item("p", {"state": "report-only", "exclude": ["bg"]})
    assert off_plan([planned], [fresh("p", Status.PASS, {"state": "report-only", "exclude": ["bg"], "id": "1"})]) == []
    [problem] = off_plan([planned], [fresh("p", Status.PASS, {"state": "enabled", "exclude": ["bg"]})])
    assert "the plan said it would become {'state': 'report-only'" in problem
    assert "it reads {'state': 'enabled'" in problem
    assert off_plan([item("g", None)], [fresh("g", Status.PASS, 5)]) == []  # nothing planned to compare


def test_a_staged_item_in_its_stage_is_on_plan() -> None:
    report_only = Stage(STAGES, 0)
    planned = item("p", {"state": "enabledForReportingButNotEnforced"}, "report-only")
    on_stage = fresh("p", Status.STAGED, {"state": "enabledForReportingButNotEnforced"}, report_only)
    assert off_plan([planned], [on_stage]) == []
    wrong = fresh("p", Status.PASS, {"state": "enabled"}, Stage(STAGES, 1))
    assert off_plan([planned], [wrong])


def test_differences_tell_created_removed_and_edited_apart() -> None:
    text = describe_differences(
        [
            SimpleNamespace(path="policies[id=1]", before=None, after={"id": "1", "displayName": "New"}),
            SimpleNamespace(path="policies[id=2]", before={"id": "2", "displayName": "Old"}, after=None),
            SimpleNamespace(path="policies[id=3].state", before="disabled", after="enabled"),
        ]
    )
    assert text.splitlines() == [
        "  policies[id=1]: created and still there: 'New' (id 1)",
        "  policies[id=2]: was 'Old' (id 2), now missing",
        "  policies[id=3].state: was 'disabled', now 'enabled'",
    ]


class Config(BaseModel):
    break_glass: tuple[str, ...] = ()
    display_name: str = "x"


def test_conditional_permissions_apply_only_when_their_key_is_set() -> None:
    condition = WhenConfigured("break_glass", read_permissions=("User.Read.All",), write_permissions=("User.Read.All",))
    control = Control("C", "c", (Setting("s", "s", AUTOMATED, write_api="POST /x", when_configured=(condition,)),))
    assert conditional_permissions(control, Config(), write=True) == []
    assert conditional_permissions(control, Config(break_glass=("bg@x",)), write=True) == ["User.Read.All"]
    assert conditional_permissions(control, {"break_glass": ["bg@x"]}, write=False) == ["User.Read.All"]
    assert not config_value_set(None, "break_glass")
    assert not config_value_set({"break_glass": []}, "break_glass")

"""What issue 29 asks of each Conditional Access control, on the simulator's profiles.

Report-only first with break-glass exclusions; no enforcing without break-glass accounts; promotion
only with sign-in evidence; exact rollback of created and edited policies; not applicable with the
reason where P1/P2 is missing; an existing policy recognised whatever its name.
"""

from __future__ import annotations

from typing import Any

import pytest
from ca_fixtures import ADMIN_ID, BREAK_GLASS, BREAK_GLASS_ID, EXISTING, existing, with_p2

from scorekeeper import Status
from scorekeeper.conditional_access import REPORT_ONLY, write_policy
from scorekeeper.errors import RemediationBlocked
from scorekeeper.testing import simulated_tenant, simulator_for
from scorekeeper_conditionalaccess.plugin import AdminMfa, BlockLegacy, MfaRegistration, SignInRisk, UserRisk

CONTROLLERS = {c.control.id: c for c in (AdminMfa(), BlockLegacy(), MfaRegistration(), SignInRisk(), UserRisk())}
P1_CONTROLS = ("AdminMFAV2", "BlockLegacyAuthentication", "MFARegistrationV2")
P2_CONTROLS = ("SigninRiskPolicy", "UserRiskPolicy")
#: MFARegistrationV2's ca_policy is advice: planned only when the requirements select advice.
EVERY_LEVEL = {"requirements": ["criterion", "baseline", "advice"]}


def policies(sim: Any) -> list[dict[str, Any]]:
    return list(sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"])


async def ca_finding(
    sim: Any, control_id: str, config: dict[str, Any] | None = None, setting: str = "ca_policy"
) -> Any:
    controller = CONTROLLERS[control_id]
    answer = await controller.assess(simulated_tenant(sim, controller.control, desired=config or {}))
    return next(f for f in answer.findings if f.setting == setting)


@pytest.mark.parametrize("control_id", [*P1_CONTROLS, *P2_CONTROLS])
async def test_no_p1_is_not_applicable_with_the_reason(control_id: str) -> None:
    finding = await ca_finding(simulator_for("business-standard"), control_id)
    assert finding.status is Status.NOT_APPLICABLE
    assert "Microsoft Entra ID P1" in finding.reason
    assert "Security defaults are on" in finding.reason


@pytest.mark.parametrize("control_id", P2_CONTROLS)
async def test_risk_policies_need_p2(control_id: str) -> None:
    finding = await ca_finding(simulator_for("weak-cloud"), control_id)
    assert finding.status is Status.NOT_APPLICABLE
    assert "Microsoft Entra ID P2" in finding.reason
    with_licence = await ca_finding(simulator_for(profile_data=with_p2("weak-cloud", "p2")), control_id)
    assert with_licence.status is Status.FAIL


@pytest.mark.parametrize("control_id", ["AdminMFAV2", "BlockLegacyAuthentication"])
async def test_hardened_policies_are_recognised(control_id: str) -> None:
    finding = await ca_finding(simulator_for("hardened"), control_id)
    assert finding.status is Status.PASS, finding.reason
    assert finding.current["state"] == "enabled"


@pytest.mark.parametrize("control_id", P2_CONTROLS)
async def test_hardened_risk_policies_are_recognised_with_p2(control_id: str) -> None:
    finding = await ca_finding(simulator_for(profile_data=with_p2("hardened", "hardened-p2")), control_id)
    assert finding.status is Status.PASS, finding.reason


@pytest.mark.parametrize("control_id", [*P1_CONTROLS, *P2_CONTROLS])
async def test_existing_policy_is_recognised_whatever_its_name(control_id: str) -> None:
    sim = simulator_for(profile_data=existing(control_id))
    finding = await ca_finding(sim, control_id)
    assert finding.current["id"] == EXISTING[control_id]["id"], finding.reason
    state = EXISTING[control_id]["state"]
    assert finding.status is (Status.STAGED if state == REPORT_ONLY else Status.FAIL)


async def test_mfa_grant_without_all_apps_is_not_recognised() -> None:
    narrowed = {**EXISTING["MFARegistrationV2"], "state": "enabled"}
    narrowed["conditions"] = {**narrowed["conditions"], "applications": {"includeApplications": ["Office365"]}}
    sim = simulator_for(profile_data=with_p2("weak-cloud", "narrow", [narrowed]))
    finding = await ca_finding(sim, "MFARegistrationV2")
    assert finding.status is Status.FAIL
    assert "all resources" in finding.reason


@pytest.mark.parametrize("control_id", [*P1_CONTROLS, *P2_CONTROLS])
async def test_remediates_to_report_only_with_break_glass_excluded_and_rolls_back(
    control_id: str, sk_engine: Any
) -> None:
    data = with_p2("weak-cloud", "weak-p2")
    data["set"] = {"conditionalAccessPolicies": []}  # weak-cloud's admin policy would already pass AdminMFAV2
    sim = simulator_for(profile_data=data)
    engine = sk_engine({"t": sim}, controls={control_id: BREAK_GLASS}, remediation=EVERY_LEVEL)
    before = {p["id"] for p in policies(sim)}
    sim.mark()
    _, plans = await engine.plan("t", [control_id])
    [item] = [i for p in plans for i in p.automated]
    assert item.stage == "report-only"
    result = await engine.remediate("t", plans)
    [created] = [p for p in policies(sim) if p["id"] not in before]
    assert created["state"] == REPORT_ONLY
    assert created["conditions"]["users"]["excludeUsers"] == [BREAK_GLASS_ID]
    finding = await ca_finding(sim, control_id, BREAK_GLASS)
    assert finding.status is Status.STAGED
    _, undo = engine.rollback_plans(result.run_id)
    await engine.rollback(result.run_id, undo)
    assert sim.state_diff() == []


async def test_edit_of_a_disabled_policy_rolls_back_exactly(sk_engine: Any) -> None:
    sim = simulator_for(profile_data=existing("BlockLegacyAuthentication"))
    engine = sk_engine({"t": sim}, controls={"BlockLegacyAuthentication": BREAK_GLASS})
    sim.mark()
    _, plans = await engine.plan("t", ["BlockLegacyAuthentication"])
    result = await engine.remediate("t", plans)
    [edited] = [p for p in policies(sim) if p["id"] == EXISTING["BlockLegacyAuthentication"]["id"]]
    assert (edited["state"], edited["conditions"]["users"]["excludeUsers"]) == (REPORT_ONLY, [BREAK_GLASS_ID])
    assert len(policies(sim)) == len(policies(simulator_for(profile_data=existing("BlockLegacyAuthentication"))))
    _, undo = engine.rollback_plans(result.run_id)
    await engine.rollback(result.run_id, undo)
    assert sim.state_diff() == []


async def test_refuses_to_enforce_without_break_glass() -> None:
    sim = simulator_for(profile_data=existing("MFARegistrationV2"))
    finding = await ca_finding(sim, "MFARegistrationV2")
    assert finding.status is Status.STAGED
    assert not finding.stage.ready
    assert "break_glass" in finding.stage.needs
    controller = CONTROLLERS["MFARegistrationV2"]
    from scorekeeper import PlanItem, RemediationKind

    item = PlanItem(
        setting="ca_policy", current=finding.current, desired=finding.stage.next_desired, kind=RemediationKind.AUTOMATED
    )
    with pytest.raises(RemediationBlocked, match="no break-glass account configured"):
        await write_policy(
            simulated_tenant(sim, controller.control, phase="remediate"),
            item,
            controller.template,
            (),
            control_id="MFARegistrationV2",
        )
    assert policies(sim)[-1]["state"] == REPORT_ONLY


async def test_promotion_needs_clean_report_only_results() -> None:
    report_only = {**EXISTING["BlockLegacyAuthentication"], "state": REPORT_ONLY}
    report_only["conditions"] = {
        **report_only["conditions"],
        "users": {"includeUsers": ["All"], "excludeUsers": [BREAK_GLASS_ID]},
    }
    sim = simulator_for(profile_data=with_p2("weak-cloud", "ro", [report_only]))
    sim.add_sign_in(ADMIN_ID, client_app="Browser")
    clean = await ca_finding(sim, "BlockLegacyAuthentication", BREAK_GLASS)
    assert clean.status is Status.STAGED
    assert clean.stage.ready, clean.stage.needs
    assert clean.stage.next_desired["state"] == "enabled"
    sim.add_sign_in(ADMIN_ID, client_app="IMAP4")
    blocked = await ca_finding(sim, "BlockLegacyAuthentication", BREAK_GLASS)
    assert not blocked.stage.ready
    assert blocked.impact is not None and blocked.impact.blocks
    assert [a.name for a in blocked.impact.affected] == ["admin@contoso.onmicrosoft.com"]


async def test_promotion_through_the_engine_enables_and_rolls_back(sk_engine: Any) -> None:
    report_only = {**EXISTING["BlockLegacyAuthentication"], "state": REPORT_ONLY}
    report_only["conditions"] = {
        **report_only["conditions"],
        "users": {"includeUsers": ["All"], "excludeUsers": [BREAK_GLASS_ID]},
    }
    sim = simulator_for(profile_data=with_p2("weak-cloud", "ro", [report_only]))
    sim.add_sign_in(ADMIN_ID, client_app="Browser")
    promote = {"promote": ["BlockLegacyAuthentication.ca_policy"]}
    engine = sk_engine({"t": sim}, controls={"BlockLegacyAuthentication": BREAK_GLASS}, remediation=promote)
    sim.mark()
    _, plans = await engine.plan("t", ["BlockLegacyAuthentication"])
    [item] = [i for p in plans for i in p.automated]
    assert item.desired["state"] == "enabled"
    result = await engine.remediate("t", plans)
    [policy] = [p for p in policies(sim) if p["id"] == report_only["id"]]
    assert policy["state"] == "enabled" and policy["conditions"]["users"]["excludeUsers"] == [BREAK_GLASS_ID]
    _, undo = engine.rollback_plans(result.run_id)
    await engine.rollback(result.run_id, undo)
    assert sim.state_diff() == []


async def test_mfa_registration_names_users_who_are_not_mfa_capable() -> None:
    controller = CONTROLLERS["MFARegistrationV2"]
    answer = await controller.assess(simulated_tenant(simulator_for("weak-cloud"), controller.control))
    [finding] = [f for f in answer.findings if f.setting == "mfa_registered"]
    assert finding.status is Status.FAIL
    assert "breakglass@contoso.onmicrosoft.com" in finding.reason
    # The report lists the guest too (not MFA-capable here); the criterion counts members only.
    sim = simulator_for("weak-cloud")
    guests = [r for r in sim.tenant(sim.tenant_id).state["userRegistrationDetails"] if r["userType"] == "guest"]
    assert guests and not guests[0]["isMfaCapable"]
    assert guests[0]["userPrincipalName"] not in finding.reason
    assert all(a.name != guests[0]["userPrincipalName"] for a in finding.impact.affected) if finding.impact else True


def security_defaults_on() -> dict[str, Any]:
    data = with_p2("weak-cloud", "security-defaults")
    data["set"] = {"conditionalAccessPolicies": [], "identitySecurityDefaultsEnforcementPolicy.isEnabled": True}
    return data


async def test_security_defaults_cover_legacy_auth_and_leave_risk_policies_guided() -> None:
    sim = simulator_for(profile_data=security_defaults_on())
    legacy = await ca_finding(sim, "BlockLegacyAuthentication")
    assert legacy.status is Status.PASS and "security defaults are on" in legacy.reason
    risk = await ca_finding(sim, "SigninRiskPolicy")
    assert risk.status is Status.FAIL
    assert risk.remediation.value == "guided" and risk.steps


async def test_trusted_locations_are_named_when_a_policy_is_created() -> None:
    finding = await ca_finding(
        simulator_for(profile_data=with_p2("trusted-locations", "tl")), "BlockLegacyAuthentication"
    )
    assert finding.status is Status.FAIL
    assert "Trusted named locations" in finding.reason


async def test_registration_is_remediated_by_the_all_users_policy_planned_once(sk_engine: Any) -> None:
    """The criterion (users not MFA-capable) plans the all-users MFA policy report-only; the advice-level
    ca_policy does not plan the same policy a second time, with advice selected or not."""
    for remediation in ({}, EVERY_LEVEL):
        sim = simulator_for("weak-cloud")
        engine = sk_engine({"t": sim}, controls={"MFARegistrationV2": BREAK_GLASS}, remediation=remediation)
        run, plans = await engine.plan("t", ["MFARegistrationV2"])
        [item] = [i for p in plans for i in p.automated]
        assert item.setting == "mfa_registered" and item.stage == "report-only"
        assert item.desired["state"] == "enabledForReportingButNotEnforced"
        [policy] = [f for f in run.findings if f.setting == "ca_policy"]
        assert policy.remediation.value == "none" and "planned under mfa_registered" in policy.reason
        if not remediation:
            assert policy.status is Status.ADVICE


async def test_registration_stages_with_the_report_only_policy_and_is_guided_once_enforced(sk_engine: Any) -> None:
    sim = simulator_for("weak-cloud")
    engine = sk_engine({"t": sim}, controls={"MFARegistrationV2": BREAK_GLASS})
    _, plans = await engine.plan("t", ["MFARegistrationV2"])
    await engine.remediate("t", plans)
    staged = await ca_finding(sim, "MFARegistrationV2", BREAK_GLASS, setting="mfa_registered")
    assert staged.status is Status.STAGED and staged.stage is not None
    [created] = [p for p in policies(sim) if p["state"] == "enabledForReportingButNotEnforced"]
    created["state"] = "enabled"  # promoted (by hand here; the promotion path has its own tests)
    enforced = await ca_finding(sim, "MFARegistrationV2", BREAK_GLASS, setting="mfa_registered")
    assert enforced.status is Status.FAIL and enforced.remediation.value == "guided"
    assert "break-glass" in enforced.reason and any("FIDO2" in step for step in enforced.steps)

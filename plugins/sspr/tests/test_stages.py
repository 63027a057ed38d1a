"""Staged rows on documented JSON: the registration CA policy, on-premises password protection, the
migration, and the consequences a write states (one administrator). Expectations from Microsoft's
pages (policy-all-users-security-info-registration, howto-password-ban-bad-on-premises-deploy)."""

from __future__ import annotations

from typing import Any

import sspr_tenant_json as tenant

from scorekeeper import Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.evaluate import evaluate
from scorekeeper_sspr.reads import Read, Snapshot

CONFIG = SsprConfig(helpdesk="https://help.contoso.com")
BREAK_GLASS = SsprConfig(helpdesk="https://help.contoso.com", break_glass=("breakglass@contoso.com",))


def row(snapshot: Snapshot, setting: str, cfg: SsprConfig = CONFIG) -> Any:
    findings, _ = evaluate(snapshot, cfg)
    return next(f for f in findings if f.setting == setting)


def sign_ins(*results: tuple[str, str]) -> Read:
    """auditLogs/signIns with one appliedConditionalAccessPolicies result per (user, result)."""
    return Read(
        {
            "value": [
                {
                    "id": f"s{i}",
                    "userPrincipalName": user,
                    "appliedConditionalAccessPolicies": [{"id": tenant.CA_POLICY_ID, "result": result}],
                }
                for i, (user, result) in enumerate(results)
            ]
        }
    )


def report_only(extra: dict[str, Any] | None = None) -> Snapshot:
    snap = tenant.with_graph(
        tenant.hardened(), ca_policies=Read(tenant.ca_policies("enabledForReportingButNotEnforced"))
    )
    snap.extra.update(extra or {})
    return snap


def test_report_only_is_staged_never_pass() -> None:
    found = row(report_only(), "registration_ca_policy")
    assert found.status is Status.STAGED
    assert found.stage is not None and found.stage.name == "report-only" and found.stage.next_name == "enabled"
    assert not found.stage.ready and "break_glass" in found.stage.needs


def test_enabling_needs_break_glass_and_clean_report_only_results() -> None:
    clean = report_only({"sign_ins": sign_ins(("ada@contoso.com", "reportOnlySuccess"))})
    assert not row(clean, "registration_ca_policy").stage.ready  # no break-glass accounts configured
    ready = row(clean, "registration_ca_policy", BREAK_GLASS)
    assert ready.stage.ready and ready.stage.next_desired == {"id": tenant.CA_POLICY_ID, "state": "enabled"}
    assert not ready.impact.blocks


def test_a_sign_in_it_would_have_blocked_holds_it_back_and_names_the_user() -> None:
    blocked = report_only(
        {"sign_ins": sign_ins(("ada@contoso.com", "reportOnlySuccess"), ("bo@contoso.com", "reportOnlyFailure"))}
    )
    found = row(blocked, "registration_ca_policy", BREAK_GLASS)
    assert not found.stage.ready
    assert found.impact.blocks and found.impact.names() == "bo@contoso.com"


def test_unreadable_sign_ins_are_never_taken_for_no_one_blocked() -> None:
    found = row(report_only({"sign_ins": tenant.FORBIDDEN}), "registration_ca_policy", BREAK_GLASS)
    assert not found.stage.ready and found.impact.blocks


def test_a_missing_policy_is_created_from_microsofts_template_report_only() -> None:
    found = row(
        tenant.with_graph(tenant.hardened(), ca_policies=Read(tenant.ca_policies(None))), "registration_ca_policy"
    )
    assert found.status is Status.FAIL and found.stage is not None and found.stage.name == "report-only"
    body = rules.registration_policy_body("enabledForReportingButNotEnforced", ["bg"], "strength-id")
    users = body["conditions"]["users"]
    assert users["includeUsers"] == ["All"] and users["excludeUsers"] == ["bg"]
    assert "b2bCollaborationGuest" in users["excludeGuestsOrExternalUsers"]["guestOrExternalUserTypes"]
    assert body["conditions"]["locations"] == {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    assert body["grantControls"]["authenticationStrength"] == {"id": "strength-id"}
    assert body["state"] == "enabledForReportingButNotEnforced"


def test_without_a_trusted_location_the_finding_says_what_that_means() -> None:
    named = Read({"value": [{"id": "n1", "displayName": "Office", "isTrusted": False}]})
    snap = tenant.with_graph(tenant.hardened(), ca_policies=Read(tenant.ca_policies(None)), named_locations=named)
    assert "no trusted named location" in row(snap, "registration_ca_policy").reason
    trusted = Read({"value": [{"id": "n1", "displayName": "HQ", "isTrusted": True}]})
    snap = tenant.with_graph(snap, named_locations=trusted)
    assert "HQ" in row(snap, "registration_ca_policy").reason


def test_on_premises_protection_starts_in_audit_and_is_never_weakened() -> None:
    audit = tenant.with_graph(
        tenant.hardened(synced=True), group_settings=Read(tenant.group_settings(tenant.rule_values()))
    )
    found = row(audit, "password_protection")
    assert found.status is Status.STAGED and found.stage.name == "Audit" and not found.stage.ready
    enforcing = row(tenant.hardened(synced=True), "password_protection")  # Enforce already
    assert (
        enforcing.status is Status.PASS
        and enforcing.desired["values"]["BannedPasswordCheckOnPremisesMode"] == "Enforce"
    )


def test_admin_sspr_off_states_the_consequence_for_a_single_administrator() -> None:
    details = tenant.registration_details(["microsoftAuthenticatorPush"])
    details["value"] = [{**details["value"][0], "isAdmin": True}]  # the only administrator
    snap = tenant.with_graph(tenant.weak(), registration_details=Read(details))
    found = row(snap, "admin_sspr")
    assert found.status is Status.FAIL and "one administrator (user0@contoso.com)" in found.reason


def test_narrowing_sspr_to_a_group_names_who_leaves_its_scope() -> None:
    group = "5b8a8b8e-0d3f-4a9c-9e1a-2b3c4d5e6f70"
    snap = tenant.hardened()  # SSPR for all users; user1 (Authenticator + email) can reset
    snap.extra["members"] = {group: frozenset({"00000000-1111-2222-3333-444444444444"})}  # only user0
    cfg = SsprConfig(helpdesk="https://help.contoso.com", enablement="selected", enablement_group=group)
    found = row(snap, "enablement", cfg)
    assert found.status is Status.FAIL and found.impact.blocks
    assert "user1@contoso.com" in found.impact.names() and "user0@contoso.com" not in found.impact.names()
    widening = row(tenant.weak(), "enablement")  # None → All takes nothing from anyone
    assert widening.impact is not None and not widening.impact.blocks


def test_the_sign_in_read_asks_for_report_only_results(sk_simulator: Any) -> None:
    """Graph names report-only results (reportOnlyFailure, ...) only for a caller that sends
    ``Prefer: include-unknown-enum-members``; without it every result reads unknownFutureValue and the
    policy could never be judged ready (appliedConditionalAccessPolicy resource page)."""
    from scorekeeper.plugin.manager import load_plugins
    from scorekeeper.testing import simulated_tenant
    from scorekeeper_sspr.reads import SIGN_INS, _follow_up_requests

    sim = sk_simulator("weak-cloud")
    control = load_plugins().control("SelfServicePasswordReset")
    context = simulated_tenant(sim, control, desired={"helpdesk": "https://help.contoso.com"})
    request = _follow_up_requests(context, [], sign_ins=True)[SIGN_INS]
    assert "include-unknown-enum-members" in request.headers.get("Prefer")

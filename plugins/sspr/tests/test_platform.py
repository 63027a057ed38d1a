"""Microsoft's 2025-2027 platform changes: SMS/voice retirement, passkeys, new tenants, licences.

Expectations are written by hand from the simulator profiles' data and Microsoft's pages cited in
docs/controls/SelfServicePasswordReset.md ("Platform changes").
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import sspr_tenant_json as tenant
from sspr_engine import sspr_engine

from scorekeeper import RemediationKind, Status, changes_ahead
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.evaluate import evaluate
from scorekeeper_sspr.plugin import CONTROL
from scorekeeper_sspr.reads import Read

SSPR = "SelfServicePasswordReset"
CONFIG = {"helpdesk": "https://help.contoso.com/password"}
PROFILES = ("weak-cloud", "hybrid-writeback-off", "hardened", "o365-only", "modern-cloud", "large")
RESTRICTED = ("Sms", "Voice", "Email")
P, F, U, NA = Status.PASS, Status.FAIL, Status.UNKNOWN, Status.NOT_APPLICABLE


def by_setting(snapshot: Any, cfg: SsprConfig | None = None) -> dict[str, Any]:
    findings, _ = evaluate(snapshot, cfg or SsprConfig(helpdesk="https://help.contoso.com"))
    return {f.setting: f for f in findings}


def turned_on(sim: Any) -> list[str]:
    """Every request (applied or refused) that would turn SMS, voice or email on, anywhere."""
    found = []
    for r in sim.request_log:
        body = r.body if isinstance(r.body, dict) else {}
        for config_id in RESTRICTED:
            path = f"/authenticationmethodconfigurations/{config_id}".lower()
            if r.method == "PATCH" and r.path.lower().endswith(path) and body.get("state") == "enabled":
                found.append(f"{r.method} {r.path}")
        if r.path.endswith("/PasswordResetPolicies") and r.method == "PUT":
            for field in ("mobilePhoneOptionEnabled", "officePhoneOptionEnabled"):
                if body.get(field):
                    found.append(f"PUT {field}")
    return found


# ----------------------------------------------------------------- evaluation of documented JSON
def test_a_new_tenant_without_a_migration_state_passes_with_the_reason() -> None:
    policy = tenant.methods_policy(state=None)
    found = by_setting(tenant.with_graph(tenant.hardened(), methods_policy=Read(policy)))
    migration = found["methods_policy_migration"]
    assert migration.status is P
    assert "migration does not apply" in migration.reason and "ScubaGear" in migration.reason


@pytest.mark.parametrize(
    ("campaign", "config", "status"),
    [
        ({"campaign_state": "default"}, {}, P),  # Microsoft managed: its choice
        ({"campaign_state": "default"}, {"registration_campaign_replace_default": True}, F),
        ({"campaign_state": "disabled"}, {}, F),
        ({"campaign_state": "enabled", "campaign_method": "fido2"}, {}, P),
        # An admin's working Authenticator campaign is not rewritten to the configured passkeys.
        ({"campaign_state": "enabled", "campaign_method": "microsoftAuthenticator"}, {}, P),
        # A passkey campaign while passkeys are off nudges nobody: fail, changed to what users can register.
        (
            {"campaign_state": "enabled", "campaign_method": "fido2", "enabled": ("MicrosoftAuthenticator",)},
            {},
            F,
        ),
        (
            {"campaign_state": "enabled", "campaign_method": "microsoftAuthenticator"},
            {"registration_campaign_method": "microsoftAuthenticator"},
            P,
        ),
    ],
)
def test_registration_campaign_states(campaign: dict[str, Any], config: dict[str, Any], status: Status) -> None:
    snapshot = tenant.with_graph(tenant.hardened(), methods_policy=Read(tenant.methods_policy(**campaign)))
    row = by_setting(snapshot, SsprConfig(helpdesk="https://help.contoso.com", **config))["mfa_registration_campaign"]
    assert row.status is status, row.reason
    if status is F and row.desired:
        # never changed to a method its users cannot register
        policy = tenant.methods_policy(**campaign)
        fido2 = next(c for c in policy["authenticationMethodConfigurations"] if c["id"] == "Fido2")
        wanted = row.desired["includeTargets"][0]["targetedAuthenticationMethod"]
        assert wanted != "fido2" or fido2["state"] == "enabled"
    if campaign["campaign_state"] == "default" and status is P:
        assert "passkeys" in row.reason and "registration_campaign_replace_default" in row.reason


def test_replacing_microsofts_campaign_says_so_in_the_plan() -> None:
    snapshot = tenant.with_graph(
        tenant.hardened(), methods_policy=Read(tenant.methods_policy(campaign_state="default"))
    )
    row = by_setting(
        snapshot, SsprConfig(helpdesk="https://help.contoso.com", registration_campaign_replace_default=True)
    )
    assert "replaces Microsoft's managed campaign" in row["mfa_registration_campaign"].evidence["consequence"]


def test_the_beta_passkey_opt_out_is_reported_when_present_and_marked_unverified() -> None:
    beta = {**tenant.methods_policy(), "optOutSettings": {"passkeyDynamicMigration": True}}
    row = by_setting(tenant.with_graph(tenant.hardened(), beta_methods_policy=Read(beta)))["mfa_registration_campaign"]
    assert "passkeyDynamicMigration" in row.reason and "unverified" in row.reason and "True" in row.reason
    assert row.evidence["passkeyDynamicMigration"] is True
    absent = by_setting(tenant.hardened())["mfa_registration_campaign"]
    assert "passkeyDynamicMigration" not in absent.reason


def test_a_method_enabled_for_a_pilot_group_only_is_not_enabled_for_sspr_users() -> None:
    policy = tenant.methods_policy()
    for config in policy["authenticationMethodConfigurations"]:
        if config["id"] == "MicrosoftAuthenticator":
            config["includeTargets"] = [{"targetType": "group", "id": "02bd9fd6-8f93-4758-87c3-1fb73740a315"}]
    row = by_setting(tenant.with_graph(tenant.hardened(), methods_policy=Read(policy)))["method_configurations"]
    assert row.status is F and "pilot group" in row.reason


def test_a_ca_policy_requiring_an_authentication_strength_for_registration_is_recognised() -> None:
    policies = copy.deepcopy(tenant.ca_policies("enabled"))
    for policy in policies["value"]:
        policy["conditions"]["locations"] = None
        policy["grantControls"] = {
            "operator": "OR",
            "builtInControls": [],
            "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000002"},
        }
    row = by_setting(tenant.with_graph(tenant.hardened(), ca_policies=Read(policies)))["registration_ca_policy"]
    assert row.status is P and "authentication strength" in row.reason
    for policy in policies["value"]:
        policy["grantControls"] = {"operator": "OR", "builtInControls": ["mfa"]}
    row = by_setting(tenant.with_graph(tenant.hardened(), ca_policies=Read(policies)))["registration_ca_policy"]
    assert row.status is F  # MFA alone, anywhere, does not protect registration from a stolen session


def test_where_sspr_offers_a_phone_the_finding_says_what_changes_and_counts_users() -> None:
    weak = tenant.weak()
    policy = {**weak.policy.value, "mobilePhoneOptionEnabled": True}
    snapshot = type(weak)(weak.graph, Read(policy), weak.onprem)
    row = by_setting(snapshot)["methods_available"]
    assert "2027-02-01" in row.reason and "1 of 4 member users have only a phone method" in row.reason
    assert "mobilePhoneOptionEnabled" not in (row.desired or {})  # never turned off silently
    [ahead] = changes_ahead(CONTROL, by_setting(snapshot).values(), __import__("datetime").date(2026, 12, 1))
    assert "methods_available" in ahead.settings and ahead.change.on.isoformat() == "2027-02-01"


def test_turning_phones_off_is_a_choice_with_its_consequence() -> None:
    weak = tenant.weak()
    policy = {**weak.policy.value, "mobilePhoneOptionEnabled": True}
    snapshot = type(weak)(weak.graph, Read(policy), weak.onprem)
    off = SsprConfig(helpdesk="https://help.contoso.com", phone_methods="off")
    row = by_setting(snapshot, off)["methods_available"]
    assert row.desired["mobilePhoneOptionEnabled"] is False
    assert "stops offering mobile phone" in row.evidence["consequence"]
    assert "1 of 4 member users" in row.evidence["consequence"]


def test_without_the_reports_permission_only_the_report_rows_are_unknown() -> None:
    found = by_setting(tenant.with_graph(tenant.weak(), registration_details=tenant.FORBIDDEN))
    unknown = {s for s, f in found.items() if f.status is U}
    assert unknown == {"phone_retirement", "admins_excluded"}
    assert found["phone_retirement"].missing_permissions == ("AuditLog.Read.All",)


def test_administrators_in_the_user_policy_fail_with_steps_when_admin_sspr_is_off() -> None:
    # isSsprEnabled false: for an administrator it follows the admin policy, so it cannot hide them.
    details = tenant.registration_details(["fido2"], admin_in_policy=False)
    found = by_setting(tenant.with_graph(tenant.hardened(), registration_details=Read(details)))
    assert found["admins_excluded"].status is F and found["admins_excluded"].steps
    assert "admin@contoso.com" in found["admins_excluded"].reason
    allowed = SsprConfig(helpdesk="https://help.contoso.com", admin_sspr=True)
    assert by_setting(tenant.hardened(), allowed)["admins_excluded"].status is NA


# ----------------------------------------------------------------- end to end through the simulator
@pytest.mark.parametrize("profile", PROFILES)
async def test_remediation_never_turns_sms_voice_or_email_on_by_default(
    sk_simulator: Any, sk_store: Any, tmp_path: Any, profile: str
) -> None:
    sim = sk_simulator(profile)
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    _, plans = await engine.plan("contoso", [SSPR])
    await engine.remediate("contoso", plans)

    assert [r for r in sim.request_log if r.method in ("PATCH", "PUT", "POST")], "remediation wrote something"
    assert turned_on(sim) == []


async def test_asked_for_sms_and_voice_the_plan_states_the_retirement(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")
    config = {
        **CONFIG,
        "methods": ["mobile_app_notification", "mobile_app_code", "email", "mobile_phone"],
        "enable_in_methods_policy": ["Sms", "Voice"],
    }
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: config})
    _, [plan] = await engine.plan("contoso", [SSPR])
    items = {i.setting: i for i in plan.items}
    for setting in ("method_configurations", "methods_available"):
        assert "2027-02-01" in items[setting].consequence and "SMS and voice" in items[setting].consequence
    await engine.remediate("contoso", [plan])
    assert {p.split("/")[-1] for p in turned_on(sim) if p.startswith("PATCH")} == {"Sms", "Voice"}


async def test_on_o365_only_nothing_that_needs_p1_is_planned_or_written(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("o365-only")
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    assessment, [plan] = await engine.plan("contoso", [SSPR])
    p1_only = {s.id for s in CONTROL.settings if s.licence == "Microsoft Entra ID P1"}
    assert not p1_only & {i.setting for i in plan.items}
    findings = {f.setting: f for f in assessment.findings}
    for setting in ("registration_ca_policy", "password_protection", "enablement"):
        assert findings[setting].status is NA and "Entra ID P1" in findings[setting].reason
    await engine.remediate("contoso", [plan])
    written = {(r.method, r.path) for r in sim.request_log if r.method in ("POST", "PATCH", "PUT", "DELETE")}
    assert not [w for w in written if "conditionalAccess" in w[1] or "groupSettings" in w[1]]


async def test_the_simulator_refuses_p1_writes_on_o365_only_with_graphs_error(sk_simulator: Any) -> None:
    import httpx

    sim = sk_simulator("o365-only")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id)}"}
        body = {
            "displayName": "x",
            "state": "enabledForReportingButNotEnforced",
            "conditions": {
                "applications": {"includeUserActions": ["urn:user:registersecurityinfo"]},
                "users": {"includeUsers": ["All"]},
            },
            "grantControls": {"operator": "OR", "builtInControls": ["block"]},
        }
        refused = await client.post("/v1.0/identity/conditionalAccess/policies", json=body, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
        report = await client.get("/v1.0/reports/authenticationMethods/userRegistrationDetails", headers=headers)
        assert report.status_code == 403
    assert sim.writes() == []


@pytest.mark.parametrize("profile", [p for p in PROFILES if p != "o365-only"])
async def test_registration_reports_are_served_for_every_licensed_profile(sk_simulator: Any, profile: str) -> None:
    import httpx

    sim = sk_simulator(profile)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {sim.issue_token(sim.tenant_id, roles=['AuditLog.Read.All'])}"}
        page = await client.get("/v1.0/reports/authenticationMethods/userRegistrationDetails", headers=headers)
        assert page.status_code == 200, page.text
        assert page.json()["value"] and all("methodsRegistered" in u for u in page.json()["value"])
        denied = sim.issue_token(sim.tenant_id, roles=["Policy.Read.All"])
        refused = await client.get(
            "/v1.0/reports/authenticationMethods/userRegistrationDetails",
            headers={"Authorization": f"Bearer {denied}"},
        )
        assert refused.status_code == 403


async def test_modern_cloud_exits_3_for_its_real_failures_never_1(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    from scorekeeper.cli.main import exit_code_for

    sim = sk_simulator("modern-cloud")
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    runs = await engine.assess(["contoso"], [SSPR])
    statuses = {f.setting: f.status for f in runs[0].findings}
    assert not [s for s, v in statuses.items() if v in (Status.UNKNOWN, Status.ERROR)]
    assert exit_code_for(runs) == 3
    # what really fails: SSPR's own weak configuration, never the new tenant's platform state
    for setting in ("methods_policy_migration", "mfa_registration_campaign", "passkeys", "method_configurations"):
        assert statuses[setting] is P, setting


PILOT = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
ADELE = "6e7b768e-07e2-4810-8459-485f84f8f204"


async def test_phone_methods_off_is_planned_with_its_consequence_and_written(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator(
        profile_data={
            "extends": "weak-cloud",
            "set": {
                "authenticationMethodsPolicy.authenticationMethodConfigurations[id=Sms].state": "enabled",
                "portal.passwordResetPolicies.mobilePhoneOptionEnabled": True,
                # Adele (mobile phone only) is in the SSPR pilot group, so SSPR is hers to lose.
                "groupMembers": {PILOT: [ADELE]},
            },
        }
    )
    # by default the phone stays, with the warning and the dated change
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    assessment, [plan] = await engine.plan("contoso", [SSPR])
    methods = next(f for f in assessment.findings if f.setting == "methods_available")
    assert "2027-02-01" in methods.reason and "mobilePhoneOptionEnabled" not in (methods.desired or {})
    configurations = [i for i in plan.items if i.setting == "method_configurations"]
    assert all("Sms" not in (i.desired or {}) for i in configurations)

    # Turning phones off strands Adele (mobile phone only): not planned as a write, a guided step naming her.
    off = {SSPR: {**CONFIG, "phone_methods": "off"}}
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls=off)
    _, [plan] = await engine.plan("contoso", [SSPR])
    items = {i.setting: i for i in plan.items}
    assert items["methods_available"].kind is RemediationKind.GUIDED
    assert items["methods_available"].impact is not None and items["methods_available"].impact.blocks
    assert "adelev@" in items["methods_available"].impact.names()
    # Pre-migration the methods policy is used only for authentication: turning SMS off there strands
    # nobody's password reset (concept-authentication-methods-manage), so it is not blocked.
    assert items["method_configurations"].kind is RemediationKind.AUTOMATED
    assert items["method_configurations"].impact is not None and not items["method_configurations"].impact.blocks
    assert "stops offering mobile phone" in items["methods_available"].consequence
    assert "1 of 5 member users have only a phone method" in items["method_configurations"].consequence

    # Accepted explicitly, it is written.
    accepted = [f"{SSPR}.methods_available", f"{SSPR}.method_configurations"]
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls=off, accept_impact=accepted)
    _, [plan] = await engine.plan("contoso", [SSPR])
    await engine.remediate("contoso", [plan])
    state = sim.tenant(sim.tenant_id).state
    sms = next(
        c for c in state["authenticationMethodsPolicy"]["authenticationMethodConfigurations"] if c["id"] == "Sms"
    )
    assert sms["state"] == "disabled"
    assert state["portal"]["passwordResetPolicies"]["mobilePhoneOptionEnabled"] is False
    assert turned_on(sim) == []


async def test_replacing_a_microsoft_managed_campaign_is_opt_in(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    # campaign state default; passkeys enabled with self-service setup, so a passkey campaign can be followed
    fido2 = "authenticationMethodsPolicy.authenticationMethodConfigurations[id=Fido2]"
    sim = sk_simulator(
        profile_data={
            "extends": "weak-cloud",
            "set": {f"{fido2}.state": "enabled", f"{fido2}.isSelfServiceRegistrationAllowed": True},
        }
    )
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    _, [plan] = await engine.plan("contoso", [SSPR])
    assert "mfa_registration_campaign" not in {i.setting for i in plan.items}

    config = {**CONFIG, "registration_campaign_replace_default": True}
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: config})
    _, [plan] = await engine.plan("contoso", [SSPR])
    [item] = [i for i in plan.items if i.setting == "mfa_registration_campaign"]
    assert "replaces Microsoft's managed campaign" in item.consequence
    await engine.remediate("contoso", [plan.only({"mfa_registration_campaign"})])
    campaign = sim.tenant(sim.tenant_id).state["authenticationMethodsPolicy"]["registrationEnforcement"][
        "authenticationMethodsRegistrationCampaign"
    ]
    assert campaign["state"] == "enabled"
    assert campaign["includeTargets"] == [
        {"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "fido2"}
    ]


def test_security_questions_are_not_turned_on_by_default_nor_taken_away() -> None:
    weak = tenant.weak()
    off = {**weak.policy.value, "securityQuestionsOptionEnabled": False}
    found = by_setting(type(weak)(weak.graph, Read(off), weak.onprem))
    assert "securityQuestionsOptionEnabled" not in found["methods_available"].desired
    assert found["security_questions"].status is P and "less secure" in found["security_questions"].reason
    on = {**weak.policy.value, "securityQuestionsOptionEnabled": True, "securityQuestionsOptionAllowed": True}
    found = by_setting(type(weak)(weak.graph, Read(on), weak.onprem))
    assert "securityQuestionsOptionEnabled" not in found["methods_available"].desired  # a tenant keeps them


def test_security_questions_are_not_turned_on_before_the_tenant_defines_them() -> None:
    weak = tenant.weak()
    policy = {**weak.policy.value, "securityQuestionsOptionEnabled": False, "securityQuestions": []}
    methods = ("mobile_app_notification", "mobile_app_code", "email", "security_questions")
    found = by_setting(
        type(weak)(weak.graph, Read(policy), weak.onprem),
        SsprConfig(helpdesk="https://help.contoso.com", methods=methods),
    )
    assert "securityQuestionsOptionEnabled" not in found["methods_available"].desired
    questions = found["security_questions"]
    assert questions.status is F and questions.steps and "defines 0" in questions.reason
    assert questions.remediation.value == "guided"
    # nor are two gates required while the app would have only email beside it (concept-sspr-howitworks)
    gates = found["methods_required"]
    assert gates.status is F and gates.remediation.value == "guided" and "only email" in gates.reason


async def test_passkeys_are_enabled_read_back_and_rolled_back(sk_simulator: Any, sk_store: Any, tmp_path: Any) -> None:
    from scorekeeper import RemediationKind

    sim = sk_simulator("weak-cloud")  # Fido2 disabled
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    sim.mark()
    _, [plan] = await engine.plan("contoso", [SSPR])
    [item] = [i for i in plan.items if i.setting == "passkeys"]
    assert item.kind is RemediationKind.AUTOMATED and "Fido2" in item.api
    result = await engine.remediate("contoso", [plan.only({"passkeys"})])

    [patch] = [r for r in sim.writes() if r.method == "PATCH"]
    assert patch.path == "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2"
    assert patch.body["@odata.type"] == "#microsoft.graph.fido2AuthenticationMethodConfiguration"
    assert patch.body["state"] == "enabled" and patch.body["isSelfServiceRegistrationAllowed"] is True
    [change] = result.changes
    assert change.applied and change.before["state"] == "disabled"
    [verified] = [f for f in result.findings if f.setting == "passkeys"]
    assert verified.status is P, verified.reason
    policy = sim.tenant(sim.tenant_id).state["authenticationMethodsPolicy"]
    fido = next(c for c in policy["authenticationMethodConfigurations"] if c["id"] == "Fido2")
    assert fido["state"] == "enabled" and "all_users" in [t["id"] for t in fido["includeTargets"]]

    _, undo = engine.rollback_plans(result.run_id)
    await engine.rollback(result.run_id, undo)
    assert sim.state_diff() == []


async def test_a_campaign_is_never_pointed_at_a_method_nobody_can_register(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")  # Authenticator and passkeys off
    config = {**CONFIG, "registration_campaign_replace_default": True}
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: config})
    _, [plan] = await engine.plan("contoso", [SSPR])
    [item] = [i for i in plan.items if i.setting == "mfa_registration_campaign"]
    assert item.kind is RemediationKind.GUIDED
    sim.mark()
    await engine.remediate("contoso", [plan.only({"mfa_registration_campaign"})])
    assert sim.state_diff() == []


SSPR_GROUP = "9c0ffee0-1111-2222-3333-444444444444"
ADMIN_ID = "a0000000-1111-2222-3333-444444444444"


def _selected(members: dict[str, frozenset[str]], unread: dict[str, str] | None = None) -> Any:
    """The hardened snapshot with SSPR enabled for one group, whose members are as given."""
    base = tenant.hardened()
    policy = Read(tenant.portal_policy(enablementType=1, passwordResetEnabledGroupIds=[SSPR_GROUP]))
    details = Read(tenant.registration_details(["fido2"], admin_in_policy=True))  # isSsprEnabled: no evidence
    graph = {**base.graph, "registration_details": details}
    extra = {"members": members, "members_unread": unread or {}}
    return type(base)(graph, policy, base.onprem, extra=extra)


@pytest.mark.parametrize(
    ("members", "unread", "status"),
    [
        ({SSPR_GROUP: frozenset({"00000000-1111-2222-3333-444444444444"})}, None, Status.PASS),
        ({SSPR_GROUP: frozenset({ADMIN_ID})}, None, Status.FAIL),
        ({}, {SSPR_GROUP: "HTTP 403"}, Status.UNKNOWN),
    ],
)
def test_admins_excluded_judges_the_user_policys_scope_not_is_sspr_enabled(
    members: dict[str, frozenset[str]], unread: dict[str, str] | None, status: Status
) -> None:
    found = by_setting(_selected(members, unread))["admins_excluded"]
    assert found.status is status, found.reason


def test_admins_excluded_is_unknown_without_the_portal_policy() -> None:
    base = tenant.hardened()
    found = by_setting(type(base)(base.graph, None, None, "no portal sign-in"))["admins_excluded"]
    assert found.status is Status.UNKNOWN and found.steps


def test_helpdesk_steps_start_with_the_config_line_then_remediate_then_the_portal() -> None:
    found = by_setting(tenant.weak(), SsprConfig())["helpdesk_link"]
    assert found.status is F and found.remediation is RemediationKind.GUIDED
    first, then, *portal = found.steps
    assert first.endswith('[controls.SelfServicePasswordReset] helpdesk = "<email or https URL>"')
    assert "scorekeeper remediate" in then
    assert any("Customize helpdesk link" in step for step in portal)

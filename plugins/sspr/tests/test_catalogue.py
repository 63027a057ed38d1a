"""The catalogue covers every row of the SSPR settings table with its documented APIs and permissions."""

from __future__ import annotations

from scorekeeper import RemediationKind
from scorekeeper.engine.permissions import permission_report
from scorekeeper_sspr.plugin import CONTROL, SelfServicePasswordReset, scorekeeper_register_controls
from scorekeeper_sspr.settings import PORTAL_POLICY_SETTINGS, SSPR_LICENCE

TABLE_ROWS = (
    "license", "hybrid", "enablement", "methods_required", "methods_available", "security_questions",
    "methods_policy_migration", "method_configurations", "combined_registration", "registration_required",
    "reconfirm_days", "notify_users", "notify_admins", "helpdesk_link", "password_writeback", "account_unlock",
    "connect_account_permissions", "admin_sspr", "windows_sign_in_reset", "registration_ca_policy",
    "mfa_registration_campaign", "password_protection", "secure_score",
    # added with Microsoft's 2025-2027 platform changes (docs: "Platform changes")
    "passkeys", "phone_retirement", "admins_excluded",
)  # fmt: skip


def test_every_row_of_the_table_is_a_setting() -> None:
    assert sorted(CONTROL.setting_ids) == sorted(TABLE_ROWS)
    registered: list[object] = []
    scorekeeper_register_controls(registered.append)
    [controller] = registered
    assert isinstance(controller, SelfServicePasswordReset) and controller.control == CONTROL
    assert CONTROL.id == "SelfServicePasswordReset"
    assert CONTROL.min_licence == SSPR_LICENCE


def test_graph_rows_carry_the_least_privileged_permissions() -> None:
    expected = {
        "license": (("Organization.Read.All",), ()),
        "hybrid": (("Organization.Read.All",), ()),
        "methods_policy_migration": (("Policy.Read.AuthenticationMethod",), ("Policy.ReadWrite.AuthenticationMethod",)),
        "method_configurations": (("Policy.Read.AuthenticationMethod",), ("Policy.ReadWrite.AuthenticationMethod",)),
        "mfa_registration_campaign": (
            ("Policy.Read.AuthenticationMethod",),
            ("Policy.ReadWrite.AuthenticationMethod",),
        ),
        "admin_sspr": (("Policy.Read.All",), ("Policy.ReadWrite.Authorization",)),
        # Written only with a pilot device group configured: the write permission is when_configured.
        "windows_sign_in_reset": (("DeviceManagementConfiguration.Read.All",), ()),
        "registration_ca_policy": (
            ("Policy.Read.All",),
            ("Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"),
        ),
        "password_protection": (("Directory.Read.All",), ("Directory.ReadWrite.All",)),
        "secure_score": (("SecurityEvents.Read.All",), ()),
        "passkeys": (("Policy.Read.AuthenticationMethod",), ("Policy.ReadWrite.AuthenticationMethod",)),
        # authenticationmethodsroot-list-userregistrationdetails: AuditLog.Read.All, nothing narrower
        "phone_retirement": (("AuditLog.Read.All",), ()),
        "admins_excluded": (("AuditLog.Read.All",), ()),
    }
    # User.Read.All only resolves break-glass UPNs, so it is asked for only when break_glass is set.
    [glass] = CONTROL.setting("registration_ca_policy").when_configured
    assert (glass.key, glass.read_permissions, glass.write_permissions) == ("break_glass", (), ("User.Read.All",))
    for setting_id, (read, write) in expected.items():
        setting = CONTROL.setting(setting_id)
        assert (setting.read_permissions, setting.write_permissions) == (read, write), setting_id
        assert setting.apis == ("graph",)


def test_portal_rows_need_a_delegated_sign_in_and_no_graph_permission() -> None:
    for setting_id in [*PORTAL_POLICY_SETTINGS, "password_writeback", "account_unlock"]:
        setting = CONTROL.setting(setting_id)
        assert setting.apis == ("portal",)
        assert setting.read_permissions == ()
        assert setting.directory_roles == ("Authentication Policy Administrator",)
        assert setting.unverified, setting_id
    report = permission_report([CONTROL])["controls"][0]
    assert "delegated portal sign-in (Authentication Policy Administrator)" in report["assess"]["delegated"]
    # The smallest grant: Directory.Read.All covers Organization.Read.All's reads, Policy.Read.All
    # covers Policy.Read.AuthenticationMethod's; the rows still name their least-privileged one.
    assert report["assess"]["graph"] == [
        "AuditLog.Read.All",
        "DeviceManagementConfiguration.Read.All",
        "Directory.Read.All",
        "Policy.Read.All",
        "SecurityEvents.Read.All",
    ]
    assert CONTROL.setting("license").read_permissions == ("Organization.Read.All",)


def test_guided_and_informational_rows_are_never_written() -> None:
    for setting_id in ("license", "connect_account_permissions", "phone_retirement", "admins_excluded"):
        assert CONTROL.setting(setting_id).remediation is RemediationKind.GUIDED
        assert CONTROL.setting(setting_id).write_api == ""
    for setting_id in ("hybrid", "combined_registration", "secure_score"):
        assert CONTROL.setting(setting_id).remediation is RemediationKind.NONE
        assert CONTROL.setting(setting_id).write_api == ""


def test_dependencies_point_at_real_settings_and_order_writes() -> None:
    from scorekeeper.domain.model import PlanItem
    from scorekeeper.engine.planning import order_by_dependencies

    for setting in CONTROL.settings:
        assert set(setting.depends_on) <= set(CONTROL.setting_ids), setting.id
    items = [
        PlanItem(s, None, None, RemediationKind.AUTOMATED)
        for s in ("methods_policy_migration", "methods_required", "method_configurations", "methods_available")
    ]
    order = [i.setting for i in order_by_dependencies(items, CONTROL)]
    assert order.index("methods_available") < order.index("methods_required")
    assert order.index("method_configurations") < order.index("methods_policy_migration")


def test_hybrid_only_rows() -> None:
    assert {s.id for s in CONTROL.settings if s.hybrid_only} == {
        "password_writeback",
        "account_unlock",
        "connect_account_permissions",
    }


def test_settings_that_need_p1_declare_it() -> None:
    """Microsoft's licensing pages: CA, custom banned passwords, writeback, usage reports need P1/P2."""
    needs_p1 = {s.id for s in CONTROL.settings if s.licence == "Microsoft Entra ID P1"}
    assert needs_p1 == {
        "password_writeback",
        "account_unlock",
        "registration_ca_policy",
        "password_protection",
        "phone_retirement",
        "admins_excluded",
    }
    assert CONTROL.setting("passkeys").licence == ""  # passkeys are in every edition


def test_the_phone_retirement_is_declared_as_a_dated_platform_change() -> None:
    from datetime import date

    [change] = CONTROL.platform_changes
    assert change.on == date(2027, 2, 1)
    assert "concept-sms-voice-retirement" in change.source
    assert set(change.settings) <= set(CONTROL.setting_ids)


def test_the_sspr_policy_itself_needs_only_the_cloud_reset_licence() -> None:
    """concept-sspr-licensing: Business Standard/Premium license cloud-only reset, so the portal rows ask
    for that licence (P1 or Business Standard/Premium), not P1."""
    assert {s.id for s in CONTROL.settings if s.licence == SSPR_LICENCE} == set(PORTAL_POLICY_SETTINGS)


def test_every_setting_has_a_level_and_its_source() -> None:
    from scorekeeper import Level

    assert all(s.level_source.startswith("https://") for s in CONTROL.settings)
    criteria = {s.id for s in CONTROL.settings if s.level is Level.CRITERION}
    assert criteria == {"license", "hybrid", "enablement", "secure_score"}
    baselines = {s.id: s.baselines for s in CONTROL.settings if s.level is Level.BASELINE}
    assert baselines == {
        "methods_policy_migration": ("CISA MS.AAD.3.4v1",),
        "password_protection": ("CIS M365 5.2.3.2",),
    }


def test_windows_sign_in_reset_is_written_only_with_a_pilot_group_and_can_be_attested() -> None:
    setting = CONTROL.setting("windows_sign_in_reset")
    [condition] = setting.when_configured
    assert condition.key == "windows_sign_in_group"
    assert condition.write_permissions == ("DeviceManagementConfiguration.ReadWrite.All",)
    assert setting.attestable  # the registry/GPO method, which no API reads

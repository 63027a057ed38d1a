"""The config model validates every key precisely and names it in the error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from scorekeeper.config.model import format_validation_error
from scorekeeper_sspr.config import DEFAULT_METHODS, SsprConfig


def problems(**values: object) -> list[str]:
    with pytest.raises(ValidationError) as info:
        SsprConfig(**values)
    return format_validation_error("controls.SelfServicePasswordReset", info.value)


def test_defaults_are_the_desired_values_of_the_table() -> None:
    cfg = SsprConfig()
    assert cfg.enablement == "all"
    assert cfg.methods_required == 2
    assert cfg.methods == DEFAULT_METHODS
    # Methods that survive the SMS/voice retirement; security questions ("less secure") are never pushed.
    assert set(cfg.methods) == {"mobile_app_notification", "mobile_app_code", "email"}
    assert not cfg.security_questions
    assert cfg.password_protection_on_premises_mode == "Audit"  # Microsoft: deploy in Audit first
    assert cfg.enable_in_methods_policy == () and cfg.phone_methods == "keep"
    assert cfg.registration_campaign_method == "fido2" and not cfg.registration_campaign_replace_default
    assert (cfg.security_questions_to_register, cfg.security_questions_to_reset) == (5, 3)
    assert cfg.registration_required and cfg.notify_users and cfg.notify_admins
    assert cfg.reconfirm_days == 180
    assert cfg.admin_sspr is False
    assert cfg.registration_ca_policy_state == "enabledForReportingButNotEnforced"


def test_a_misspelt_key_is_named() -> None:
    assert problems(notify_user=True) == [
        "controls.SelfServicePasswordReset.notify_user: unknown key (check the spelling)"
    ]


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"methods_required": 3}, "methods_required"),
        ({"reconfirm_days": 731}, "reconfirm_days"),
        ({"reconfirm_days": -1}, "reconfirm_days"),
        ({"registration_campaign_snooze_days": 15}, "registration_campaign_snooze_days"),
        ({"security_questions_to_register": 6}, "security_questions_to_register"),
        ({"security_questions_to_reset": 2}, "security_questions_to_reset"),
        ({"registration_ca_policy_state": "disabled"}, "registration_ca_policy_state"),
        ({"enablement": "none"}, "enablement"),
        ({"methods": ["email", "pigeon"]}, "methods"),
        ({"password_protection_on_premises_mode": "enforce"}, "password_protection_on_premises_mode"),
    ],
)
def test_out_of_range_or_unknown_values_name_their_key(values: dict[str, object], key: str) -> None:
    found = problems(**values)
    assert any(line.startswith(f"controls.SelfServicePasswordReset.{key}") for line in found), found


@pytest.mark.parametrize("value", ["helpdesk@contoso.com", "https://help.contoso.com/sspr"])
def test_helpdesk_accepts_an_email_or_an_https_url(value: str) -> None:
    assert SsprConfig(helpdesk=value).helpdesk == value


@pytest.mark.parametrize("value", ["http://help.contoso.com", "call Bob", "mailto:", "help@"])
def test_helpdesk_refuses_anything_else(value: str) -> None:
    assert problems(helpdesk=value) == [
        "controls.SelfServicePasswordReset.helpdesk: must be an email address or an https:// URL"
    ]


def test_cross_key_rules_are_all_reported_at_once() -> None:
    [line] = problems(
        enablement="selected", methods=["email"], security_questions_to_register=3, security_questions_to_reset=4
    )
    assert "enablement_group: required when enablement = 'selected'" in line
    assert "methods: 1 method(s) enabled but methods_required is 2" in line
    assert "security_questions_to_reset: must not exceed security_questions_to_register (4 > 3)" in line


def test_selected_enablement_takes_a_group_name_or_id() -> None:
    assert SsprConfig(enablement="selected", enablement_group="SSPR users").enablement_group == "SSPR users"


def test_break_glass_takes_upns_and_object_ids_only() -> None:
    ok = SsprConfig(break_glass=["bg1@contoso.onmicrosoft.com", "6b5c3c5e-1d0f-4a3b-9a51-6f7c2d1e0a99"])
    assert len(ok.break_glass) == 2
    assert "break_glass" in problems(break_glass=["Break Glass"])[0]


def test_banned_passwords_follow_entra_limits() -> None:
    assert SsprConfig(banned_passwords=["contoso", "fabrikam"]).banned_passwords == ("contoso", "fabrikam")
    assert "banned_passwords" in problems(banned_passwords=["abc"])[0]
    assert "banned_passwords" in problems(banned_passwords=["x" * 17])[0]


def test_duplicate_methods_are_refused() -> None:
    assert "email more than once" in problems(methods=["email", "email", "mobile_phone"])[0]


def test_phone_methods_off_and_a_phone_method_in_methods_contradict() -> None:
    found = problems(phone_methods="off", methods=["mobile_app_notification", "mobile_app_code", "mobile_phone"])
    assert any("phone_methods = 'off'" in p for p in found)


def test_only_email_sms_and_voice_can_be_opted_in() -> None:
    assert SsprConfig(enable_in_methods_policy=["Sms", "Voice", "Email"]).enable_in_methods_policy
    assert any("enable_in_methods_policy" in p for p in problems(enable_in_methods_policy=["Fido2"]))

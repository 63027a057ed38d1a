"""The acceptance test's own rule of effective SSPR methods, branch by branch (so a wrong rule cannot pass silently)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance import effective as eff

USER = "u1"
GROUP = "g1"


def _config(cid: str, state: str = "enabled", include: str = "all_users", exclude: str = "", **extra: Any) -> dict:
    return {
        "id": cid,
        "state": state,
        "includeTargets": [{"id": include, "targetType": "group"}],
        "excludeTargets": [{"id": exclude, "targetType": "group"}] if exclude else [],
        **extra,
    }


def _tenant(
    *,
    migration: str | None = "migrationComplete",
    portal: dict[str, bool] | None = None,
    configs: list[dict] | None = None,
    registered: list[str] | None = None,
    gates: int = 1,
    enablement: int = 2,
    members: dict[str, list[str]] | None = None,
    admin: bool = False,
    admin_sspr: bool = True,
    user_type: str = "member",
) -> dict[str, Any]:
    flags = {f"{name}": value for name, value in (portal or {}).items()}
    return {
        "portal": {
            "passwordResetPolicies": {
                "enablementType": enablement,
                "passwordResetEnabledGroupIds": [GROUP] if enablement == 1 else [],
                "numberOfAuthenticationMethodsRequired": gates,
                **flags,
            }
        },
        "authenticationMethodsPolicy": {
            "policyMigrationState": migration,
            "authenticationMethodConfigurations": configs or [],
        },
        "authorizationPolicy": {"allowedToUseSSPR": admin_sspr},
        "groupMembers": members if members is not None else {},
        "userRegistrationDetails": [
            {
                "id": USER,
                "userDisplayName": "Ada",
                "userPrincipalName": "ada@contoso.example",
                "userType": user_type,
                "isAdmin": admin,
                "methodsRegistered": registered or [],
            }
        ],
    }


def _usable(state: dict[str, Any]) -> frozenset[str]:
    return eff.usable(state, eff.people(state)[0])


PHONE_PORTAL = {"mobilePhoneOptionEnabled": True, "mobilePhoneOptionAllowed": True}


def test_before_migration_the_legacy_policy_alone_decides() -> None:
    state = _tenant(migration="preMigration", portal=PHONE_PORTAL, registered=["mobilePhone"])
    assert _usable(state) == {eff.MOBILE}
    assert _usable(eff.with_migration(state, "migrationComplete")) == frozenset()  # completing removes it
    assert _usable(eff.with_migration(state, "migrationInProgress")) == {eff.MOBILE}  # both respected


def test_in_progress_a_method_of_either_policy_works() -> None:
    state = _tenant(migration="migrationInProgress", configs=[_config("Email")], registered=["email"])
    assert _usable(state) == {eff.EMAIL}
    assert _usable(eff.with_migration(state, "preMigration")) == frozenset()


@pytest.mark.parametrize("phase", ["migrationComplete", None])
def test_where_the_methods_policy_governs_a_portal_only_method_is_dead(phase: str | None) -> None:
    state = _tenant(migration=phase, portal=PHONE_PORTAL, registered=["mobilePhone"])
    assert _usable(state) == frozenset()


def test_security_questions_stay_with_the_legacy_policy_in_every_state() -> None:
    portal = {"securityQuestionsOptionEnabled": True, "securityQuestionsOptionAllowed": True}
    state = _tenant(migration="migrationComplete", portal=portal, registered=["securityQuestion"])
    assert _usable(state) == {eff.QUESTIONS}


def test_a_portal_method_needs_both_enabled_and_allowed() -> None:
    state = _tenant(
        migration="preMigration",
        portal={"mobilePhoneOptionEnabled": True, "mobilePhoneOptionAllowed": False},
        registered=["mobilePhone"],
    )
    assert _usable(state) == frozenset()


def test_targets_groups_and_exclusions() -> None:
    sms = _config("Sms", include=GROUP)
    state = _tenant(configs=[sms], registered=["mobilePhone"], members={GROUP: [USER]})
    assert _usable(state) == {eff.MOBILE}
    assert _usable(_tenant(configs=[sms], registered=["mobilePhone"], members={GROUP: []})) == frozenset()
    excluded = _config("Sms", exclude=GROUP)
    assert _usable(_tenant(configs=[excluded], registered=["mobilePhone"], members={GROUP: [USER]})) == frozenset()
    assert _usable(_tenant(configs=[_config("Sms", state="disabled")], registered=["mobilePhone"])) == frozenset()


def test_an_undescribed_group_gives_the_most_a_user_could_have() -> None:
    assert _usable(_tenant(configs=[_config("Sms", include="g9")], registered=["mobilePhone"])) == {eff.MOBILE}
    assert _usable(_tenant(configs=[_config("Sms", exclude="g9")], registered=["mobilePhone"])) == {eff.MOBILE}


def test_the_authenticator_code_needs_the_otp_switch_or_an_oath_configuration() -> None:
    registered = ["microsoftAuthenticatorPush", "softwareOneTimePasscode"]
    off = _tenant(configs=[_config("MicrosoftAuthenticator", isSoftwareOathEnabled=False)], registered=registered)
    on = _tenant(configs=[_config("MicrosoftAuthenticator", isSoftwareOathEnabled=True)], registered=registered)
    oath = _tenant(configs=[_config("SoftwareOath")], registered=["softwareOneTimePasscode"])
    assert _usable(off) == frozenset()  # one method required: the notification alone is not offered
    assert _usable(on) == {eff.CODE}
    assert _usable(oath) == {eff.CODE}


def test_two_gates_count_the_app_once_and_allow_the_notification() -> None:
    registered = ["microsoftAuthenticatorPush", "softwareOneTimePasscode"]
    app = _config("MicrosoftAuthenticator", isSoftwareOathEnabled=True)
    state = _tenant(configs=[app], registered=registered, gates=2)
    assert _usable(state) == {eff.NOTIFICATION, eff.CODE}
    assert len(eff.distinct(_usable(state))) == 1
    assert not eff.can_reset(state, eff.people(state)[0])
    with_email = _tenant(configs=[app, _config("Email")], registered=[*registered, "email"], gates=2)
    assert eff.can_reset(with_email, eff.people(with_email)[0])


def test_office_phone_needs_voice_with_office_phones_allowed() -> None:
    assert _usable(_tenant(configs=[_config("Voice")], registered=["officePhone"])) == frozenset()
    voice = _config("Voice", isOfficePhoneAllowed=True)
    assert _usable(_tenant(configs=[voice], registered=["officePhone"])) == {eff.OFFICE}


@pytest.mark.parametrize(
    "method",
    [
        "fido2",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "windowsHelloForBusiness",
        "temporaryAccessPass",
    ],
)
def test_passkeys_fido2_windows_hello_and_tap_are_never_reset_methods(method: str) -> None:
    configs = [
        _config("Fido2"),
        _config("TemporaryAccessPass"),
        _config("MicrosoftAuthenticator", isSoftwareOathEnabled=True),
    ]
    assert _usable(_tenant(configs=configs, registered=[method])) == frozenset()


def test_scope_selected_group_admins_and_guests() -> None:
    email = [_config("Email")]
    assert _usable(_tenant(configs=email, registered=["email"], enablement=0)) == frozenset()
    assert _usable(_tenant(configs=email, registered=["email"], enablement=1, members={GROUP: [USER]})) == {eff.EMAIL}
    assert _usable(_tenant(configs=email, registered=["email"], enablement=1, members={GROUP: []})) == frozenset()
    assert _usable(_tenant(configs=email, registered=["email"], admin=True, admin_sspr=False)) == frozenset()
    admin = _tenant(
        configs=[*email, _config("Sms")],
        registered=["email", "mobilePhone", "securityQuestion"],
        admin=True,
        enablement=0,
    )
    admin["portal"]["passwordResetPolicies"].update(
        securityQuestionsOptionEnabled=True, securityQuestionsOptionAllowed=True
    )
    assert _usable(admin) == {eff.EMAIL, eff.MOBILE}  # the administrator policy: no security questions
    assert eff.gates_for(admin, eff.people(admin)[0]) == 2 and eff.can_reset(admin, eff.people(admin)[0])
    assert _usable(_tenant(configs=email, registered=["email"], user_type="guest")) == frozenset()


def test_a_campaign_for_passkeys_needs_fido2_with_self_service_setup() -> None:
    def with_campaign(fido: dict) -> dict[str, Any]:
        state = _tenant(configs=[fido])
        state["authenticationMethodsPolicy"]["registrationEnforcement"] = {
            "authenticationMethodsRegistrationCampaign": {
                "state": "enabled",
                "includeTargets": [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "fido2"}],
                "excludeTargets": [],
            }
        }
        return state

    assert eff.campaign_unregistrable(with_campaign(_config("Fido2", isSelfServiceRegistrationAllowed=True))) == []
    assert eff.campaign_unregistrable(with_campaign(_config("Fido2", isSelfServiceRegistrationAllowed=False)))
    assert eff.campaign_unregistrable(with_campaign(_config("Fido2", state="disabled")))


def test_licences_and_writes_without_them() -> None:
    standard = {
        "subscribedSkus": [
            {"capabilityStatus": "Enabled", "skuId": eff.BUSINESS_STANDARD, "servicePlans": []},
        ],
        "conditionalAccessPolicies": [],
        "groupSettings": [{"templateId": "62375ab9-6b52-47ed-826b-58e47e0e304b", "values": []}],
    }
    have = eff.licences(standard)
    assert (have.p1, have.intune, have.cloud_sspr, have.writeback) == (False, False, True, False)
    after = {**standard, "conditionalAccessPolicies": [{"id": "x"}]}
    assert eff.unlicensed_writes(standard, after) == ["conditionalAccessPolicies changed without p1"]
    unified = {**standard, "groupSettings": [{"templateId": "62375ab9-6b52-47ed-826b-58e47e0e304b", "values": [1]}]}
    assert eff.unlicensed_writes(standard, unified) == []  # only Password Rule Settings need P1
    stamped = {**standard, "conditionalAccessPolicies": []}
    assert eff.unlicensed_writes(standard, stamped) == []

"""The effective-method rule, branch by branch, on JSON shaped like Graph's and the portal's answers.

Each expectation is written from Microsoft's pages (concept-authentication-methods-manage,
how-to-authentication-methods-manage), not from the plugin's output.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorekeeper import Harm
from scorekeeper_sspr.effective import COMPLETE, IN_PROGRESS, PRE, Tenant, in_sspr_scope, user_methods
from scorekeeper_sspr.people import reset_impact

GROUP = "5b8a8b8e-0d3f-4a9c-9e1a-2b3c4d5e6f70"


def config(config_id: str, state: str = "enabled", include: str = "all_users", **extra: Any) -> dict[str, Any]:
    return {
        "id": config_id,
        "state": state,
        "includeTargets": [{"id": include, "targetType": "group"}],
        "excludeTargets": [],
        **extra,
    }


def methods_policy(*configs: dict[str, Any]) -> dict[str, Any]:
    return {"authenticationMethodConfigurations": list(configs)}


def portal(**offered: bool) -> dict[str, Any]:
    """The legacy SSPR policy offering the named flags' methods (Enabled and Allowed both true)."""
    names = {
        "notification": ("mobileAppNotificationEnabled", "mobileAppNotificationOptionAllowed"),
        "code": ("mobileAppCodeEnabled", "mobileAppCodeOptionAllowed"),
        "email": ("emailOptionEnabled", "emailOptionAllowed"),
        "mobile": ("mobilePhoneOptionEnabled", "mobilePhoneOptionAllowed"),
        "office": ("officePhoneOptionEnabled", "officePhoneOptionAllowed"),
        "questions": ("securityQuestionsOptionEnabled", "securityQuestionsOptionAllowed"),
    }
    body: dict[str, Any] = {"enablementType": 2, "numberOfAuthenticationMethodsRequired": 1}
    for name, on in offered.items():
        body[names[name][0]] = on
        body[names[name][1]] = True
    return body


def user(*registered: str, user_id: str = "u1") -> dict[str, Any]:
    return {
        "id": user_id,
        "userPrincipalName": f"{user_id}@contoso.com",
        "userType": "member",
        "methodsRegistered": list(registered),
    }


PHONE_ONLY = user("mobilePhone")
NO_SMS = methods_policy(config("MicrosoftAuthenticator"), config("Sms", "disabled"))


def usable(tenant: Tenant, detail: dict[str, Any]) -> set[str]:
    return set(user_methods(tenant, detail).usable)


def test_pre_migration_uses_the_legacy_policy_alone() -> None:
    tenant = Tenant(PRE, NO_SMS, portal(mobile=True))
    assert usable(tenant, PHONE_ONLY) == {"mobile_phone"}
    # The methods policy enables Authenticator, but in Pre-migration it is used only for authentication.
    assert usable(Tenant(PRE, NO_SMS, portal(mobile=False)), user("microsoftAuthenticatorPush")) == set()


def test_in_progress_respects_either_policy() -> None:
    tenant = Tenant(IN_PROGRESS, NO_SMS, portal(mobile=True))
    assert usable(tenant, PHONE_ONLY) == {"mobile_phone"}  # legacy still respected
    assert usable(tenant, user("microsoftAuthenticatorPush")) == {"authenticator_notification"}


@pytest.mark.parametrize("state", [COMPLETE, None])
def test_complete_or_null_the_methods_policy_alone_decides(state: str | None) -> None:
    tenant = Tenant(state, NO_SMS, portal(mobile=True, questions=True))
    assert usable(tenant, PHONE_ONLY) == set()  # the portal's mobile phone is dead
    assert usable(tenant, user("securityQuestion")) == {"security_questions"}  # questions stay legacy


def test_enabled_needs_allowed_too() -> None:
    body = portal(email=True)
    body["emailOptionAllowed"] = False
    assert usable(Tenant(PRE, None, body), user("email")) == set()


def test_authenticator_code_needs_the_otp_switch() -> None:
    off = Tenant(COMPLETE, methods_policy(config("MicrosoftAuthenticator", isSoftwareOathEnabled=False)), None)
    on = Tenant(COMPLETE, methods_policy(config("MicrosoftAuthenticator", isSoftwareOathEnabled=True)), None)
    app = user("microsoftAuthenticatorPush")
    assert usable(off, app) == {"authenticator_notification"}
    assert usable(on, app) == {"authenticator_notification", "authenticator_code"}
    assert user_methods(on, app).distinct == 1  # one app is one gate


def test_oath_tokens_count() -> None:
    tenant = Tenant(COMPLETE, methods_policy(config("SoftwareOath"), config("HardwareOath")), None)
    assert usable(tenant, user("softwareOneTimePasscode", "hardwareOneTimePasscode")) == {
        "software_oath",
        "hardware_oath",
    }


def test_office_phone_needs_voice_with_office_phone_allowed() -> None:
    plain = Tenant(COMPLETE, methods_policy(config("Voice")), None)
    office = Tenant(COMPLETE, methods_policy(config("Voice", isOfficePhoneAllowed=True)), None)
    assert usable(plain, user("officePhone")) == set()
    assert usable(office, user("officePhone")) == {"office_phone"}


def test_passkeys_and_windows_hello_are_never_reset_methods() -> None:
    tenant = Tenant(COMPLETE, methods_policy(config("Fido2")), portal())
    found = user_methods(tenant, user("fido2SecurityKey", "passKeyDeviceBound", "windowsHelloForBusiness"))
    assert found.usable == frozenset() and found.only_authentication


def test_group_targets_need_members_and_exclusions_win() -> None:
    policy = methods_policy(config("Sms", include=GROUP))
    assert usable(Tenant(COMPLETE, policy, None, {GROUP: frozenset({"u1"})}), PHONE_ONLY) == {"mobile_phone"}
    assert usable(Tenant(COMPLETE, policy, None, {GROUP: frozenset({"u2"})}), PHONE_ONLY) == set()
    unread = user_methods(Tenant(COMPLETE, policy, None, {}), PHONE_ONLY)
    assert unread.usable == frozenset() and unread.uncertain == {"mobile_phone"}
    excluded = methods_policy({**config("Sms"), "excludeTargets": [{"id": GROUP}]})
    assert usable(Tenant(COMPLETE, excluded, None, {GROUP: frozenset({"u1"})}), PHONE_ONLY) == set()


def test_an_unread_portal_policy_is_uncertain_never_nothing() -> None:
    found = user_methods(Tenant(PRE, NO_SMS, None), PHONE_ONLY)
    assert found.usable == frozenset() and found.uncertain == {"mobile_phone"}


def test_sspr_scope_follows_the_enablement() -> None:
    selected = {"enablementType": 1, "passwordResetEnabledGroupIds": [GROUP]}
    assert in_sspr_scope(selected, "u1", {GROUP: frozenset({"u1"})}) is True
    assert in_sspr_scope(selected, "u1", {}) is None
    assert in_sspr_scope({"enablementType": 0}, "u1", {}) is False


def test_completing_the_migration_names_the_phone_only_users_it_locks_out() -> None:
    before = Tenant(IN_PROGRESS, NO_SMS, portal(mobile=True))
    after = Tenant(COMPLETE, NO_SMS, portal(mobile=True))
    details = [PHONE_ONLY, user("microsoftAuthenticatorPush", user_id="u2")]
    impact = reset_impact(before, after, details, gates_before=1, gates_after=1, what="completing", remedy="x")
    assert impact.harm is Harm.LOCKS_OUT and impact.blocks
    assert [a.name for a in impact.affected] == ["u1@contoso.com"]
    assert "mobile phone" in impact.affected[0].detail


def test_two_gates_lock_out_users_with_one_distinct_method() -> None:
    tenant = Tenant(
        COMPLETE,
        methods_policy(config("MicrosoftAuthenticator", isSoftwareOathEnabled=True), config("Email")),
        portal(),
    )
    details = [user("microsoftAuthenticatorPush"), user("microsoftAuthenticatorPush", "email", user_id="u2")]
    impact = reset_impact(tenant, tenant, details, gates_before=1, gates_after=2, what="two gates", remedy="x")
    assert impact.harm is Harm.LOCKS_OUT
    assert [a.id for a in impact.affected] == ["u1"]


def test_an_unreadable_report_blocks() -> None:
    tenant = Tenant(COMPLETE, NO_SMS, None)
    impact = reset_impact(tenant, tenant, None, gates_before=1, gates_after=1, what="x", remedy="x")
    assert impact.blocks and "could not be computed" in impact.summary


def test_a_change_that_strands_nobody_does_not_block() -> None:
    before = Tenant(PRE, NO_SMS, portal(notification=True))
    after = Tenant(IN_PROGRESS, NO_SMS, portal(notification=True))
    impact = reset_impact(
        before,
        after,
        [user("microsoftAuthenticatorPush")],
        gates_before=1,
        gates_after=1,
        what="in progress",
        remedy="x",
    )
    assert impact.harm is Harm.NONE and not impact.blocks


def test_with_one_gate_the_app_counts_by_its_code_only() -> None:
    """concept-sspr-howitworks, "Mobile app and SSPR": one method required → code only."""
    push_only = Tenant(COMPLETE, methods_policy(config("MicrosoftAuthenticator", isSoftwareOathEnabled=False)), None)
    with_code = Tenant(COMPLETE, methods_policy(config("MicrosoftAuthenticator", isSoftwareOathEnabled=True)), None)
    app = user("microsoftAuthenticatorPush")
    assert not user_methods(push_only, app).enough(1)
    assert user_methods(with_code, app).enough(1)
    # completing a migration that leaves only the notification locks a one-gate user out
    before = Tenant(IN_PROGRESS, push_only.methods_policy, portal(code=True))
    impact = reset_impact(before, push_only, [app], gates_before=1, gates_after=1, what="completing", remedy="x")
    assert impact.blocks and [a.id for a in impact.affected] == ["u1"]

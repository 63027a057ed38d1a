"""The shared template rules on their own (pure): recognition and the body a template creates."""

from __future__ import annotations

from scorekeeper.conditional_access import REPORT_ONLY, Template, satisfies, shortfall
from scorekeeper_conditionalaccess.templates import ADMIN_MFA, BLOCK_LEGACY, USER_RISK

REGISTRATION = Template(
    key="registration",
    display_name="Securing security info registration",
    docs_url="https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-security-info-registration",
    include_user_actions=("urn:user:registersecurityinfo",),
    exclude_locations=("AllTrusted",),
    authentication_strength="00000000-0000-0000-0000-000000000002",
    exclude_guests=True,
)


def test_every_template_recognises_the_policy_it_creates() -> None:
    for template in (ADMIN_MFA, BLOCK_LEGACY, USER_RISK, REGISTRATION):
        body = template.body(REPORT_ONLY, ["b0f1e1a4-3c0d-4d7e-9a51-2b1c9d8e7f60"])
        assert satisfies(body, template), (template.key, shortfall(body, template))


def test_user_action_template_body_and_narrowing() -> None:
    body = REGISTRATION.body(REPORT_ONLY, [])
    assert body["conditions"]["applications"] == {"includeUserActions": ["urn:user:registersecurityinfo"]}
    assert body["conditions"]["locations"] == {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    assert body["grantControls"]["authenticationStrength"]["id"] == REGISTRATION.authentication_strength
    narrowed = {**body, "conditions": {**body["conditions"], "locations": {"includeLocations": ["x"]}}}
    assert "locations" in shortfall(narrowed, REGISTRATION)


def test_mfa_as_one_alternative_is_not_required_mfa() -> None:
    body = ADMIN_MFA.body("enabled", [])
    body["grantControls"] = {"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]}
    assert "alternatives" in shortfall(body, ADMIN_MFA)


def test_roles_nobody_holds_do_not_count() -> None:
    body = ADMIN_MFA.body("enabled", [])
    body["conditions"]["users"]["includeRoles"] = ["62e90394-69f5-4237-9190-012177145e10"]
    assert satisfies(body, ADMIN_MFA, held_roles=["62e90394-69f5-4237-9190-012177145e10"])
    assert not satisfies(body, ADMIN_MFA, held_roles=["194ae4cb-b126-40b2-bd5b-6091b380977d"])

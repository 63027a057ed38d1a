"""Which self-service password reset methods each user can really use, from a simulated tenant's raw state.

Written from Microsoft's documentation alone, without the SSPR plugin's code, so the acceptance
test can judge what the plugin did. The rules and the pages they come from:

- **Which policy offers a method** depends on ``policyMigrationState`` (Graph's beta
  authenticationMethodsPolicy resource page): ``preMigration`` — the Authentication methods policy
  is used for authentication only and the legacy SSPR policy decides SSPR; ``migrationInProgress``
  — the methods policy is used for authentication *and* SSPR while the legacy policies are still
  respected (a method offered by either works); ``migrationComplete`` — the legacy policies are
  ignored. A tenant whose state is ``null`` (created after migration was retired) is governed by the
  methods policy alone (entra-docs concept-authentication-methods-manage). Security questions have
  no configuration in the methods policy: the legacy SSPR policy keeps them in every state.
- **The legacy SSPR policy** (the Azure portal's ``PasswordResetPolicies``) offers a method when
  both its ``…Enabled`` and ``…Allowed`` flags are true.
- **The methods policy** offers a method to a user when the configuration's ``state`` is
  ``enabled``, an ``includeTargets`` entry is ``all_users`` or a group the user is in, and no
  ``excludeTargets`` group holds the user. Mapping (concept-sspr-howitworks,
  how-to-authentication-methods-manage): Microsoft Authenticator → app notification; the app's code
  only when ``isSoftwareOathEnabled`` is on, or through the Software/Hardware OATH configurations;
  Email → email; SMS or Voice → mobile phone; Voice with ``isOfficePhoneAllowed`` → office phone.
- **Registered methods** come from the registration report (``methodsRegistered`` of
  userRegistrationDetails). FIDO2 security keys, passkeys, Windows Hello for Business and
  Temporary Access Pass are authentication methods only: they never count for a reset.
- **One method required**: only the app's *code* counts for the Authenticator app (a notification
  alone is not offered when one method is required, concept-sspr-howitworks). **Distinct
  methods**: the app's notification and its code are one app, never two gates.
- **Who is in scope**: ``enablementType`` 2 is everyone, 1 the members of the one selected group,
  0 nobody. Administrators (``isAdmin`` in the report, or any directory role assignment) reset
  under the administrator policy, switched by ``authorizationPolicy.allowedToUseSSPR``; guests
  (``userType`` guest) reset in their home tenant, not here (assumption: the simulator models no
  B2B reset). Administrators always prove two methods and may not use security questions
  (concept-sspr-policy, concept-authentication-security-questions); which methods the administrator
  policy offers is not in any API, so the tenant's offer is used for them (assumption).

Group membership is read from the simulator's ``groupMembers`` state (group id → user ids). A
group the state does not describe is assumed to hold the user where it includes (SSPR's selected
group, a method's include target) and not where it excludes: the most a user could have, so that
a method lost is never hidden behind an unknown membership.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NOTIFICATION, CODE, EMAIL, MOBILE, OFFICE, QUESTIONS = (
    "mobile app notification",
    "mobile app code",
    "email",
    "mobile phone",
    "office phone",
    "security questions",
)
#: Portal flags per method: (Enabled flag, Allowed flag).
PORTAL_FLAGS = {
    NOTIFICATION: ("mobileAppNotificationEnabled", "mobileAppNotificationOptionAllowed"),
    CODE: ("mobileAppCodeEnabled", "mobileAppCodeOptionAllowed"),
    EMAIL: ("emailOptionEnabled", "emailOptionAllowed"),
    MOBILE: ("mobilePhoneOptionEnabled", "mobilePhoneOptionAllowed"),
    OFFICE: ("officePhoneOptionEnabled", "officePhoneOptionAllowed"),
    QUESTIONS: ("securityQuestionsOptionEnabled", "securityQuestionsOptionAllowed"),
}
#: The registration report's spellings → the SSPR method they let a user use. Anything else
#: (fido2, passKey…, windowsHelloForBusiness, temporaryAccessPass, appPassword…) is no SSPR method.
REGISTERED = {
    "microsoftAuthenticatorPush": NOTIFICATION,
    "microsoftAuthenticatorPasswordless": NOTIFICATION,
    "softwareOneTimePasscode": CODE,
    "hardwareOneTimePasscode": CODE,
    "email": EMAIL,
    "mobilePhone": MOBILE,
    "alternateMobilePhone": MOBILE,
    "officePhone": OFFICE,
    "securityQuestion": QUESTIONS,
}
#: Methods that are one "gate" together (the Authenticator app's notification and code).
SAME_GATE = {NOTIFICATION: "Microsoft Authenticator", CODE: "Microsoft Authenticator"}
ALL_USERS = "all_users"


@dataclass(frozen=True)
class Person:
    """A user of the registration report, with what the tenant lets them do."""

    id: str
    name: str
    upn: str
    admin: bool
    guest: bool
    registered: frozenset[str]


def people(state: Mapping[str, Any]) -> list[Person]:
    admins = {str(a.get("principalId")) for a in state.get("roleAssignments") or []}
    found = []
    for row in state.get("userRegistrationDetails") or []:
        methods = frozenset(REGISTERED[m] for m in row.get("methodsRegistered") or [] if m in REGISTERED)
        found.append(
            Person(
                id=str(row["id"]),
                name=str(row.get("userDisplayName") or row["id"]),
                upn=str(row.get("userPrincipalName") or ""),
                admin=bool(row.get("isAdmin")) or str(row["id"]) in admins,
                guest=str(row.get("userType") or "member").lower() == "guest",
                registered=methods,
            )
        )
    return found


def groups_of(state: Mapping[str, Any], user_id: str) -> frozenset[str]:
    members: Mapping[str, Iterable[str]] = state.get("groupMembers") or {}
    return frozenset(g for g, ids in members.items() if user_id in ids)


def described(state: Mapping[str, Any]) -> frozenset[str]:
    """The groups whose members the state lists."""
    return frozenset(state.get("groupMembers") or {})


def _member(state: Mapping[str, Any], user_id: str, group: str, *, unknown: bool) -> bool:
    if group == ALL_USERS:
        return True
    if group not in described(state):
        return unknown
    return group in groups_of(state, user_id)


def _targeted(state: Mapping[str, Any], config: Mapping[str, Any], user_id: str) -> bool:
    """Included and not excluded. A group the state does not describe counts as holding the user when
    it includes and not when it excludes: the most a user could have, so a loss is never hidden."""
    include = [str(t.get("id")) for t in config.get("includeTargets") or []]
    exclude = [str(t.get("id")) for t in config.get("excludeTargets") or []]
    if any(_member(state, user_id, g, unknown=False) for g in exclude):
        return False
    return any(_member(state, user_id, g, unknown=True) for g in include)


def _configs(state: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    policy = state.get("authenticationMethodsPolicy") or {}
    return {str(c.get("id")): c for c in policy.get("authenticationMethodConfigurations") or []}


def policy_offers(state: Mapping[str, Any], user_id: str) -> frozenset[str]:
    """What the Authentication methods policy offers this user for a reset."""
    on = {cid: c for cid, c in _configs(state).items() if c.get("state") == "enabled" and _targeted(state, c, user_id)}
    offered: set[str] = set()
    app = on.get("MicrosoftAuthenticator")
    if app is not None:
        offered.add(NOTIFICATION)
        if app.get("isSoftwareOathEnabled"):
            offered.add(CODE)
    if "SoftwareOath" in on or "HardwareOath" in on:
        offered.add(CODE)
    if "Email" in on:
        offered.add(EMAIL)
    if "Sms" in on or "Voice" in on:
        offered.add(MOBILE)
    if "Voice" in on and on["Voice"].get("isOfficePhoneAllowed"):
        offered.add(OFFICE)
    return frozenset(offered)


def portal_offers(state: Mapping[str, Any]) -> frozenset[str]:
    policy = (state.get("portal") or {}).get("passwordResetPolicies") or {}
    return frozenset(m for m, (enabled, allowed) in PORTAL_FLAGS.items() if policy.get(enabled) and policy.get(allowed))


def migration(state: Mapping[str, Any]) -> str | None:
    return (state.get("authenticationMethodsPolicy") or {}).get("policyMigrationState")


def offered(state: Mapping[str, Any], user_id: str) -> frozenset[str]:
    """The methods this tenant offers the user for a reset, by migration state."""
    legacy, modern = portal_offers(state), policy_offers(state, user_id)
    phase = migration(state)
    if phase == "preMigration":
        return legacy
    if phase == "migrationInProgress":
        return legacy | modern
    return modern | (legacy & {QUESTIONS})


def gates(state: Mapping[str, Any]) -> int:
    policy = (state.get("portal") or {}).get("passwordResetPolicies") or {}
    return int(policy.get("numberOfAuthenticationMethodsRequired") or 1)


def in_scope(state: Mapping[str, Any], person: Person) -> bool:
    """Whether SSPR applies to the person at all (user policy, or the admin policy for administrators)."""
    if person.guest:
        return False
    if person.admin:
        return bool((state.get("authorizationPolicy") or {}).get("allowedToUseSSPR"))
    policy = (state.get("portal") or {}).get("passwordResetPolicies") or {}
    kind = policy.get("enablementType")
    if kind == 2:
        return True
    if kind == 1:
        chosen = [str(g) for g in policy.get("passwordResetEnabledGroupIds") or []]
        return any(_member(state, person.id, g, unknown=True) for g in chosen)
    return False


def gates_for(state: Mapping[str, Any], person: Person) -> int:
    """Methods the person must prove: the tenant's number, or two for administrators (concept-sspr-policy)."""
    return 2 if person.admin else gates(state)


def usable(state: Mapping[str, Any], person: Person) -> frozenset[str]:
    """The methods the person can use for a reset today (nothing when SSPR does not apply to them)."""
    if not in_scope(state, person):
        return frozenset()
    found = offered(state, person.id) & person.registered
    if person.admin:
        found -= {QUESTIONS}  # security questions are not allowed for administrators
    if gates_for(state, person) == 1:
        found -= {NOTIFICATION}
    return found


def distinct(methods: Iterable[str]) -> frozenset[str]:
    """The gates the methods make: the Authenticator app's notification and code are one."""
    return frozenset(SAME_GATE.get(m, m) for m in methods)


def can_reset(state: Mapping[str, Any], person: Person) -> bool:
    found = usable(state, person)
    return bool(found) and len(distinct(found)) >= gates_for(state, person)


def with_migration(state: Mapping[str, Any], phase: str) -> dict[str, Any]:
    """A copy of ``state`` whose methods policy is in ``phase`` (what completing the migration would do)."""
    copied = copy.deepcopy(dict(state))
    copied.setdefault("authenticationMethodsPolicy", {})["policyMigrationState"] = phase
    return copied


# --------------------------------------------------------------------------- campaign
#: Registration campaign method → the methods policy configuration that lets its targets register it.
CAMPAIGN_CONFIG = {"microsoftAuthenticator": "MicrosoftAuthenticator", "fido2": "Fido2"}


def campaign(state: Mapping[str, Any]) -> Mapping[str, Any]:
    enforcement = (state.get("authenticationMethodsPolicy") or {}).get("registrationEnforcement") or {}
    return enforcement.get("authenticationMethodsRegistrationCampaign") or {}


def campaign_unregistrable(state: Mapping[str, Any]) -> list[str]:
    """``"name: method"`` for each campaign target who cannot register the method the campaign asks for.

    A passkey (FIDO2) campaign needs FIDO2 enabled for the user with self-service setup allowed
    (how-to-mfa-registration-campaign); an Authenticator campaign needs Authenticator enabled.
    """
    found = []
    configs = _configs(state)
    exclude = {str(t.get("id")) for t in campaign(state).get("excludeTargets") or []}
    for target in campaign(state).get("includeTargets") or []:
        method = str(target.get("targetedAuthenticationMethod"))
        config = configs.get(CAMPAIGN_CONFIG.get(method, ""), {})
        for person in people(state):
            target_id = str(target.get("id"))
            covered = target_id == person.id or _member(state, person.id, target_id, unknown=True)
            left_out = person.id in exclude or any(_member(state, person.id, g, unknown=False) for g in exclude)
            if person.guest or not covered or left_out:
                continue
            ok = config.get("state") == "enabled" and _targeted(state, config, person.id)
            if method == "fido2":
                ok = ok and bool(config.get("isSelfServiceRegistrationAllowed"))
            if not ok:
                found.append(f"{person.name}: {method}")
    return found


# --------------------------------------------------------------------------- licences
#: Service plans and SKUs (Microsoft's "Product names and service plan identifiers for licensing").
P1_PLANS = {"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "eec0eb4f-6444-4f95-aba0-50c24d67f998"}
INTUNE_PLANS = {"c1ec4a95-1f05-45b3-a911-aa3fa01094f5"}
BUSINESS_STANDARD, BUSINESS_PREMIUM = "f245ecc8-75af-4f8e-b61f-27d8114de5f3", "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"


@dataclass(frozen=True)
class Licences:
    """What the tenant's enabled subscriptions allow (concept-sspr-licensing; Intune's Graph pages)."""

    p1: bool
    intune: bool
    cloud_sspr: bool
    writeback: bool


def licences(state: Mapping[str, Any]) -> Licences:
    skus = [s for s in state.get("subscribedSkus") or [] if s.get("capabilityStatus") == "Enabled"]
    plans = {str(p.get("servicePlanId")) for s in skus for p in s.get("servicePlans") or []}
    ids = {str(s.get("skuId")) for s in skus}
    p1 = bool(plans & P1_PLANS)
    return Licences(
        p1=p1,
        intune=bool(plans & INTUNE_PLANS),
        cloud_sspr=p1 or bool(ids & {BUSINESS_STANDARD, BUSINESS_PREMIUM}),
        writeback=p1 or BUSINESS_PREMIUM in ids,
    )


#: State written without the licence it needs → the licence (a Licences field).
LICENSED_STATE = {
    "conditionalAccessPolicies": "p1",
    "groupSettings": "p1",  # Password Rule Settings: the custom banned-password list needs P1
    "portal.passwordResetPolicies": "cloud_sspr",
    "portal.onPremisesPasswordResetPolicies": "writeback",
    "deviceConfigurations": "intune",
    "configurationPolicies": "intune",
}


PASSWORD_RULE_SETTINGS = "5cf42378-d67d-4f36-ba46-e8b86229381d"


def _at(state: Mapping[str, Any], dotted: str) -> Any:
    node: Any = state
    for part in dotted.split("."):
        node = (node or {}).get(part)
    if dotted == "groupSettings":  # only the Password Rule Settings need P1, not e.g. Group.Unified
        node = [s for s in node or [] if s.get("templateId") == PASSWORD_RULE_SETTINGS]
    return node


def _settings_only(value: Any) -> Any:
    """Drop what the service stamps itself (timestamps, versions): a write is a change of settings."""
    if isinstance(value, dict):
        return {
            k: _settings_only(v)
            for k, v in value.items()
            if k not in ("lastModifiedDateTime", "modifiedDateTime", "version")
        }
    if isinstance(value, list):
        return [_settings_only(v) for v in value]
    return value


def unlicensed_writes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The licensed parts of the state that changed although the tenant lacks their licence."""
    have = licences(before)
    return [
        f"{path} changed without {need}"
        for path, need in LICENSED_STATE.items()
        if not getattr(have, need) and _settings_only(_at(before, path)) != _settings_only(_at(after, path))
    ]


@dataclass(frozen=True)
class Attempt:
    """A write request the tenant received (whatever it answered)."""

    method: str
    path: str
    status: int
    body: Any = None


#: Request paths (after the version or ``/api`` prefix) whose writes need a licence → that licence.
LICENSED_PATHS = (
    ("/identity/conditionalAccess/", "p1"),
    ("/deviceManagement/", "intune"),
    ("/PasswordReset/PasswordResetPolicies", "cloud_sspr"),
    ("/PasswordReset/OnPremisesPasswordResetPolicies", "writeback"),
)


def _password_rules(attempt: Attempt, before: Mapping[str, Any]) -> bool:
    """A write of the Password Rule Settings (by template on create, by the stored setting's id otherwise)."""
    tail = attempt.path.split("/groupSettings", 1)[-1] if "/groupSettings" in attempt.path else None
    if tail is None and "/settings" in attempt.path:
        tail = attempt.path.split("/settings", 1)[-1]
    if tail is None:
        return False
    if isinstance(attempt.body, dict) and attempt.body.get("templateId") == PASSWORD_RULE_SETTINGS:
        return True
    ids = {s.get("id") for s in before.get("groupSettings") or [] if s.get("templateId") == PASSWORD_RULE_SETTINGS}
    return tail.strip("/") in ids


def unlicensed_attempts(before: Mapping[str, Any], attempts: Iterable[Attempt]) -> list[str]:
    """``"METHOD path (status) needs licence"`` for each write tried without the licence it needs."""
    have = licences(before)
    found = []
    for attempt in attempts:
        needs = next((need for prefix, need in LICENSED_PATHS if prefix in attempt.path), None)
        if needs is None and _password_rules(attempt, before):
            needs = "p1"
        if needs is not None and not getattr(have, needs):
            found.append(f"{attempt.method} {attempt.path} ({attempt.status}) needs {needs}")
    return found

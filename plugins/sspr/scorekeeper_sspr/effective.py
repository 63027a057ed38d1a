"""Which methods each user can actually use for a password reset in this tenant: one rule, no I/O.

Every SSPR row that reasons about people (gates, readiness, migration, methods offered) asks this
module, so they can never disagree. The rule follows Microsoft's pages:

* ``concept-authentication-methods-manage`` ("Migration between policies"): in *Pre-migration* the
  Authentication methods policy is used only for authentication, so SSPR methods come from the
  legacy SSPR policy alone; in *Migration in Progress* the methods policy is used for SSPR too and
  the legacy settings are still respected ("a user who is enabled for an authentication method in
  any policy can register and use that method"), so a method counts when either policy offers it;
  in *Migration Complete* the legacy settings are ignored and the methods policy alone decides. A
  tenant whose state is ``null`` (created after migration became mandatory) is governed by the
  methods policy alone. Security questions exist only in the legacy SSPR policy and stay there in
  every state.
* ``how-to-authentication-methods-manage`` (method mapping): mobile app notification ↔ Microsoft
  Authenticator; mobile app code ↔ Authenticator's OTP switch (``isSoftwareOathEnabled``) and
  software OATH tokens (and, in the legacy policies, hardware OATH tokens); email ↔ Email OTP;
  mobile phone ↔ SMS or voice; office phone ↔ voice with ``isOfficePhoneAllowed``.
* A legacy method counts only when its portal flags *Enabled* and *Allowed* are both true.
* A method counts for a user only when they registered it (``userRegistrationDetails``
  ``methodsRegistered``). Passkeys, FIDO2 keys, Windows Hello and Temporary Access Pass are for
  authentication only: they never give anyone an SSPR method.

What cannot be known (the portal policy unread, a targeted group's members unread) is carried as
*uncertain*, never guessed: callers treat an uncertain answer as a possible lockout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

#: The SSPR methods, as this rule names them, in the order reasons list them.
METHODS: tuple[str, ...] = (
    "authenticator_notification",
    "authenticator_code",
    "software_oath",
    "hardware_oath",
    "email",
    "mobile_phone",
    "office_phone",
    "security_questions",
)
#: Words for reasons and impacts.
WORDS: dict[str, str] = {
    "authenticator_notification": "Microsoft Authenticator notification",
    "authenticator_code": "Microsoft Authenticator code",
    "software_oath": "software OATH token",
    "hardware_oath": "hardware OATH token",
    "email": "email",
    "mobile_phone": "mobile phone",
    "office_phone": "office phone",
    "security_questions": "security questions",
}
#: Methods that are one credential for counting gates: one Authenticator app is one method,
#: whether it answers a notification or shows a code (safer than counting it twice).
DISTINCT: dict[str, str] = {"authenticator_notification": "authenticator", "authenticator_code": "authenticator"}

#: ``methodsRegistered`` value → the SSPR methods that registration can serve.
REGISTERED: dict[str, tuple[str, ...]] = {
    "microsoftAuthenticatorPush": ("authenticator_notification", "authenticator_code"),
    "softwareOneTimePasscode": ("software_oath", "authenticator_code"),
    "hardwareOneTimePasscode": ("hardware_oath",),
    "email": ("email",),
    "mobilePhone": ("mobile_phone",),
    "alternateMobilePhone": ("mobile_phone",),
    "officePhone": ("office_phone",),
    "securityQuestion": ("security_questions",),
}
#: Registrations that are never an SSPR method (authentication only), named so a reason can say so.
AUTHENTICATION_ONLY = frozenset(
    {
        "fido2SecurityKey",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "passKeyDeviceBoundWindowsHello",
        "passKeySynced",
        "windowsHelloForBusiness",
        "microsoftAuthenticatorPasswordless",
        "temporaryAccessPass",
        "macOsSecureEnclaveKey",
    }
)

#: Legacy SSPR portal flags (Enabled, Allowed) → the methods they offer.
LEGACY_FLAGS: dict[tuple[str, str], tuple[str, ...]] = {
    ("mobileAppNotificationEnabled", "mobileAppNotificationOptionAllowed"): ("authenticator_notification",),
    ("mobileAppCodeEnabled", "mobileAppCodeOptionAllowed"): ("authenticator_code", "software_oath", "hardware_oath"),
    ("emailOptionEnabled", "emailOptionAllowed"): ("email",),
    ("mobilePhoneOptionEnabled", "mobilePhoneOptionAllowed"): ("mobile_phone",),
    ("officePhoneOptionEnabled", "officePhoneOptionAllowed"): ("office_phone",),
    ("securityQuestionsOptionEnabled", "securityQuestionsOptionAllowed"): ("security_questions",),
}

ALL_USERS = "all_users"
PRE, IN_PROGRESS, COMPLETE = "preMigration", "migrationInProgress", "migrationComplete"


@dataclass(frozen=True)
class Tenant:
    """What the rule reads. ``portal`` is ``None`` when the legacy policy could not be read;
    ``members`` maps group id → member user ids for every group that could be read."""

    migration: str | None
    methods_policy: Mapping[str, Any] | None
    portal: Mapping[str, Any] | None
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)

    # Worked out once per Tenant, not once per user (the rule looks at every user, often twice). A
    # Tenant is never changed: ``dataclasses.replace`` makes a new one, which works them out afresh.
    @cached_property
    def plan(self) -> Plan:
        """What the methods policy offers before any user is looked at (see :func:`policy_plan`)."""
        return policy_plan(self.methods_policy)

    @cached_property
    def legacy(self) -> frozenset[str] | None:
        """What the legacy SSPR policy offers; ``None`` when it could not be read."""
        return frozenset(legacy_offer(self.portal)) if self.portal is not None else None

    def but(self, **changes: Any) -> Tenant:
        """``dataclasses.replace``, keeping what was worked out from a policy the change leaves as it is."""
        changed = replace(self, **changes)
        kept = {"plan": "methods_policy", "legacy": "portal"}
        for name, source in kept.items():
            if name in self.__dict__ and getattr(changed, source) is getattr(self, source):
                changed.__dict__[name] = self.__dict__[name]
        return changed


@dataclass(frozen=True)
class UserMethods:
    """One user's SSPR methods: certainly usable, and possibly usable (could not be decided)."""

    id: str
    name: str
    registered: tuple[str, ...]
    usable: frozenset[str]
    uncertain: frozenset[str] = frozenset()

    @property
    def distinct(self) -> int:
        """How many distinct methods the user can use for gates (one Authenticator app counts once)."""
        return len({DISTINCT.get(m, m) for m in self.usable})

    def enough(self, gates: int, *, possibly: bool = False) -> bool:
        """Whether the user can pass ``gates`` gates (``possibly``: counting uncertain methods too).

        concept-sspr-howitworks ("Mobile app and SSPR"): with one method required only the app's
        *code* is offered, with two the notification or the code. Microsoft scopes that table to
        tenants not migrated to the methods policy; it is applied in every state here, the safer
        reading (it can only hold back a change, never approve a lockout).
        """
        methods = set(self.usable | self.uncertain) if possibly else set(self.usable)
        if gates <= 1:
            methods.discard("authenticator_notification")
        return len({DISTINCT.get(m, m) for m in methods}) >= gates

    @property
    def only_authentication(self) -> bool:
        """Registered something, but only authentication-only methods (passkeys, Windows Hello...)."""
        return bool(self.registered) and set(self.registered) <= AUTHENTICATION_ONLY


# ----------------------------------------------------------------- the offer
#: The methods policy's configurations that offer SSPR methods, in the order they are read:
#: (configuration id, lowercased; the methods it offers; a flag of the configuration that must
#: also be true, if any). Authenticator offers its code only with ``isSoftwareOathEnabled``;
#: voice offers the office phone only with ``isOfficePhoneAllowed``.
POLICY_OFFERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("microsoftauthenticator", ("authenticator_notification",), ""),
    ("microsoftauthenticator", ("authenticator_code",), "isSoftwareOathEnabled"),
    ("softwareoath", ("software_oath",), ""),
    ("hardwareoath", ("hardware_oath",), ""),
    ("email", ("email",), ""),
    ("sms", ("mobile_phone",), ""),
    ("voice", ("mobile_phone",), ""),
    ("voice", ("office_phone",), "isOfficePhoneAllowed"),
)
#: What the methods policy offers, before any user is looked at: per enabled configuration, its
#: methods and its include and exclude targets.
Plan = tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]


def in_targets(
    include: Iterable[str], exclude: Iterable[str], user_id: str, members: Mapping[str, frozenset[str]]
) -> bool | None:
    """Include/exclude targets (``all_users`` or group ids) against one user; ``None`` when unknowable."""
    include, exclude = list(include), list(exclude)
    exclusion_unknown = False
    for group in exclude:
        if group == ALL_USERS or user_id in members.get(group, frozenset()):
            return False
        exclusion_unknown |= group not in members
    included = ALL_USERS in include or any(user_id in members.get(g, frozenset()) for g in include)
    inclusion_unknown = not included and any(g != ALL_USERS and g not in members for g in include)
    if not included and not inclusion_unknown:
        return False
    return None if exclusion_unknown or inclusion_unknown else True


def _configs(policy: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("id")).lower(): c for c in (policy or {}).get("authenticationMethodConfigurations") or []}


def policy_plan(policy: Mapping[str, Any] | None) -> Plan:
    """The enabled configurations' offers and targets: the part of :func:`policy_offer` no user changes."""
    configs = _configs(policy)
    plan = []
    for config_id, methods, flag in POLICY_OFFERS:
        config = configs.get(config_id)
        if config is None or config.get("state") != "enabled" or (flag and config.get(flag) is not True):
            continue
        include = tuple(str(t.get("id")) for t in config.get("includeTargets") or [])
        exclude = tuple(str(t.get("id")) for t in config.get("excludeTargets") or [])
        plan.append((methods, include, exclude))
    return tuple(plan)


def planned_offer(plan: Plan, user_id: str, members: Mapping[str, frozenset[str]]) -> tuple[set[str], set[str]]:
    """Methods a :func:`policy_plan` offers the user: (certain, uncertain)."""
    certain: set[str] = set()
    uncertain: set[str] = set()
    for methods, include, exclude in plan:
        hit = in_targets(include, exclude, user_id, members)
        if hit:
            certain.update(methods)
        elif hit is None:
            uncertain.update(methods)
    return certain, uncertain - certain


def policy_offer(
    policy: Mapping[str, Any] | None, user_id: str, members: Mapping[str, frozenset[str]]
) -> tuple[set[str], set[str]]:
    """Methods the Authentication methods policy offers the user: (certain, uncertain)."""
    return planned_offer(policy_plan(policy), user_id, members)


def legacy_offer(portal: Mapping[str, Any]) -> set[str]:
    """Methods the legacy SSPR policy offers (both the Enabled and the Allowed flag set)."""
    offered: set[str] = set()
    for (enabled, allowed), methods in LEGACY_FLAGS.items():
        if portal.get(enabled) is True and portal.get(allowed) is True:
            offered.update(methods)
    return offered


def offer(tenant: Tenant, user_id: str) -> tuple[set[str], set[str]]:
    """Every method SSPR offers the user in this migration state: (certain, uncertain)."""
    legacy = set(tenant.legacy) if tenant.legacy is not None else None
    questions = {"security_questions"} & (legacy or set())
    policy, policy_unsure = planned_offer(tenant.plan, user_id, tenant.members)
    everything = set(METHODS)
    if tenant.migration == PRE:
        return (legacy, set()) if legacy is not None else (set(), everything)
    if tenant.migration == IN_PROGRESS:
        if legacy is None:
            return policy, everything - policy
        return policy | legacy, policy_unsure - legacy
    # migrationComplete, or null (tenants governed by the methods policy alone)
    unsure = policy_unsure | ({"security_questions"} if legacy is None else set())
    return policy | questions, unsure - policy - questions


# ----------------------------------------------------------------- per user
def registered_methods(detail: Mapping[str, Any]) -> set[str]:
    """The SSPR methods the user's registrations can serve (passkeys and the like serve none)."""
    found: set[str] = set()
    for entry in detail.get("methodsRegistered") or []:
        found.update(REGISTERED.get(str(entry), ()))
    return found


def user_methods(tenant: Tenant, detail: Mapping[str, Any]) -> UserMethods:
    """One user's effective SSPR methods under ``tenant``."""
    user_id = str(detail.get("id"))
    certain, uncertain = offer(tenant, user_id)
    registered = registered_methods(detail)
    return UserMethods(
        id=user_id,
        name=str(detail.get("userPrincipalName") or detail.get("userDisplayName") or user_id),
        registered=tuple(str(m) for m in detail.get("methodsRegistered") or []),
        usable=frozenset(registered & certain),
        uncertain=frozenset(registered & (uncertain - certain)),
    )


def members_only(details: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Member users (guests reset in their home tenant); a report without ``userType`` counts all."""
    return [d for d in details if str(d.get("userType") or "member").lower() == "member"]


def everyone(tenant: Tenant, details: Iterable[Mapping[str, Any]]) -> list[UserMethods]:
    """Every member user's effective methods, in the report's order."""
    return [user_methods(tenant, d) for d in members_only(details)]


def group_ids(policy: Mapping[str, Any] | None) -> list[str]:
    """Groups the methods policy's SSPR configurations target or exclude (their members must be read)."""
    found: list[str] = []
    wanted = {"microsoftauthenticator", "softwareoath", "hardwareoath", "email", "sms", "voice"}
    for key, config in _configs(policy).items():
        if key not in wanted:
            continue
        for target in [*(config.get("includeTargets") or []), *(config.get("excludeTargets") or [])]:
            gid = str(target.get("id"))
            if gid != ALL_USERS and gid not in found:
                found.append(gid)
    return found


def words(methods: Iterable[str]) -> str:
    named = set(methods)
    ordered = [m for m in METHODS if m in named]
    return ", ".join(WORDS[m] for m in ordered) or "none"


def in_sspr_scope(portal: Mapping[str, Any] | None, user_id: str, members: Mapping[str, frozenset[str]]) -> bool | None:
    """Whether the legacy SSPR policy's enablement (None / Selected group / All) covers the user."""
    if portal is None:
        return None
    kind = portal.get("enablementType")
    if kind == 2:
        return True
    if kind == 1:
        return in_targets([str(g) for g in portal.get("passwordResetEnabledGroupIds") or []], [], user_id, members)
    return False

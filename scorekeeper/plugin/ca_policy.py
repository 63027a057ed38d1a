"""Conditional Access policies as data: Microsoft's templates, and whether an existing policy satisfies one.

The implementation behind the public :mod:`scorekeeper.conditional_access` (pure functions over the
JSON Graph returns for ``conditionalAccessPolicy``; no I/O). A control describes the policy it
wants as a :class:`Template` — who it applies to, which client apps, which risk levels, which
grant — and this module answers two questions the same way for every control:

- :func:`satisfies`: does this existing policy, however it is named, already do what the template
  does? Scope may be wider (all users instead of the roles), exclusions are allowed (break-glass
  accounts, as Microsoft's templates say), and an authentication strength counts as MFA.
- :meth:`Template.body`: the policy Microsoft's template creates, in the state asked for, with the
  given users excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REPORT_ONLY = "enabledForReportingButNotEnforced"
ENABLED = "enabled"
DISABLED = "disabled"
#: Stronger first: the order a tenant's candidate policies are ranked in.
STATE_RANK = {ENABLED: 2, REPORT_ONLY: 1, DISABLED: 0}
#: The stages every Conditional Access remediation goes through.
STAGES = ("report-only", "enabled")
#: Legacy authentication as Conditional Access names it (conditionalAccessClientApp).
LEGACY_CLIENTS = ("exchangeActiveSync", "other")
#: Modern clients; a policy listing these and the legacy ones covers every client app, like "all".
MODERN_CLIENTS = ("browser", "mobileAppsAndDesktopClients")
#: Every guest and external user type (conditionalAccessGuestOrExternalUserTypes).
GUEST_TYPES = (
    "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider"
)


def conditions(policy: Mapping[str, Any]) -> dict[str, Any]:
    return dict(policy.get("conditions") or {})


def users_of(policy: Mapping[str, Any]) -> dict[str, Any]:
    return dict(conditions(policy).get("users") or {})


def excluded_users(policy: Mapping[str, Any]) -> list[str]:
    """The policy's ``excludeUsers``, sorted (break-glass accounts live here)."""
    return sorted(str(u) for u in users_of(policy).get("excludeUsers") or [])


def _lower(values: Iterable[Any]) -> set[str]:
    return {str(v).lower() for v in values}


@dataclass(frozen=True)
class Template:
    """One of Microsoft's Conditional Access templates, as a control wants it.

    ``include_roles`` is the scope the created policy gets; ``required_roles`` the roles a policy
    must cover for the control's criterion (a policy that includes all users covers every role).
    ``grant`` is the built-in controls Microsoft's template requires (``block``, ``mfa``,
    ``passwordChange``; with ``operator`` AND when there are several); an authentication strength
    stands in for ``mfa``. ``enforces`` says what the enforced policy does to a sign-in it applies
    to — ``"block"`` or ``"challenge"`` — which decides how its impact is worded and judged.
    """

    key: str
    display_name: str
    docs_url: str
    include_users: tuple[str, ...] = ("All",)
    include_roles: tuple[str, ...] = ()
    required_roles: tuple[str, ...] = ()
    client_app_types: tuple[str, ...] = ("all",)
    sign_in_risk_levels: tuple[str, ...] = ()
    user_risk_levels: tuple[str, ...] = ()
    grant: tuple[str, ...] = ("mfa",)
    operator: str = "OR"
    #: Session control "sign-in frequency: every time", as the risk templates set it.
    every_time: bool = False
    exclude_guests: bool = False
    enforces: str = "challenge"
    licence: str = "Microsoft Entra ID P1"
    #: User actions instead of resources ("urn:user:registersecurityinfo" for the registration template).
    include_user_actions: tuple[str, ...] = ()
    #: Locations the template excludes ("AllTrusted"); any other location condition narrows a policy.
    exclude_locations: tuple[str, ...] = ()
    #: An authentication strength id the created policy grants with instead of ``mfa`` (recognition
    #: accepts ``mfa`` or any strength either way).
    authentication_strength: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return "block" in self.grant

    @property
    def for_roles(self) -> bool:
        return bool(self.include_roles)

    def body(self, state: str, exclude_users: Iterable[str], display_name: str | None = None) -> dict[str, Any]:
        """The policy Microsoft's template creates, in ``state``, excluding ``exclude_users``."""
        users: dict[str, Any] = {
            "includeUsers": [] if self.include_roles else list(self.include_users),
            "excludeUsers": sorted(set(exclude_users)),
        }
        if self.include_roles:
            users["includeRoles"] = list(self.include_roles)
        if self.exclude_guests:
            users["excludeGuestsOrExternalUsers"] = {
                "guestOrExternalUserTypes": GUEST_TYPES,
                "externalTenants": {
                    "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                    "membershipKind": "all",
                },
            }
        apps: dict[str, Any] = (
            {"includeUserActions": list(self.include_user_actions)}
            if self.include_user_actions
            else {"includeApplications": ["All"]}
        )
        cond: dict[str, Any] = {"applications": apps, "users": users, "clientAppTypes": list(self.client_app_types)}
        if self.exclude_locations:
            cond["locations"] = {"includeLocations": ["All"], "excludeLocations": list(self.exclude_locations)}
        if self.sign_in_risk_levels:
            cond["signInRiskLevels"] = list(self.sign_in_risk_levels)
        if self.user_risk_levels:
            cond["userRiskLevels"] = list(self.user_risk_levels)
        body: dict[str, Any] = {
            "displayName": display_name or self.display_name,
            "state": state,
            "conditions": cond,
            "grantControls": (
                {"operator": "OR", "authenticationStrength": {"id": self.authentication_strength}}
                if self.authentication_strength
                else {"operator": self.operator, "builtInControls": list(self.grant)}
            ),
        }
        if self.every_time:
            body["sessionControls"] = {
                "signInFrequency": {
                    "isEnabled": True,
                    "authenticationType": "primaryAndSecondaryAuthentication",
                    "frequencyInterval": "everyTime",
                }
            }
        return body


# ----------------------------------------------------------------------------- recognition
def _covers_users(policy: Mapping[str, Any], template: Template, held_roles: Iterable[str]) -> str:
    """Empty when the policy's user scope covers the template's; else what it misses, in words."""
    users = users_of(policy)
    if "all" in _lower(users.get("includeUsers") or []):
        return ""
    if not template.for_roles:
        return "it does not include all users"
    included = _lower(users.get("includeRoles") or [])
    excluded = _lower(users.get("excludeRoles") or [])
    wanted = _lower(template.required_roles) & _lower(held_roles) if held_roles else _lower(template.required_roles)
    missing = sorted((wanted - included) | (wanted & excluded))
    return f"it does not cover the role(s) {', '.join(missing)}" if missing else ""


def _covers_apps(policy: Mapping[str, Any], template: Template) -> str:
    apps = dict(conditions(policy).get("applications") or {})
    if template.include_user_actions:
        missing = _lower(template.include_user_actions) - _lower(apps.get("includeUserActions") or [])
        return f"it does not cover the user action(s) {', '.join(sorted(missing))}" if missing else ""
    if "all" not in _lower(apps.get("includeApplications") or []):
        return "it does not target all resources (cloud apps)"
    if apps.get("excludeApplications"):
        return f"it excludes application(s) {', '.join(map(str, apps['excludeApplications']))}"
    return ""


def _covers_clients(policy: Mapping[str, Any], template: Template) -> str:
    clients = _lower(conditions(policy).get("clientAppTypes") or [])
    every = "all" in clients or not clients or _lower((*LEGACY_CLIENTS, *MODERN_CLIENTS)) <= clients
    if "all" in _lower(template.client_app_types):
        return "" if every else f"it applies only to client apps {', '.join(sorted(clients))}"
    wanted = _lower(template.client_app_types)
    if "all" in clients or wanted <= clients:
        return ""
    return f"it does not cover client apps {', '.join(sorted(wanted - clients))}"


def _covers_risk(policy: Mapping[str, Any], template: Template) -> str:
    cond = conditions(policy)
    for key, wanted in (
        ("signInRiskLevels", template.sign_in_risk_levels),
        ("userRiskLevels", template.user_risk_levels),
    ):
        have = _lower(cond.get(key) or [])
        if wanted and not _lower(wanted) <= have:
            return f"its {key} {sorted(have) or '[]'} do not include {', '.join(sorted(_lower(wanted) - have))}"
    return ""


def _other_conditions(policy: Mapping[str, Any], template: Template) -> str:
    """A condition the template does not set narrows where the policy applies (a location, a platform)."""
    cond = conditions(policy)
    narrowing = [k for k in ("platforms", "devices") if cond.get(k)]
    locations = dict(cond.get("locations") or {})
    included = _lower(locations.get("includeLocations") or [])
    extra_excluded = _lower(locations.get("excludeLocations") or []) - _lower(template.exclude_locations)
    if (included and included != {"all"}) or extra_excluded:
        narrowing.append("locations")
    if not template.sign_in_risk_levels and cond.get("signInRiskLevels"):
        narrowing.append("signInRiskLevels")
    if not template.user_risk_levels and cond.get("userRiskLevels"):
        narrowing.append("userRiskLevels")
    return f"it applies only under extra conditions ({', '.join(narrowing)})" if narrowing else ""


def _grants(policy: Mapping[str, Any], template: Template) -> str:
    grant = dict(policy.get("grantControls") or {})
    built = _lower(grant.get("builtInControls") or [])
    strength = isinstance(grant.get("authenticationStrength"), dict) and bool(grant["authenticationStrength"].get("id"))
    operator = str(grant.get("operator") or "OR").upper()
    if template.blocks:
        return "" if "block" in built else "its grant does not block access"
    have = set(built) | ({"mfa"} if strength else set())
    wanted = _lower(template.grant)
    if not wanted <= have:
        return f"its grant does not require {', '.join(sorted(wanted - have))}"
    extra = (built - wanted) | ({"authenticationstrength"} if strength and "mfa" in built else set())
    if operator == "OR" and (len(wanted) > 1 or (extra - {"authenticationstrength"})):
        return "its grant controls are alternatives (OR), so a sign-in can satisfy it without " + " and ".join(
            sorted(wanted)
        )
    return ""


def shortfall(policy: Mapping[str, Any], template: Template, held_roles: Iterable[str] = ()) -> str:
    """Why ``policy`` does not do what ``template`` does (state aside), or ``""`` when it does."""
    for check in (
        _covers_users(policy, template, held_roles),
        _covers_apps(policy, template),
        _covers_clients(policy, template),
        _covers_risk(policy, template),
        _other_conditions(policy, template),
        _grants(policy, template),
    ):
        if check:
            return check
    return ""


def satisfies(policy: Mapping[str, Any], template: Template, held_roles: Iterable[str] = ()) -> bool:
    """Whether ``policy`` (in any state) does what the template does: see :func:`shortfall`."""
    return not shortfall(policy, template, held_roles)


def best_match(
    policies: Iterable[Mapping[str, Any]], template: Template, held_roles: Iterable[str] = (), keep: Iterable[str] = ()
) -> dict[str, Any] | None:
    """The satisfying policy to judge and edit: enabled before report-only before disabled; among
    equals, the one already excluding most of ``keep`` (the break-glass accounts), then the oldest."""
    wanted = set(keep)
    found = [dict(p) for p in policies if satisfies(p, template, held_roles)]
    found.sort(key=lambda p: str(p.get("createdDateTime") or ""))  # oldest first among equals
    found.sort(
        key=lambda p: (STATE_RANK.get(str(p.get("state")), -1), len(wanted & set(excluded_users(p)))), reverse=True
    )
    return found[0] if found else None


def summary(policy: Mapping[str, Any]) -> dict[str, Any]:
    """What a finding shows of a policy: id, name, state and exclusions (the fields remediation moves)."""
    return {
        "id": policy.get("id"),
        "displayName": policy.get("displayName"),
        "state": policy.get("state"),
        "excludeUsers": excluded_users(policy),
    }

"""Pure readings of Microsoft Graph JSON: from documented response shapes to comparable values.

Nothing here does I/O, so every rule is unit-tested on JSON shaped exactly like Microsoft's
documented responses; ``evaluate`` turns these values into findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AAD_PREMIUM = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
AAD_PREMIUM_P2 = "eec0eb4f-6444-4f95-aba0-50c24d67f998"
PREMIUM_PLANS = {AAD_PREMIUM: "AAD_PREMIUM", AAD_PREMIUM_P2: "AAD_PREMIUM_P2"}

REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
PASSWORD_RULES_TEMPLATE = "5cf42378-d67d-4f36-ba46-e8b86229381d"
OMA_URI = "./Device/Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset"
#: Every spelling of the same device-scoped Policy CSP node. Microsoft's own SSPR-at-Windows-sign-in
#: how-to tells admins to type ``./Vendor/MSFT/...`` (no ``/Device``), which the Policy CSP treats as
#: the device scope, so a tenant that followed that page must be recognised too.
OMA_URIS = frozenset({OMA_URI.lower(), "./vendor/msft/policy/config/authentication/allowaadpasswordreset"})
WINDOWS_CUSTOM = "#microsoft.graph.windows10CustomConfiguration"
OMA_INTEGER = "#microsoft.graph.omaSettingInteger"
ALL_DEVICES = "#microsoft.graph.allDevicesAssignmentTarget"
GROUP_TARGET = "#microsoft.graph.groupAssignmentTarget"

#: authenticationMethodConfiguration id → its @odata.type (a PATCH body must carry it).
METHOD_CONFIG_TYPES = {
    "MicrosoftAuthenticator": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
    "SoftwareOath": "#microsoft.graph.softwareOathAuthenticationMethodConfiguration",
    "Email": "#microsoft.graph.emailAuthenticationMethodConfiguration",
    "Sms": "#microsoft.graph.smsAuthenticationMethodConfiguration",
    "Voice": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
}

#: SSPR method (config name) → the Authentication methods policy configurations that carry it.
METHOD_CONFIGS: dict[str, tuple[str, ...]] = {
    "mobile_app_notification": ("MicrosoftAuthenticator",),
    "mobile_app_code": ("MicrosoftAuthenticator",),
    "email": ("Email",),
    "mobile_phone": ("Sms", "Voice"),
    "office_phone": ("Voice",),
    "security_questions": (),  # not part of the Authentication methods policy
}


def first(body: Any) -> dict[str, Any] | None:
    """The single object of a response that may be a collection (``{"value": [obj]}``) or the object."""
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return body["value"][0] if body["value"] else None
    return body if isinstance(body, dict) else None


def values(body: Any) -> list[dict[str, Any]]:
    return list(body.get("value") or []) if isinstance(body, dict) else []


# ----------------------------------------------------------------- licence and hybrid
def premium_skus(skus: Any) -> list[str]:
    """Part numbers of enabled subscriptions that include Entra ID P1 or P2."""
    found = []
    for sku in values(skus):
        if sku.get("capabilityStatus") != "Enabled":
            continue
        plans = sku.get("servicePlans") or []
        if any(
            p.get("servicePlanId") in PREMIUM_PLANS or p.get("servicePlanName") in PREMIUM_PLANS.values() for p in plans
        ):
            found.append(str(sku.get("skuPartNumber") or sku.get("skuId")))
    return sorted(found)


#: Microsoft 365 Business Standard (skuPartNumber O365_BUSINESS_PREMIUM, and the older SMB_BUSINESS_PREMIUM)
#: and Business Premium (SPB): concept-sspr-licensing counts them for cloud-only password reset.
BUSINESS_SKUS = {
    "f245ecc8-75af-4f8e-b61f-27d8114de5f3": "O365_BUSINESS_PREMIUM",
    "ac5cef5d-921b-4f97-9ef3-c99076e5470f": "SMB_BUSINESS_PREMIUM",
    "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46": "SPB",
}
INTUNE_A = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"


def _enabled_skus(skus: Any) -> list[dict[str, Any]]:
    return [s for s in values(skus) if s.get("capabilityStatus") == "Enabled"]


def business_skus(skus: Any) -> list[str]:
    """Part numbers of enabled Microsoft 365 Business Standard/Premium subscriptions."""
    found = []
    for sku in _enabled_skus(skus):
        if str(sku.get("skuId")) in BUSINESS_SKUS or sku.get("skuPartNumber") in BUSINESS_SKUS.values():
            found.append(str(sku.get("skuPartNumber") or BUSINESS_SKUS.get(str(sku.get("skuId")))))
    return sorted(found)


def _is_intune(plan: dict[str, Any]) -> bool:
    return plan.get("servicePlanId") == INTUNE_A or plan.get("servicePlanName") == "INTUNE_A"


def intune_skus(skus: Any) -> list[str]:
    """Part numbers of enabled subscriptions with the Microsoft Intune plan (INTUNE_A)."""
    return sorted(
        str(sku.get("skuPartNumber") or sku.get("skuId"))
        for sku in _enabled_skus(skus)
        if any(
            p.get("servicePlanId") == INTUNE_A or p.get("servicePlanName") == "INTUNE_A"
            for p in sku.get("servicePlans") or []
        )
    )


def sync_state(organization: Any) -> dict[str, Any]:
    org = first(organization) or {}
    return {
        "onPremisesSyncEnabled": org.get("onPremisesSyncEnabled"),
        "onPremisesLastSyncDateTime": org.get("onPremisesLastSyncDateTime"),
    }


# ----------------------------------------------------------------- authentication methods policy
def method_config_ids(methods: tuple[str, ...]) -> list[str]:
    ids: list[str] = []
    for method in methods:
        ids += [i for i in METHOD_CONFIGS[method] if i not in ids]
    return ids


ALL_USERS = "all_users"
FIDO2 = "Fido2"
FIDO2_TYPE = "#microsoft.graph.fido2AuthenticationMethodConfiguration"
#: Configurations remediation never turns on unless the config names them (CISA MS.AAD.3.5; SMS and
#: voice retire on 2027-02-01).
RESTRICTED_CONFIGS = frozenset({"Email", "Sms", "Voice"})
PHONE_CONFIGS = ("Sms", "Voice")


def _configs(policy: Any) -> dict[str, dict[str, Any]]:
    """Method configurations by id; Graph's ids are matched without regard to case (``fido2``/``Fido2``)."""
    return {str(c.get("id")).lower(): c for c in (policy or {}).get("authenticationMethodConfigurations") or []}


def config_of(policy: Any, config_id: str) -> dict[str, Any] | None:
    """The configuration :func:`_configs` maps ``config_id`` to (the last of that id), without building the map."""
    wanted = config_id.lower()
    configs = (policy or {}).get("authenticationMethodConfigurations") or []
    return next((c for c in reversed(configs) if str(c.get("id")).lower() == wanted), None)


def target_ids(config: dict[str, Any]) -> list[str]:
    return [str(t.get("id")) for t in config.get("includeTargets") or [] if t.get("id")]


def method_configurations(policy: Any, ids: list[str]) -> dict[str, Any]:
    """``{id: {"state", "includeTargets": [ids], ["isOfficePhoneAllowed"]}}`` for the configurations named."""
    out: dict[str, Any] = {}
    for config_id in ids:
        config = config_of(policy, config_id)
        if config is None:
            out[config_id] = None
            continue
        entry: dict[str, Any] = {"state": config.get("state"), "includeTargets": target_ids(config)}
        if config_id == "Voice":
            entry["isOfficePhoneAllowed"] = config.get("isOfficePhoneAllowed")
        if config_id == "MicrosoftAuthenticator":
            entry["isSoftwareOathEnabled"] = config.get("isSoftwareOathEnabled")
        out[config_id] = entry
    return out


def desired_method_configurations(
    methods: tuple[str, ...], allowed: tuple[str, ...] = (), phones_off: bool = False, target: str = ALL_USERS
) -> dict[str, Any]:
    """What the Authentication methods policy must hold for the methods SSPR offers.

    Microsoft Authenticator (and software OATH for codes) are enabled for ``target``; ``Email``,
    ``Sms`` and ``Voice`` only when named in ``allowed`` (the config's explicit opt-in); with
    ``phones_off`` SMS and voice are disabled instead.
    """
    desired: dict[str, Any] = {}
    for config_id in method_config_ids(methods):
        if config_id in RESTRICTED_CONFIGS and config_id not in allowed:
            continue
        if config_id == "SoftwareOath":
            continue  # third-party OATH apps are the admin's choice; the Authenticator's own codes suffice
        desired[config_id] = {"state": "enabled", "includeTargets": [target]}
    if "office_phone" in methods and "Voice" in desired:
        desired["Voice"]["isOfficePhoneAllowed"] = True
    if phones_off:
        for config_id in PHONE_CONFIGS:
            desired[config_id] = {"state": "disabled"}
    return desired


def applied(policy: Any, desired: dict[str, Any]) -> dict[str, Any]:
    """The methods policy as the method-configuration writes would leave it (for impact, no I/O)."""
    import copy

    after = copy.deepcopy(policy or {})
    configs = after.setdefault("authenticationMethodConfigurations", [])
    for config_id, wanted in desired.items():
        if wanted is None:
            continue
        raw = config_of(after, config_id)
        if raw is None:
            raw = {"id": config_id, "includeTargets": [], "excludeTargets": []}
            configs.append(raw)
        body, _ = config_patch(config_id, wanted, raw)
        body.pop("@odata.type", None)
        raw.update(body)
    return after


def config_holds(wanted: dict[str, Any] | None, current: dict[str, Any] | None) -> bool:
    """The configuration is in the wanted state; wanted targets must be among the current ones."""
    if wanted is None:
        return True
    if current is None:
        return False
    for key, value in wanted.items():
        if key == "includeTargets":
            if not set(value) <= set(current.get("includeTargets") or []):
                return False
        elif current.get(key) != value:
            return False
    return True


def config_patch(config_id: str, wanted: dict[str, Any], raw: dict[str, Any] | None) -> tuple[dict[str, Any], Any]:
    """The PATCH body for one method configuration, and the value it leaves (same shape as ``current``).

    Targets are added to the existing ones, never replacing a group the admin already enabled.
    """
    kind = METHOD_CONFIG_TYPES.get(config_id) or (raw or {}).get("@odata.type")
    body: dict[str, Any] = {"@odata.type": kind}
    after: dict[str, Any] = {"state": wanted.get("state", (raw or {}).get("state"))}
    body["state"] = after["state"]
    existing = list((raw or {}).get("includeTargets") or [])
    ids = target_ids(raw or {})
    if "includeTargets" in wanted:
        for target in wanted["includeTargets"]:
            if target not in ids:
                entry = {"targetType": "group", "id": target, "isRegistrationRequired": False}
                if config_id == "MicrosoftAuthenticator":
                    entry["authenticationMode"] = "any"
                existing.append(entry)
                ids.append(target)
        body["includeTargets"] = existing
    after["includeTargets"] = ids
    for key, value in wanted.items():
        if key not in ("state", "includeTargets"):
            body[key] = value
            after[key] = value
    if config_id == "Voice" and "isOfficePhoneAllowed" not in after:
        after["isOfficePhoneAllowed"] = (raw or {}).get("isOfficePhoneAllowed")
    return body, after


def phone_methods_enabled(policy: Any) -> list[str]:
    """The phone configurations (``Sms``, ``Voice``) the Authentication methods policy enables."""
    return [i for i in PHONE_CONFIGS if (config_of(policy, i) or {}).get("state") == "enabled"]


def passkeys(policy: Any) -> dict[str, Any] | None:
    """The FIDO2 (passkey) configuration as ``{"state", "isSelfServiceRegistrationAllowed", "includeTargets"}``."""
    config = config_of(policy, FIDO2)
    if config is None:
        return None
    return {
        "state": config.get("state"),
        "isSelfServiceRegistrationAllowed": config.get("isSelfServiceRegistrationAllowed"),
        "includeTargets": target_ids(config),
    }


def desired_passkeys(target: str = ALL_USERS) -> dict[str, Any]:
    return {"state": "enabled", "isSelfServiceRegistrationAllowed": True, "includeTargets": [target]}


def passkeys_patch(wanted: dict[str, Any], raw: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The FIDO2 PATCH body (``@odata.type`` is required by the update page) and what it leaves."""
    existing = list((raw or {}).get("includeTargets") or [])
    ids = target_ids(raw or {})
    for target in wanted.get("includeTargets") or []:
        if target not in ids:
            existing.append({"targetType": "group", "id": target, "isRegistrationRequired": False})
            ids.append(target)
    body = {
        "@odata.type": FIDO2_TYPE,
        "state": wanted["state"],
        "isSelfServiceRegistrationAllowed": wanted["isSelfServiceRegistrationAllowed"],
        "includeTargets": existing,
    }
    after = {
        "state": wanted["state"],
        "isSelfServiceRegistrationAllowed": wanted["isSelfServiceRegistrationAllowed"],
        "includeTargets": ids,
    }
    return body, after


def campaign(policy: Any) -> dict[str, Any] | None:
    """The registration campaign, without OData annotations, or ``None`` when Graph omitted it."""
    raw = ((policy or {}).get("registrationEnforcement") or {}).get("authenticationMethodsRegistrationCampaign")
    if not isinstance(raw, dict):
        return None
    return {
        "state": raw.get("state"),
        "snoozeDurationInDays": raw.get("snoozeDurationInDays"),
        "includeTargets": [
            {k: t.get(k) for k in ("id", "targetType", "targetedAuthenticationMethod")}
            for t in raw.get("includeTargets") or []
        ],
        "excludeTargets": [{k: t.get(k) for k in ("id", "targetType")} for t in raw.get("excludeTargets") or []],
    }


ALL_USERS_AUTHENTICATOR = {
    "id": "all_users",
    "targetType": "group",
    "targetedAuthenticationMethod": "microsoftAuthenticator",
}


def campaign_target(method: str) -> dict[str, str]:
    return {"id": ALL_USERS, "targetType": "group", "targetedAuthenticationMethod": method}


def campaign_ok(current: dict[str, Any] | None, snooze_days: int, method: str = "microsoftAuthenticator") -> bool:
    if not current or current.get("state") != "enabled":
        return False
    if current.get("snoozeDurationInDays") != snooze_days:
        return False
    return campaign_target(method) in current.get("includeTargets", [])


def campaign_methods(current: dict[str, Any] | None) -> list[str]:
    """The methods a campaign targets (Microsoft managed campaigns target passkeys since 2026-09-01)."""
    return sorted({str(t.get("targetedAuthenticationMethod")) for t in (current or {}).get("includeTargets") or []})


# ----------------------------------------------------------------- Intune
def normalise_target(target: dict[str, Any]) -> dict[str, Any]:
    out = {"@odata.type": target.get("@odata.type")}
    if target.get("groupId"):
        out["groupId"] = target["groupId"]
    return out


def desired_target(group_id: str | None) -> dict[str, Any]:
    return {"@odata.type": GROUP_TARGET, "groupId": group_id} if group_id else {"@odata.type": ALL_DEVICES}


def sspr_device_configurations(configs: Any) -> list[dict[str, Any]]:
    """Custom Windows configurations that set AllowAadPasswordReset = 1, as ``{"id", "targets"}``."""
    found = []
    for config in values(configs):
        if config.get("@odata.type") != WINDOWS_CUSTOM:
            continue
        settings = config.get("omaSettings") or []
        if not any(
            s.get("@odata.type") == OMA_INTEGER
            and str(s.get("omaUri", "")).strip().lower() in OMA_URIS
            and s.get("value") == 1
            for s in settings
        ):
            continue
        targets = [normalise_target(a.get("target") or {}) for a in config.get("assignments") or []]
        found.append({"id": config.get("id"), "targets": targets})
    return found


#: The Settings Catalog definition of Policy CSP Authentication/AllowAadPasswordReset, and its "allowed"
#: choice (the catalog names choices ``<definition id>_<value>``).
CATALOG_ALLOW_RESET = "device_vendor_msft_policy_config_authentication_allowaadpasswordreset"
CATALOG_ALLOWED = f"{CATALOG_ALLOW_RESET}_1"


def catalog_policies(policies: Any) -> list[dict[str, Any]]:
    """Settings Catalog policies (beta ``configurationPolicies`` with ``settings`` and ``assignments``
    expanded) that allow password reset at sign-in, as ``{"id", "targets", "source"}``."""
    found = []
    for policy in values(policies):
        instances = [s.get("settingInstance") or {} for s in policy.get("settings") or []]
        if not any(
            str(i.get("settingDefinitionId", "")).lower() == CATALOG_ALLOW_RESET
            and str((i.get("choiceSettingValue") or {}).get("value", "")).lower() == CATALOG_ALLOWED
            for i in instances
        ):
            continue
        targets = [normalise_target(a.get("target") or {}) for a in policy.get("assignments") or []]
        found.append({"id": policy.get("id"), "targets": targets, "source": "Settings Catalog"})
    return found


def device_configuration(configs: Any, config_id: str) -> dict[str, Any] | None:
    return next((c for c in sspr_device_configurations(configs) if c["id"] == config_id), None)


# ----------------------------------------------------------------- Conditional Access
def protection_of(policy: dict[str, Any]) -> str | None:
    """How a policy protects security-info registration for all users, or ``None`` when it does not.

    ``"block"``: blocked outside trusted locations (Microsoft's template). ``"authentication strength"``:
    registration needs an authentication strength (Conditional Access' grant control
    ``authenticationStrength``), wherever the user is.
    """
    conditions = policy.get("conditions") or {}
    actions = (conditions.get("applications") or {}).get("includeUserActions") or []
    users = (conditions.get("users") or {}).get("includeUsers") or []
    if REGISTER_SECURITY_INFO not in actions or "All" not in users:
        return None
    locations = conditions.get("locations") or {}
    grant = policy.get("grantControls") or {}
    if (
        "block" in (grant.get("builtInControls") or [])
        and "All" in (locations.get("includeLocations") or [])
        and bool(locations.get("excludeLocations"))
    ):
        return "block"
    strength = grant.get("authenticationStrength")
    if isinstance(strength, dict) and strength.get("id"):
        return "authentication strength"
    return None


def is_registration_policy(policy: dict[str, Any]) -> bool:
    return protection_of(policy) is not None


_STATE_RANK = {"enabled": 2, "enabledForReportingButNotEnforced": 1}


def registration_policy(policies: Any) -> dict[str, Any] | None:
    """The strongest matching policy as ``{"id", "state"}``: enabled beats report-only beats off."""
    matches = [p for p in values(policies) if is_registration_policy(p)]
    if not matches:
        return None
    best = max(matches, key=lambda p: _STATE_RANK.get(str(p.get("state")), 0))
    return {"id": best.get("id"), "state": best.get("state"), "protection": protection_of(best)}


def policy_by_id(policies: Any, policy_id: str) -> dict[str, Any] | None:
    found = next((p for p in values(policies) if p.get("id") == policy_id), None)
    if found is None:
        return None
    return {"id": found.get("id"), "state": found.get("state"), "protection": protection_of(found)}


def state_satisfies(current: str | None, desired: str) -> bool:
    return _STATE_RANK.get(str(current), 0) >= _STATE_RANK[desired]


#: Every guest and external user type (conditionalAccessGuestOrExternalUserTypes), for the template's
#: "Exclude: All guest and external users".
GUEST_TYPES = (
    "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider"
)


def registration_policy_body(state: str, excluded_user_ids: list[str], strength_id: str) -> dict[str, Any]:
    """Microsoft's current template (policy-all-users-security-info-registration): all users except guests
    and break-glass accounts, any location except trusted ones, grant: require an authentication strength."""
    return {
        "displayName": "Securing security info registration (scorekeeper)",
        "state": state,
        "conditions": {
            "applications": {"includeUserActions": [REGISTER_SECURITY_INFO]},
            "users": {
                "includeUsers": ["All"],
                "excludeUsers": list(excluded_user_ids),
                "excludeGuestsOrExternalUsers": {
                    "guestOrExternalUserTypes": GUEST_TYPES,
                    "externalTenants": {
                        "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants",
                        "membershipKind": "all",
                    },
                },
            },
            "clientAppTypes": ["all"],
            "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
        },
        "grantControls": {"operator": "OR", "authenticationStrength": {"id": strength_id}},
    }


def trusted_locations(named: Any) -> list[str]:
    """Names of the trusted named locations (``isTrusted``; country locations cannot be trusted)."""
    return [str(n.get("displayName") or n.get("id")) for n in values(named) if n.get("isTrusted") is True]


#: appliedConditionalAccessPolicy.result values of a report-only policy (signIn resource).
REPORT_ONLY_RESULTS = ("reportOnlySuccess", "reportOnlyFailure", "reportOnlyInterrupted", "reportOnlyNotApplied")


def report_only_results(sign_ins: Any, policy_id: str) -> dict[str, list[str]]:
    """For one policy: result → the users (UPN) whose sign-ins had that report-only result."""
    out: dict[str, list[str]] = {}
    for sign_in in values(sign_ins):
        for applied in sign_in.get("appliedConditionalAccessPolicies") or []:
            if applied.get("id") == policy_id and applied.get("result") in REPORT_ONLY_RESULTS:
                who = str(sign_in.get("userPrincipalName") or sign_in.get("userId"))
                names = out.setdefault(str(applied["result"]), [])
                if who not in names:
                    names.append(who)
    return out


# ----------------------------------------------------------------- password protection
def password_rules(settings: Any) -> dict[str, Any] | None:
    """The Password Rule Settings object as ``{"id", "values": {name: value}}``, or ``None``."""
    found = next((s for s in values(settings) if s.get("templateId") == PASSWORD_RULES_TEMPLATE), None)
    if found is None:
        return None
    return {"id": found.get("id"), "values": {v.get("name"): v.get("value") for v in found.get("values") or []}}


def password_rules_by_id(settings: Any, setting_id: str) -> dict[str, Any] | None:
    found = password_rules(settings)
    return found if found and found["id"] == setting_id else None


def banned_list(value: str | None) -> list[str]:
    return [entry for entry in (value or "").split("\t") if entry]


def desired_password_rules(
    current: dict[str, str] | None, banned: tuple[str, ...], hybrid: bool, on_premises_mode: str
) -> dict[str, str]:
    """The values to hold: check on, the configured words added to (never replacing) the list."""
    desired = {"EnableBannedPasswordCheck": "True"}
    if banned:
        existing = banned_list((current or {}).get("BannedPasswordList"))
        known = {e.lower() for e in existing}
        desired["BannedPasswordList"] = "\t".join(existing + [b for b in banned if b.lower() not in known])
    if hybrid:
        desired["EnableBannedPasswordCheckOnPremises"] = "True"
        desired["BannedPasswordCheckOnPremisesMode"] = on_premises_mode
    return desired


def rules_match(current: Mapping[str, Any] | None, desired: dict[str, str]) -> bool:
    """Whether ``current`` (whose values may be missing or ``None``) holds ``desired``.

    Compared case-insensitively; the banned-password list need only contain the desired words.
    """
    if current is None:
        return False
    for name, value in desired.items():
        have = current.get(name)
        if name == "BannedPasswordList":
            if not {e.lower() for e in banned_list(value)} <= {e.lower() for e in banned_list(have)}:
                return False
        elif str(have).lower() != value.lower():
            return False
    return True


# ----------------------------------------------------------------- Secure Score
def control_score(scores: Any, control_id: str) -> dict[str, Any] | None:
    latest = first(scores)
    if latest is None:
        return None
    entry = next((c for c in latest.get("controlScores") or [] if c.get("controlName") == control_id), None)
    if entry is None:
        return None
    return {
        "score": entry.get("score"),
        "scoreInPercentage": entry.get("scoreInPercentage"),
        "implementationStatus": entry.get("implementationStatus"),
        "count": entry.get("count"),  # additional data in the SDK model; a string in Graph's JSON
        "total": entry.get("total"),
        "createdDateTime": latest.get("createdDateTime"),
    }


# ----------------------------------------------------------------- comparison
def sticks(wanted: Any, observed: Any) -> bool:
    """True when ``observed`` holds everything ``wanted`` says (dict keys not named are ignored)."""
    if isinstance(wanted, dict):
        return isinstance(observed, dict) and all(sticks(v, observed.get(k)) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(observed, list)
            and len(wanted) == len(observed)
            and all(sticks(w, o) for w, o in zip(wanted, observed, strict=True))
        )
    return wanted == observed


# ----------------------------------------------------------------- registration reports
#: ``methodsRegistered`` values that are phone numbers (Graph's userRegistrationDetails; the
#: alternate mobile and office phone spellings are those of the authentication methods activity report).
PHONE_REGISTRATIONS = frozenset({"mobilePhone", "alternateMobilePhone", "officePhone"})


def readiness(details: Any) -> dict[str, int]:
    """Counts over member users: how many would have no SSPR method left once phone methods go.

    ``phone_only``: every registered method is a phone number; ``none``: nothing registered;
    ``members``: member users in the report; ``sspr_capable``: ``isSsprCapable`` today.
    """
    members = [u for u in values(details) if u.get("userType") in (None, "member")]
    phone_only = none = single = capable = admins_enabled = 0
    for user in members:
        registered = set(user.get("methodsRegistered") or [])
        single += len(registered) == 1
        if not registered:
            none += 1
        elif registered <= PHONE_REGISTRATIONS:
            phone_only += 1
        capable += bool(user.get("isSsprCapable"))
        admins_enabled += bool(user.get("isAdmin") and user.get("isSsprEnabled"))
    return {
        "members": len(members),
        "phone_only": phone_only,
        "none": none,
        "single": single,
        "sspr_capable": capable,
        "admins_sspr_enabled": admins_enabled,
    }

"""Pure readings of Microsoft Graph JSON: from documented response shapes to comparable values.

Nothing here does I/O, so every rule is unit-tested on JSON shaped exactly like Microsoft's
documented responses; ``evaluate`` turns these values into findings.
"""

from __future__ import annotations

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


def method_configurations(policy: Any, ids: list[str]) -> dict[str, Any]:
    """``{id: {"state": ..., ["isOfficePhoneAllowed": ...]}}`` for the configurations named."""
    by_id = {c.get("id"): c for c in (policy or {}).get("authenticationMethodConfigurations") or []}
    out: dict[str, Any] = {}
    for config_id in ids:
        config = by_id.get(config_id)
        if config is None:
            out[config_id] = None
            continue
        entry = {"state": config.get("state")}
        if config_id == "Voice":
            entry["isOfficePhoneAllowed"] = config.get("isOfficePhoneAllowed")
        out[config_id] = entry
    return out


def desired_method_configurations(methods: tuple[str, ...]) -> dict[str, Any]:
    desired: dict[str, Any] = {i: {"state": "enabled"} for i in method_config_ids(methods)}
    if "office_phone" in methods:
        desired["Voice"]["isOfficePhoneAllowed"] = True
    return desired


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


def campaign_ok(current: dict[str, Any] | None, snooze_days: int) -> bool:
    if not current or current.get("state") != "enabled":
        return False
    if current.get("snoozeDurationInDays") != snooze_days:
        return False
    return ALL_USERS_AUTHENTICATOR in current.get("includeTargets", [])


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


def device_configuration(configs: Any, config_id: str) -> dict[str, Any] | None:
    return next((c for c in sspr_device_configurations(configs) if c["id"] == config_id), None)


# ----------------------------------------------------------------- Conditional Access
def is_registration_policy(policy: dict[str, Any]) -> bool:
    """Blocks security-info registration for all users outside trusted locations."""
    conditions = policy.get("conditions") or {}
    actions = (conditions.get("applications") or {}).get("includeUserActions") or []
    users = (conditions.get("users") or {}).get("includeUsers") or []
    locations = conditions.get("locations") or {}
    grant = (policy.get("grantControls") or {}).get("builtInControls") or []
    return (
        REGISTER_SECURITY_INFO in actions
        and "All" in users
        and "All" in (locations.get("includeLocations") or [])
        and bool(locations.get("excludeLocations"))
        and "block" in grant
    )


_STATE_RANK = {"enabled": 2, "enabledForReportingButNotEnforced": 1}


def registration_policy(policies: Any) -> dict[str, Any] | None:
    """The strongest matching policy as ``{"id", "state"}``: enabled beats report-only beats off."""
    matches = [p for p in values(policies) if is_registration_policy(p)]
    if not matches:
        return None
    best = max(matches, key=lambda p: _STATE_RANK.get(str(p.get("state")), 0))
    return {"id": best.get("id"), "state": best.get("state")}


def policy_by_id(policies: Any, policy_id: str) -> dict[str, Any] | None:
    found = next((p for p in values(policies) if p.get("id") == policy_id), None)
    return {"id": found.get("id"), "state": found.get("state")} if found else None


def state_satisfies(current: str | None, desired: str) -> bool:
    return _STATE_RANK.get(str(current), 0) >= _STATE_RANK[desired]


def registration_policy_body(state: str, excluded_user_ids: list[str]) -> dict[str, Any]:
    """Microsoft's "Securing security info registration" template, with break-glass exclusions."""
    return {
        "displayName": "Securing security info registration (scorekeeper)",
        "state": state,
        "conditions": {
            "applications": {"includeUserActions": [REGISTER_SECURITY_INFO]},
            "users": {"includeUsers": ["All"], "excludeUsers": list(excluded_user_ids)},
            "clientAppTypes": ["all"],
            "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
        },
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }


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


def rules_match(current: dict[str, str] | None, desired: dict[str, str]) -> bool:
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

"""What the config asks of each PasswordResetPolicies setting, as the slice of fields that setting owns.

The slice is what a finding shows as ``desired`` and what remediation writes back, so it is derived
from the config here, in one place, for the portal rows and the gate check that looks ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scorekeeper_sspr.config import PHONE_METHODS, SsprConfig, is_object_id
from scorekeeper_sspr.portal import ENABLEMENT_ALL, ENABLEMENT_SELECTED, METHOD_FIELDS

#: Settings held by one portal field: setting id → (the field, its configured value).
SIMPLE: dict[str, tuple[str, Callable[[SsprConfig], Any]]] = {
    "methods_required": ("numberOfAuthenticationMethodsRequired", lambda cfg: cfg.methods_required),
    "registration_required": ("registrationRequiredOnSignIn", lambda cfg: cfg.registration_required),
    "reconfirm_days": ("registrationReconfirmIntevalInDays", lambda cfg: cfg.reconfirm_days),
    "notify_users": ("notifyUsersOnPasswordReset", lambda cfg: cfg.notify_users),
    "notify_admins": ("notifyOnAdminPasswordReset", lambda cfg: cfg.notify_admins),
}


def desired_simple(cfg: SsprConfig, setting_id: str) -> dict[str, Any]:
    """The one field a :data:`SIMPLE` setting owns, with its configured value."""
    name, value = SIMPLE[setting_id]
    return {name: value(cfg)}


def desired_enablement(cfg: SsprConfig) -> dict[str, Any]:
    """All users, or the one selected group (by id when the config gives an id, else by name)."""
    if cfg.enablement == "all":
        return {"enablementType": ENABLEMENT_ALL}
    group = cfg.enablement_group or ""
    key = "passwordResetEnabledGroupIds" if is_object_id(group) else "passwordResetEnabledGroupName"
    return {"enablementType": ENABLEMENT_SELECTED, key: [group] if is_object_id(group) else group}


def questions_missing(cfg: SsprConfig, policy: dict[str, Any]) -> int:
    """How many more questions the tenant must define before users can register the configured number."""
    defined = len(policy.get("securityQuestions") or [])
    return max(0, cfg.security_questions_to_register - defined) if cfg.security_questions else 0


def desired_methods(cfg: SsprConfig, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """The offered/allowed flags to hold; fields left out are the admin's to decide (see the comments)."""
    wanted: dict[str, Any] = {}
    for method, (enabled, allowed) in METHOD_FIELDS.items():
        if method in PHONE_METHODS and method not in cfg.methods and cfg.phone_methods == "keep":
            continue  # turning phones off is the admin's choice (phone_methods), never a silent default
        if method == "security_questions" and method not in cfg.methods:
            continue  # "less secure" (concept-authentication-security-questions): never turned on, never taken away
        if (
            method == "security_questions"
            and policy is not None
            and not policy.get(enabled)
            and questions_missing(cfg, policy)
        ):
            continue  # questions must exist first: the security_questions row guides that
        wanted[enabled] = method in cfg.methods
        if method in cfg.methods:
            wanted[allowed] = True
    return wanted


def desired_questions(cfg: SsprConfig) -> dict[str, Any] | None:
    """The question counts, or ``None`` when the config does not offer security questions."""
    if not cfg.security_questions:
        return None
    return {
        "numberOfQuestionsToRegister": cfg.security_questions_to_register,
        "numberOfQuestionsToReset": cfg.security_questions_to_reset,
    }


def desired_helpdesk(cfg: SsprConfig) -> dict[str, Any] | None:
    """The helpdesk link, or ``None`` when the config names no helpdesk (the row then only checks one is set)."""
    return {"customizeHelpdeskLink": True, "customHelpdeskEmailOrUrl": cfg.helpdesk} if cfg.helpdesk else None

"""The portal's fields in the portal's own words, so reasons read like the blade an admin opens.

Portal and on-premises rows explain a failure as "'<label>' is X, should be Y"; the labels and
value words live here so both kinds of row phrase it the same way.
"""

from __future__ import annotations

from typing import Any

from scorekeeper_sspr.portal import METHOD_FIELDS

#: Words for the portal's fields, so reasons read like the portal does.
FIELD_LABELS = {
    "enablementType": "Self service password reset enabled",
    "passwordResetEnabledGroupIds": "the selected group",
    "passwordResetEnabledGroupName": "the selected group",
    "numberOfAuthenticationMethodsRequired": "Number of methods required to reset",
    "numberOfQuestionsToRegister": "Number of questions required to register",
    "numberOfQuestionsToReset": "Number of questions required to reset",
    "registrationRequiredOnSignIn": "Require users to register when signing in",
    "registrationReconfirmIntevalInDays": "Days before users are asked to re-confirm",
    "notifyUsersOnPasswordReset": "Notify users on password resets",
    "notifyOnAdminPasswordReset": "Notify all admins when other admins reset their password",
    "customizeHelpdeskLink": "Customize helpdesk link",
    "customHelpdeskEmailOrUrl": "Custom helpdesk email or URL",
    "passwordWritebackSupported": "Write back passwords to your on-premises directory",
    "accountUnlockEnabled": "Allow users to unlock accounts without resetting their password",
}
for _method, (_enabled, _allowed) in METHOD_FIELDS.items():
    FIELD_LABELS[_enabled] = f"{_method.replace('_', ' ')} offered"
    FIELD_LABELS[_allowed] = f"{_method.replace('_', ' ')} allowed"
#: ``enablementType`` as the portal shows it (keyed by whatever the portal returned, ``None`` included).
ENABLEMENT_WORDS: dict[Any, str] = {0: "None", 1: "Selected", 2: "All"}


def _word(name: str, value: Any) -> str:
    if name == "enablementType":
        return ENABLEMENT_WORDS.get(value, repr(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "not set"
    return str(value)


def differences(current: dict[str, Any], desired: dict[str, Any]) -> str:
    """'X is No, should be Yes; ...' for every field that differs."""
    parts = [
        f"'{FIELD_LABELS.get(k, k)}' is {_word(k, current.get(k))}, should be {_word(k, v)}"
        for k, v in desired.items()
        if current.get(k) != v
    ]
    return "; ".join(parts)

"""The portal's password-reset policy objects: which fields each setting owns, and how to write them.

``PasswordResetPolicies`` is one object that a ``PUT`` replaces whole, so writing is always
read-modify-write: GET it, change only the fields of the settings being remediated, PUT all of
it back. Each setting is represented by its *slice* (the dict of the fields it owns), which is
what findings show as current/desired and what changes record as before/after — so a rollback
is simply "merge the before slice back".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from scorekeeper_sspr.settings import ONPREM_POLICY, PORTAL_POLICY

if TYPE_CHECKING:
    from scorekeeper import PortalClient

#: config method name → (the portal's "offered" flag, its "allowed" flag).
METHOD_FIELDS: dict[str, tuple[str, str]] = {
    "mobile_app_notification": ("mobileAppNotificationEnabled", "mobileAppNotificationOptionAllowed"),
    "mobile_app_code": ("mobileAppCodeEnabled", "mobileAppCodeOptionAllowed"),
    "email": ("emailOptionEnabled", "emailOptionAllowed"),
    "mobile_phone": ("mobilePhoneOptionEnabled", "mobilePhoneOptionAllowed"),
    "office_phone": ("officePhoneOptionEnabled", "officePhoneOptionAllowed"),
    "security_questions": ("securityQuestionsOptionEnabled", "securityQuestionsOptionAllowed"),
}

#: setting id → the PasswordResetPolicies fields it owns.
POLICY_FIELDS: dict[str, tuple[str, ...]] = {
    "enablement": ("enablementType", "passwordResetEnabledGroupIds", "passwordResetEnabledGroupName"),
    "methods_required": ("numberOfAuthenticationMethodsRequired",),
    "methods_available": tuple(f for pair in METHOD_FIELDS.values() for f in pair),
    "security_questions": ("numberOfQuestionsToRegister", "numberOfQuestionsToReset"),
    "registration_required": ("registrationRequiredOnSignIn",),
    "reconfirm_days": ("registrationReconfirmIntevalInDays",),  # sic: the portal's own spelling
    "notify_users": ("notifyUsersOnPasswordReset",),
    "notify_admins": ("notifyOnAdminPasswordReset",),
    "helpdesk_link": ("customizeHelpdeskLink", "customHelpdeskEmailOrUrl"),
}

#: setting id → (field read from OnPremisesPasswordResetPolicies, field name the PUT body uses).
ONPREM_FIELDS: dict[str, tuple[str, str]] = {
    "password_writeback": ("passwordWritebackSupported", "passwordWriteBackSupported"),
    "account_unlock": ("accountUnlockEnabled", "accountUnlockEnabled"),
}

ENABLEMENT_NONE, ENABLEMENT_SELECTED, ENABLEMENT_ALL = 0, 1, 2


def policy_slice(policy: Mapping[str, Any], setting_id: str) -> dict[str, Any]:
    """The fields of ``policy`` that ``setting_id`` owns (missing fields read as ``None``)."""
    return {name: policy.get(name) for name in POLICY_FIELDS[setting_id]}


def onprem_slice(policy: Mapping[str, Any], setting_id: str) -> dict[str, Any]:
    field = ONPREM_FIELDS[setting_id][0]
    return {field: policy.get(field)}


def merged(policy: Mapping[str, Any], slices: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The whole policy with ``slices`` applied; every field not named in a slice is kept as read."""
    body = dict(policy)
    for part in slices:
        body.update(part)
    return body


#: Public scripts read the policy with this flag; it asks the portal to include the selected group
#: (ids and name). The PUT sends the object back whole, so a read without the group could clear it.
READ_WITH_GROUP = "getPasswordResetEnabledGroup=true"


async def read_policy(portal: PortalClient) -> dict[str, Any]:
    return await portal.get(f"{PORTAL_POLICY}?{READ_WITH_GROUP}")


async def read_onprem(portal: PortalClient) -> dict[str, Any]:
    return await portal.get(ONPREM_POLICY)


async def write_policy(portal: PortalClient, body: Mapping[str, Any]) -> None:
    await portal.put(PORTAL_POLICY, dict(body))


async def write_onprem(portal: PortalClient, setting_id: str, value: bool) -> None:
    """One PUT per on-premises flag, with the body shape the portal's own scripts send."""
    await portal.put(ONPREM_POLICY, {ONPREM_FIELDS[setting_id][1]: value})

"""The explicit table of rows: setting id → the function that builds its finding.

Listing every row by hand (instead of finding methods by name) lets a reader, a type checker and a
test see at once which function answers for which setting, and that every setting has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from scorekeeper_sspr.rows import (
    campaign,
    devices,
    directory,
    methods,
    onprem,
    portal,
    portal_methods,
    registration,
    tenant,
)
from scorekeeper_sspr.rows.context import Row

#: Read-only, so no caller can swap a row out from under the others.
ROWS: Mapping[str, Row] = MappingProxyType(
    {
        # the tenant: subscriptions, directory sync, Secure Score
        "license": tenant.row_license,
        "hybrid": tenant.row_hybrid,
        "secure_score": tenant.row_secure_score,
        # the portal's PasswordResetPolicies object
        "enablement": portal.row_enablement,
        "methods_available": portal_methods.row_methods_available,
        "methods_required": portal_methods.row_methods_required,
        "security_questions": portal.row_security_questions,
        "registration_required": portal.row_registration_required,
        "reconfirm_days": portal.row_reconfirm_days,
        "notify_users": portal.row_notify_users,
        "notify_admins": portal.row_notify_admins,
        "helpdesk_link": portal.row_helpdesk_link,
        # the portal's OnPremisesPasswordResetPolicies object, and the AD rights no API reads
        "password_writeback": onprem.row_password_writeback,
        "account_unlock": onprem.row_account_unlock,
        "connect_account_permissions": onprem.row_connect_account_permissions,
        # the Authentication methods policy
        "method_configurations": methods.row_method_configurations,
        "passkeys": methods.row_passkeys,
        "methods_policy_migration": methods.row_methods_policy_migration,
        "mfa_registration_campaign": campaign.row_mfa_registration_campaign,
        # the per-user registration report (and combined registration, which reads nothing)
        "phone_retirement": registration.row_phone_retirement,
        "admins_excluded": registration.row_admins_excluded,
        "combined_registration": registration.row_combined_registration,
        # directory policy objects
        "admin_sspr": directory.row_admin_sspr,
        "registration_ca_policy": directory.row_registration_ca_policy,
        "password_protection": directory.row_password_protection,
        # Intune device configurations
        "windows_sign_in_reset": devices.row_windows_sign_in_reset,
    }
)

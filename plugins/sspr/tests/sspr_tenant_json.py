"""Graph and portal responses shaped as Microsoft documents them, for the pure evaluation tests.

Shapes follow the response examples of the Graph v1.0 reference pages (subscribedSku list,
organization get with $select, authenticationMethodsPolicy get, authorizationPolicy get,
deviceConfiguration list with $expand=assignments, conditionalAccessPolicy list, groupSetting
list, secureScore list, secureScoreControlProfile get) and the portal objects of the SSPR table.
Each builder takes the few values a test varies.
"""

from __future__ import annotations

import copy
from typing import Any

from scorekeeper_sspr.reads import Read, Snapshot

P1_PLAN = {
    "servicePlanId": "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
    "servicePlanName": "AAD_PREMIUM",
    "provisioningStatus": "Success",
    "appliesTo": "Company",
}
INTUNE_PLAN = {
    "servicePlanId": "c1ec4a95-1f05-45b3-a911-aa3fa01094f5",
    "servicePlanName": "INTUNE_A",
    "provisioningStatus": "Success",
    "appliesTo": "User",
}
EXCHANGE_PLAN = {
    "servicePlanId": "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
    "servicePlanName": "EXCHANGE_S_STANDARD",
    "provisioningStatus": "Success",
    "appliesTo": "User",
}


def skus(p1: bool = True) -> dict[str, Any]:
    sku = {
        "capabilityStatus": "Enabled",
        "consumedUnits": 14,
        "id": "48a80680-7326-48cd-9935-b556b81d3a4e_c7df2760-2c81-4ef7-b578-5b5392b571df",
        "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 0},
        "servicePlans": [EXCHANGE_PLAN, *([P1_PLAN, INTUNE_PLAN] if p1 else [])],
        "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df" if p1 else "18181a46-0d4e-45cd-891e-60aabd171b4e",
        "skuPartNumber": "ENTERPRISEPREMIUM" if p1 else "STANDARDPACK",
        "appliesTo": "User",
    }
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": [sku]}


def organization(synced: bool | None) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization(id,onPremisesSyncEnabled,"
        "onPremisesLastSyncDateTime)",
        "value": [
            {
                "id": "84841066-274d-4ec0-a5c1-276be684bdd3",
                "onPremisesSyncEnabled": synced,
                "onPremisesLastSyncDateTime": "2025-11-24T23:10:04Z" if synced else None,
            }
        ],
    }


def _method(config_id: str, kind: str, state: str, **extra: Any) -> dict[str, Any]:
    return {
        "@odata.type": f"#microsoft.graph.{kind}AuthenticationMethodConfiguration",
        "id": config_id,
        "state": state,
        "excludeTargets": [],
        "includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": False}],
        **extra,
    }


def methods_policy(
    *,
    state: str | None = "migrationComplete",
    enabled: tuple[str, ...] = ("MicrosoftAuthenticator", "Email", "Fido2"),
    campaign_state: str = "enabled",
    snooze: int = 1,
    campaign_method: str = "fido2",
) -> dict[str, Any]:
    kinds = {
        "MicrosoftAuthenticator": "microsoftAuthenticator",
        "SoftwareOath": "softwareOath",
        "Email": "email",
        "Sms": "sms",
        "Voice": "voice",
        "Fido2": "fido2",
    }
    configs = []
    for config_id, kind in kinds.items():
        extra: dict[str, Any] = {"isOfficePhoneAllowed": False} if config_id == "Voice" else {}
        if config_id == "Fido2":
            extra = {"isSelfServiceRegistrationAllowed": True, "isAttestationEnforced": False}
        configs.append(_method(config_id, kind, "enabled" if config_id in enabled else "disabled", **extra))
    include = (
        [{"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": campaign_method}]
        if campaign_state == "enabled"
        else []
    )
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#authenticationMethodsPolicy",
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the "
        "tenant, authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime": "2025-05-01T10:00:00Z",
        "policyVersion": "1.4",
        "policyMigrationState": state,
        "reconfirmationInDays": 0,
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "snoozeDurationInDays": snooze,
                "state": campaign_state,
                "excludeTargets": [],
                "includeTargets": include,
            }
        },
        "authenticationMethodConfigurations": configs,
    }


def authorization_policy(allowed: bool) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity",
        "@odata.type": "#microsoft.graph.authorizationPolicy",
        "id": "authorizationPolicy",
        "allowInvitesFrom": "everyone",
        "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": allowed,
        "allowEmailVerifiedUsersToJoinOrganization": False,
        "blockMsolPowerShell": False,
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "defaultUserRolePermissions": {
            "allowedToCreateApps": True,
            "allowedToCreateSecurityGroups": True,
            "allowedToReadOtherUsers": True,
        },
    }


WINDOWS_CONFIG_ID = "8d3c4d7b-1f0a-4d8e-9c6e-3a1b2c3d4e5f"


def device_configurations(present: bool, assigned: bool) -> dict[str, Any]:
    values: list[dict[str, Any]] = [
        {
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "id": "0b3c6a5e-0000-4000-8000-000000000001",
            "displayName": "Windows baseline",
            "assignments": [],
        }
    ]
    if present:
        values.append(
            {
                "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
                "id": WINDOWS_CONFIG_ID,
                "displayName": "SSPR at sign-in",
                "version": 1,
                "omaSettings": [
                    {
                        "@odata.type": "#microsoft.graph.omaSettingInteger",
                        "displayName": "AllowAadPasswordReset",
                        "description": None,
                        "omaUri": "./Device/Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset",
                        "value": 1,
                    }
                ],
                "assignments": [
                    {
                        "id": f"{WINDOWS_CONFIG_ID}_adadadad-808e-44e2-905a-0b7873a8a531",
                        "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"},
                    }
                ]
                if assigned
                else [],
            }
        )
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/deviceConfigurations",
        "value": values,
    }


CA_POLICY_ID = "2b31ac51-b855-40a5-a986-0a4ed23e9008"


def ca_policies(state: str | None) -> dict[str, Any]:
    other = {
        "id": "f1e2d3c4-0000-4000-8000-000000000002",
        "displayName": "Require MFA for admins",
        "state": "enabled",
        "conditions": {
            "applications": {"includeApplications": ["All"], "includeUserActions": []},
            "users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "includeUsers": []},
            "clientAppTypes": ["all"],
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
    }
    values = [other]
    if state:
        values.append(
            {
                "id": CA_POLICY_ID,
                "displayName": "Securing security info registration",
                "createdDateTime": "2025-01-10T09:00:00Z",
                "state": state,
                "conditions": {
                    "applications": {
                        "includeApplications": [],
                        "excludeApplications": [],
                        "includeUserActions": ["urn:user:registersecurityinfo"],
                    },
                    "users": {"includeUsers": ["All"], "excludeUsers": [], "excludeRoles": []},
                    "clientAppTypes": ["all"],
                    "locations": {"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]},
                },
                "grantControls": {"operator": "OR", "builtInControls": ["block"]},
            }
        )
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies",
        "value": values,
    }


SETTING_ID = "a4b7b3a6-0c9d-4b47-9b6d-1f7e0e9a2c11"


def group_settings(values: dict[str, str] | None) -> dict[str, Any]:
    items = []
    if values is not None:
        items.append(
            {
                "id": SETTING_ID,
                "displayName": "Password Rule Settings",
                "templateId": "5cf42378-d67d-4f36-ba46-e8b86229381d",
                "values": [{"name": k, "value": v} for k, v in values.items()],
            }
        )
    return {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groupSettings", "value": items}


def rule_values(check: str = "True", banned: str = "", on_prem: str = "True", mode: str = "Audit") -> dict[str, str]:
    return {
        "BannedPasswordCheckOnPremisesMode": mode,
        "EnableBannedPasswordCheckOnPremises": on_prem,
        "EnableBannedPasswordCheck": check,
        "LockoutDurationInSeconds": "60",
        "LockoutThreshold": "10",
        "BannedPasswordList": banned,
    }


def secure_scores(score: float) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/secureScores",
        "value": [
            {
                "id": "00000000-0000-0000-0000-000000000001_2025-11-24",
                "azureTenantId": "00000000-0000-0000-0000-000000000001",
                "activeUserCount": 12,
                "createdDateTime": "2025-11-24T00:00:00Z",
                "currentScore": 41.0,
                "maxScore": 120.0,
                "enabledServices": ["HasExchange", "HasAzureAD"],
                "averageComparativeScores": [],
                "controlScores": [
                    {
                        "controlCategory": "Identity",
                        "controlName": "SelfServicePasswordReset",
                        "description": "Self-service password reset ...",
                        "score": score,
                        "scoreInPercentage": score * 100.0,
                        "implementationStatus": "",
                        "lastSynced": "2025-11-23T12:00:00Z",
                        "count": "0",
                        "total": "12",
                    },
                    {"controlCategory": "Identity", "controlName": "MFARegistrationV2", "score": 9.0},
                ],
                "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"},
            }
        ],
    }


def score_profile(max_score: float = 1.0) -> dict[str, Any]:
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/secureScoreControlProfiles/$entity",
        "id": "SelfServicePasswordReset",
        "azureTenantId": "00000000-0000-0000-0000-000000000001",
        "title": "Enable self-service password reset",
        "controlCategory": "Identity",
        "actionType": "Config",
        "service": "AzureAD",
        "maxScore": max_score,
        "tier": "Core",
        "actionUrl": "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/PasswordResetMenuBlade/~/Properties",
        "controlStateUpdates": [],
        "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"},
    }


def registration_details(*methods: list[str], admin_in_policy: bool = False) -> dict[str, Any]:
    """authenticationmethodsroot-list-userregistrationdetails' response, one member user per method list."""
    users = [
        {
            "id": f"0000000{i}-1111-2222-3333-444444444444",
            "userPrincipalName": f"user{i}@contoso.com",
            "userDisplayName": f"User {i}",
            "userType": "member",
            "isAdmin": False,
            "isSsprRegistered": bool(registered),
            "isSsprEnabled": True,
            "isSsprCapable": bool(registered),
            "isMfaRegistered": bool(registered),
            "isMfaCapable": bool(registered),
            "isPasswordlessCapable": False,
            "isSystemPreferredAuthenticationMethodEnabled": True,
            "systemPreferredAuthenticationMethods": [],
            "userPreferredMethodForSecondaryAuthentication": "none",
            "methodsRegistered": registered,
            "lastUpdatedDateTime": "2026-11-30T19:15:41.6195833Z",
        }
        for i, registered in enumerate(methods)
    ]
    admin = {**users[0], "id": "a0000000-1111-2222-3333-444444444444", "userPrincipalName": "admin@contoso.com"}
    admin.update(isAdmin=True, isSsprEnabled=admin_in_policy, methodsRegistered=["microsoftAuthenticatorPush"])
    users.append(admin)
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/"
        "userRegistrationDetails",
        "value": users,
    }


def portal_policy(**overrides: Any) -> dict[str, Any]:
    policy = {
        "objectId": "default",
        "enablementType": 2,
        "passwordResetEnabledGroupIds": [],
        "passwordResetEnabledGroupName": "",
        "numberOfAuthenticationMethodsRequired": 2,
        "emailOptionEnabled": True,
        "mobilePhoneOptionEnabled": False,
        "officePhoneOptionEnabled": False,
        "securityQuestionsOptionEnabled": True,
        "mobileAppNotificationEnabled": True,
        "mobileAppCodeEnabled": True,
        "emailOptionAllowed": True,
        "mobilePhoneOptionAllowed": True,
        "officePhoneOptionAllowed": True,
        "securityQuestionsOptionAllowed": True,
        "mobileAppNotificationOptionAllowed": True,
        "mobileAppCodeOptionAllowed": True,
        "numberOfQuestionsToRegister": 5,
        "numberOfQuestionsToReset": 3,
        "securityQuestions": [{"questionText": f"Question {n}?"} for n in range(1, 6)],
        "registrationRequiredOnSignIn": True,
        "registrationReconfirmIntevalInDays": 180,
        "skipRegistrationAllowed": True,
        "skipRegistrationMaxAllowedDays": 7,
        "customizeHelpdeskLink": True,
        "customHelpdeskEmailOrUrl": "https://help.contoso.com",
        "notifyUsersOnPasswordReset": True,
        "notifyOnAdminPasswordReset": True,
        "registrationConditionalAccessPolicies": [],
    }
    policy.update(overrides)
    return policy


def onprem_policy(writeback: bool, unlock: bool) -> dict[str, Any]:
    return {
        "objectId": "default",
        "passwordWritebackSupported": writeback,
        "accountUnlockSupported": True,
        "accountUnlockEnabled": unlock,
        "enablementForTenant": writeback,
        "cloudProvisioningEnablementForTenant": False,
    }


def hardened_graph(synced: bool = False) -> dict[str, Read]:
    return {
        "skus": Read(skus(True)),
        "organization": Read(organization(synced)),
        "methods_policy": Read(methods_policy()),
        "authorization_policy": Read(authorization_policy(False)),
        "device_configurations": Read(device_configurations(True, True)),
        "ca_policies": Read(ca_policies("enabled")),
        "group_settings": Read(group_settings(rule_values(mode="Enforce"))),
        "secure_scores": Read(secure_scores(1.0)),
        "score_profile": Read(score_profile(1.0)),
        "registration_details": Read(
            registration_details(["fido2", "microsoftAuthenticatorPush"], ["microsoftAuthenticatorPush", "email"])
        ),
    }


def hardened(synced: bool = False) -> Snapshot:
    return Snapshot(
        hardened_graph(synced),
        Read(portal_policy()),
        Read(onprem_policy(synced, synced)),
    )


def weak(synced: bool = False) -> Snapshot:
    graph = {
        "skus": Read(skus(True)),
        "organization": Read(organization(synced)),
        "methods_policy": Read(
            methods_policy(state="preMigration", enabled=("Fido2",), campaign_state="default", snooze=3)
        ),
        "authorization_policy": Read(authorization_policy(True)),
        "device_configurations": Read(device_configurations(False, False)),
        "ca_policies": Read(ca_policies(None)),
        "group_settings": Read(group_settings(None)),
        "secure_scores": Read(secure_scores(0.0)),
        "score_profile": Read(score_profile(1.0)),
        "registration_details": Read(registration_details(["mobilePhone"], ["email", "mobilePhone"], [])),
    }
    policy = portal_policy(
        enablementType=0,
        numberOfAuthenticationMethodsRequired=1,
        mobileAppNotificationEnabled=False,
        mobileAppCodeEnabled=False,
        registrationRequiredOnSignIn=False,
        registrationReconfirmIntevalInDays=0,
        notifyUsersOnPasswordReset=False,
        notifyOnAdminPasswordReset=False,
        customizeHelpdeskLink=False,
        customHelpdeskEmailOrUrl="",
    )
    return Snapshot(graph, Read(policy), Read(onprem_policy(False, False)))


def with_graph(snapshot: Snapshot, **reads: Read) -> Snapshot:
    graph = copy.deepcopy(snapshot.graph)
    graph.update(reads)
    return Snapshot(graph, snapshot.policy, snapshot.onprem, snapshot.portal_unavailable)


FORBIDDEN = Read(None, 403, "HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation.")

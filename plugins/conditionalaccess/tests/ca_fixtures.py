"""Tenant states for the tests: P2 added to a shipped profile, an existing policy, break-glass configured.

Ids from docs/simulator.md's profile reference: breakglass@ is ``b0f1e1a4-…`` in every profile.
"""

from __future__ import annotations

from typing import Any

BREAK_GLASS_UPN = "breakglass@contoso.onmicrosoft.com"
BREAK_GLASS_ID = "b0f1e1a4-3c0d-4d7e-9a51-2b1c9d8e7f60"
BREAK_GLASS = {"break_glass": [BREAK_GLASS_UPN]}
ADMIN_ID = "4782e723-f4f4-4af3-a76e-25e3bab0d896"

#: Entra ID P2 (AAD_PREMIUM_P2 service plan eec0eb4f-…, Microsoft's licensing service plan reference).
P2_SKU: dict[str, Any] = {
    "accountId": "b37a3215-4515-52f1-999b-4d9c1beb8507",
    "accountName": "Contoso",
    "appliesTo": "User",
    "capabilityStatus": "Enabled",
    "consumedUnits": 5,
    "id": "b37a3215-4515-52f1-999b-4d9c1beb8507_84a661c4-e949-4bd2-a560-ed7766fcaf2b",
    "prepaidUnits": {"enabled": 25, "lockedOut": 0, "suspended": 0, "warning": 0},
    "servicePlans": [
        {
            "servicePlanId": "eec0eb4f-6444-4f95-aba0-50c24d67f998",
            "servicePlanName": "AAD_PREMIUM_P2",
            "provisioningStatus": "Success",
            "appliesTo": "User",
        }
    ],
    "skuId": "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
    "skuPartNumber": "AAD_PREMIUM_P2",
    "subscriptionIds": ["7f2a0a4e-3c1b-4d5e-8f9a-0b1c2d3e4f51"],
}


def policy(policy_id: str, name: str, state: str, conditions: dict[str, Any], grant: dict[str, Any]) -> dict[str, Any]:
    """A Conditional Access policy as Graph returns it (server-set fields included)."""
    return {
        "id": policy_id,
        "displayName": name,
        "state": state,
        "createdDateTime": "2026-01-05T09:00:00Z",
        "modifiedDateTime": None,
        "templateId": None,
        "sessionControls": None,
        "conditions": {"applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"], **conditions},
        "grantControls": grant,
    }


def all_users(exclude: list[str]) -> dict[str, Any]:
    return {"users": {"includeUsers": ["All"], "excludeUsers": exclude}}


MFA = {"operator": "OR", "builtInControls": ["mfa"]}
#: Existing policies per control, named unlike Microsoft's templates so recognition is by content.
EXISTING = {
    "BlockLegacyAuthentication": policy(
        "5d0c8a0e-4c1b-4f0e-9d6a-1b2c3d4e5f60",
        "Legacy protocols off",
        "disabled",
        {**all_users([]), "clientAppTypes": ["exchangeActiveSync", "other"]},
        {"operator": "OR", "builtInControls": ["block"]},
    ),
    "MFARegistrationV2": policy(
        "6e1d9b1f-5d2c-4a1f-8e7b-2c3d4e5f6a71", "Everyone MFA", "enabledForReportingButNotEnforced", all_users([]), MFA
    ),
    "AdminMFAV2": policy(
        "7f2eac20-6e3d-4b20-9f8c-3d4e5f6a7b82",
        "Admins: strong auth",
        "disabled",
        {"users": {"includeRoles": ["62e90394-69f5-4237-9190-012177145e10"], "excludeUsers": []}},
        {"operator": "OR", "authenticationStrength": {"id": "00000000-0000-0000-0000-000000000002"}},
    ),
    "SigninRiskPolicy": policy(
        "8a3fbd31-7f4e-4c31-8a9d-4e5f6a7b8c93",
        "Risky sign-ins",
        "disabled",
        {**all_users([]), "signInRiskLevels": ["high", "medium"]},
        MFA,
    ),
    "UserRiskPolicy": policy(
        "9b4ace42-8a5f-4d42-9bae-5f6a7b8c9da4",
        "Risky users",
        "enabledForReportingButNotEnforced",
        {**all_users([]), "userRiskLevels": ["high"]},
        {"operator": "AND", "builtInControls": ["mfa", "passwordChange"]},
    ),
}


def with_p2(extends: str, name: str, policies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    add: dict[str, Any] = {"subscribedSkus": [P2_SKU]}
    if policies:
        add["conditionalAccessPolicies"] = policies
    return {"extends": extends, "name": name, "add": add}


def existing(control_id: str, extends: str = "weak-cloud") -> dict[str, Any]:
    """``extends`` with P2 and, as its only Conditional Access policy, the control's existing
    (disabled or report-only) one: the edit path runs, not a create beside it."""
    data = with_p2(extends, f"existing-policy-{control_id}")
    data["set"] = {"conditionalAccessPolicies": [EXISTING[control_id]]}
    return data

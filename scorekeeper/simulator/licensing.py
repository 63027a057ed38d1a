"""Which licences a simulated tenant holds, and Graph's answer when a feature is used without one.

Everything is derived from ``subscribedSkus`` (enabled subscriptions only), the data a client
reads itself, so a profile cannot say one thing and serve another:

- **Entra ID P1/P2** (:func:`premium`): an enabled subscription carries the AAD_PREMIUM or
  AAD_PREMIUM_P2 service plan (Microsoft 365 E3/E5, Business Premium, EMS and Entra ID P1/P2 all do).
  Graph's error for a premium feature without it is 403
  ``Authentication_RequestFromNonPremiumTenantOrB2CTenant`` ("Neither tenant is B2C or tenant
  doesn't have premium license"), as the reporting APIs answer (MicrosoftDocs/azure-docs#77948).
  That Conditional Access and the password-rule settings refuse with the same body is an
  assumption written down in docs/simulator.md.
- **Cloud-only self-service password reset** (:func:`sspr_cloud_licensed`): P1/P2, or Microsoft 365
  Business Standard (O365_BUSINESS_PREMIUM, which has no AAD_PREMIUM plan) or Business Premium
  (SPB), per Microsoft's SSPR licensing page (concept-sspr-licensing). Password writeback needs
  P1/P2 or Business Premium (:func:`writeback_licensed`). The simulator only reports these; the
  portal API itself refuses nothing (what it answers without a licence is not documented).
- **Entra ID P2** (:func:`premium_p2`): an enabled subscription carries the AAD_PREMIUM_P2 service
  plan (Microsoft 365 E5, EMS E5, Entra ID P2). Privileged Identity Management's lists
  (roleEligibilitySchedules/-Instances, roleAssignmentScheduleInstances) refuse a tenant without it
  with 400 ``AadPremiumLicenseRequired`` "The tenant needs to have Microsoft Entra ID P2 or
  Microsoft Entra ID Governance license." (the answer reported in maester365/maester#1421 for
  v1.0 roleEligibilityScheduleInstances). An Entra ID Governance subscription is not recognised
  (assumption: no profile holds one, and its plan ids were not checked).
- **Intune** (:func:`intune`): an enabled subscription carries the INTUNE_A service plan
  (Microsoft 365 E3/E5 and Business Premium include it; Intune's standalone SKU is INTUNE_A). The
  Intune Graph pages say the API "requires an active Intune license for the tenant"; without one
  Graph answers 400 ``BadRequest`` "Request not applicable to target tenant." (the answer reported
  for unlicensed tenants on Microsoft Q&A and in microsoftgraph/msgraph-beta-sdk-go#198; assumed
  to be the same for every Intune route).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scorekeeper.simulator.errors import GraphError

PREMIUM_PLANS = frozenset({"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "eec0eb4f-6444-4f95-aba0-50c24d67f998"})
PREMIUM_NAMES = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
CODE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
MESSAGE = "Neither tenant is B2C or tenant doesn't have premium license"

#: Microsoft 365 Business Standard (O365_BUSINESS_PREMIUM) and Business Premium (SPB) SKU ids.
BUSINESS_STANDARD = "f245ecc8-75af-4f8e-b61f-27d8114de5f3"
BUSINESS_PREMIUM = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
BUSINESS_SKUS = {BUSINESS_STANDARD: "O365_BUSINESS_PREMIUM", BUSINESS_PREMIUM: "SPB"}

#: The Intune service plan (INTUNE_A) and Intune's standalone SKU id.
INTUNE_PLAN = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"
INTUNE_PLAN_NAME = "INTUNE_A"
INTUNE_SKU = "061f9ace-7d42-4136-88ac-31dc755f143f"
P2_PLANS = frozenset({"eec0eb4f-6444-4f95-aba0-50c24d67f998"})
P2_NAMES = frozenset({"AAD_PREMIUM_P2"})
P2_CODE = "AadPremiumLicenseRequired"
P2_MESSAGE = "The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license."
INTUNE_CODE = "BadRequest"
INTUNE_MESSAGE = "Request not applicable to target tenant."


def _enabled_skus(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for sku in state.get("subscribedSkus") or []:
        if sku.get("capabilityStatus") == "Enabled":
            yield sku


def _has_plan(state: dict[str, Any], plan_ids: frozenset[str], plan_names: frozenset[str]) -> bool:
    for sku in _enabled_skus(state):
        for plan in sku.get("servicePlans") or []:
            if plan.get("servicePlanId") in plan_ids or plan.get("servicePlanName") in plan_names:
                return True
    return False


def _has_sku(state: dict[str, Any], sku_ids: set[str], part_numbers: set[str]) -> bool:
    return any(s.get("skuId") in sku_ids or s.get("skuPartNumber") in part_numbers for s in _enabled_skus(state))


def premium(state: dict[str, Any]) -> bool:
    """True when an enabled subscription includes Entra ID P1 or P2."""
    return _has_plan(state, PREMIUM_PLANS, PREMIUM_NAMES)


def premium_p2(state: dict[str, Any]) -> bool:
    """True when an enabled subscription includes Entra ID P2 (what PIM needs)."""
    return _has_plan(state, P2_PLANS, P2_NAMES)


def sspr_cloud_licensed(state: dict[str, Any]) -> bool:
    """Cloud-only users may reset their password: P1/P2, Business Standard or Business Premium."""
    return premium(state) or _has_sku(state, set(BUSINESS_SKUS), set(BUSINESS_SKUS.values()))


def writeback_licensed(state: dict[str, Any]) -> bool:
    """Password writeback: P1/P2 or Business Premium (Business Standard is not enough)."""
    return premium(state) or _has_sku(state, {BUSINESS_PREMIUM}, {"SPB"})


def intune(state: dict[str, Any]) -> bool:
    """True when an enabled subscription includes Intune (the INTUNE_A service plan or Intune's SKU)."""
    return _has_plan(state, frozenset({INTUNE_PLAN}), frozenset({INTUNE_PLAN_NAME})) or _has_sku(
        state, {INTUNE_SKU}, {INTUNE_PLAN_NAME}
    )


def require_premium(state: dict[str, Any]) -> None:
    """Refuse a P1-only request on a tenant without the licence, as Graph does."""
    if not premium(state):
        raise GraphError(403, CODE, MESSAGE)


def require_intune(state: dict[str, Any]) -> None:
    """Refuse an Intune request on a tenant without an Intune licence, as Graph does."""
    if not intune(state):
        raise GraphError(400, INTUNE_CODE, INTUNE_MESSAGE)


def require_p2(state: dict[str, Any]) -> None:
    """Refuse a PIM request on a tenant without Entra ID P2, as Graph does."""
    if not premium_p2(state):
        raise GraphError(400, P2_CODE, P2_MESSAGE)

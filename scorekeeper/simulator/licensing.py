"""Which simulated tenants hold Microsoft Entra ID P1, and Graph's answer when a P1 feature is used without it.

A tenant is premium when an enabled subscription carries the AAD_PREMIUM or AAD_PREMIUM_P2 service
plan, exactly the rule the SSPR plugin applies to ``/subscribedSkus``; the simulator derives it from
the same data instead of a flag, so a profile cannot say one thing and serve another.

Graph's error for a premium feature on a tenant without the licence is 403
``Authentication_RequestFromNonPremiumTenantOrB2CTenant`` ("Neither tenant is B2C or tenant
doesn't have premium license"), as the reporting APIs answer (MicrosoftDocs/azure-docs#77948).
That Conditional Access and the password-rule settings refuse with the same body is an assumption
written down in docs/simulator.md.
"""

from __future__ import annotations

from typing import Any

from scorekeeper.simulator.errors import GraphError

PREMIUM_PLANS = frozenset({"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "eec0eb4f-6444-4f95-aba0-50c24d67f998"})
PREMIUM_NAMES = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
CODE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
MESSAGE = "Neither tenant is B2C or tenant doesn't have premium license"


def premium(state: dict[str, Any]) -> bool:
    """True when an enabled subscription includes Entra ID P1 or P2."""
    for sku in state.get("subscribedSkus") or []:
        if sku.get("capabilityStatus") != "Enabled":
            continue
        for plan in sku.get("servicePlans") or []:
            if plan.get("servicePlanId") in PREMIUM_PLANS or plan.get("servicePlanName") in PREMIUM_NAMES:
                return True
    return False


def require_premium(state: dict[str, Any]) -> None:
    """Refuse a P1-only request on a tenant without the licence, as Graph does."""
    if not premium(state):
        raise GraphError(403, CODE, MESSAGE)

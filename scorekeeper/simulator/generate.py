"""Bulk data for the ``large`` profile: users, groups, CA policies, device configurations, verified domains.

Deterministic (seeded by the profile name) so that benchmarks compare like with like.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

_FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Maya", "Noor")
_LAST = ("Khan", "Silva", "Novak", "Okafor", "Berg", "Tanaka", "Moreau", "Rossi", "Walsh", "Ibrahim", "Larsen")


def _ids(rng: random.Random, count: int) -> list[str]:
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def generate(state: dict[str, Any], counts: dict[str, int], *, seed: str) -> None:
    rng = random.Random(seed)
    skus = [str(sku["skuId"]) for sku in state.get("subscribedSkus") or [] if sku.get("skuId")]
    for i, uid in enumerate(_ids(rng, int(counts.get("users", 0)))):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}{i}".lower()
        state["users"].append(
            {
                "id": uid,
                "businessPhones": [],
                "displayName": f"{first} {last}",
                "givenName": first,
                "jobTitle": None,
                "mail": f"{local}@$DOMAIN",
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": "en-US",
                "surname": last,
                "userPrincipalName": f"{local}@$DOMAIN",
                "accountEnabled": i % 50 != 49,  # one in fifty has left and is disabled
                "userType": "Member",
                "onPremisesSyncEnabled": None,
                "createdDateTime": "2024-06-01T09:00:00Z",
                "assignedLicenses": [{"disabledPlans": [], "skuId": sku} for sku in skus[:1]],
            }
        )
    for i, gid in enumerate(_ids(rng, int(counts.get("groups", 0)))):
        state["groups"].append(
            {
                "id": gid,
                "deletedDateTime": None,
                "classification": None,
                "createdDateTime": "2024-06-01T09:00:00Z",
                "description": f"Generated group {i}",
                "displayName": f"Team {i:04d}",
                "groupTypes": [],
                "mail": None,
                "mailEnabled": False,
                "mailNickname": f"team{i:04d}",
                "securityEnabled": True,
                "securityIdentifier": None,
                "visibility": None,
                "renewedDateTime": "2024-06-01T09:00:00Z",
                "onPremisesSyncEnabled": None,
            }
        )
    template = state["conditionalAccessPolicies"][0] if state["conditionalAccessPolicies"] else None
    for i, pid in enumerate(_ids(rng, int(counts.get("conditionalAccessPolicies", 0)))):
        if template is None:
            break
        policy = {**template, "id": pid, "displayName": f"Generated policy {i:03d}"}
        policy["state"] = rng.choice(("enabled", "disabled", "enabledForReportingButNotEnforced"))
        state["conditionalAccessPolicies"].append(policy)
    for i, cid in enumerate(_ids(rng, int(counts.get("deviceConfigurations", 0)))):
        state["deviceConfigurations"].append(
            {
                "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
                "id": cid,
                "lastModifiedDateTime": "2025-04-11T08:30:00Z",
                "createdDateTime": "2025-04-11T08:30:00Z",
                "description": f"Generated configuration {i}",
                "displayName": f"Windows configuration {i:03d}",
                "version": 1,
                "passwordRequired": bool(i % 2),
                "assignments": [],
            }
        )
    for n in range(1, int(counts.get("verifiedDomains", 0)) + 1):
        # brand001.com…: the root domains a many-brand tenant has verified (and that the PWAgePolicyNew
        # plugin's simulator extension serves from /domains for this profile), so the two views agree.
        state["organization"]["verifiedDomains"].append(
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": False,
                "isInitial": False,
                "name": f"brand{n:03d}.com",
                "type": "Managed",
            }
        )

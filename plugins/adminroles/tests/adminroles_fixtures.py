"""Tenant states of the plugin's own, in the simulator's profile shape (``extends`` + ``add``/``set``).

``TIER0`` is weak-cloud with a role-assignable group *Tier 0 admins* assigned Global
Administrator: its members are the existing admin (already a Global Administrator directly, so
counted once) and Megan. It is where the suite proves ``GroupMember.Read.All`` is needed.
"""

from __future__ import annotations

from typing import Any

GA = "62e90394-69f5-4237-9190-012177145e10"
TIER0_GROUP = "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
ADMIN = "4782e723-f4f4-4af3-a76e-25e3bab0d896"
MEGAN = "5bde3e51-d13b-4db1-9948-fe4b109d11a7"
ALEX = "87d349ed-44d7-43e1-9a83-5f2406dee5bd"
ADELE = "6e7b768e-07e2-4810-8459-485f84f8f204"
LIDIA = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"  # disabled in weak-cloud
BREAK_GLASS = "b0f1e1a4-3c0d-4d7e-9a51-2b1c9d8e7f60"


def assignment(principal: str, role: str = GA) -> dict[str, Any]:
    return {
        "id": f"ra-{principal[:8]}-{role[:8]}",
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "appScopeId": None,
        "condition": None,
        "principalOrganizationId": "$TENANT_ID",
    }


def eligibility(principal: str, role: str = GA) -> dict[str, Any]:
    return {
        "id": f"es-{principal[:8]}-{role[:8]}",
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "appScopeId": None,
        "createdUsing": None,
        "createdDateTime": "2025-03-03T09:00:00Z",
        "modifiedDateTime": None,
        "status": "Provisioned",
        "memberType": "Direct",
        "scheduleInfo": {"startDateTime": "2025-03-03T09:00:00Z", "recurrence": None, "expiration": None},
    }


TIER0: dict[str, Any] = {
    "name": "tier0-group",
    "extends": "weak-cloud",
    "add": {
        "groups": [
            {
                "id": TIER0_GROUP,
                "displayName": "Tier 0 admins",
                "securityEnabled": True,
                "mailEnabled": False,
                "mailNickname": "tier0",
                "groupTypes": [],
                "isAssignableToRole": True,
            }
        ],
        "roleAssignments": [assignment(TIER0_GROUP)],
    },
    "set": {"groupMembers": {TIER0_GROUP: [ADMIN, LIDIA]}},
}


def with_admins(*, active: list[str], eligible: list[str] = (), extends: str = "weak-cloud") -> dict[str, Any]:  # type: ignore[assignment]
    """A weak-cloud variant whose Global Administrators are exactly ``active`` (and ``eligible`` through PIM)."""
    return {
        "extends": extends,
        "set": {
            "roleAssignments": [assignment(p) for p in active],
            "roleEligibilitySchedules": [eligibility(p) for p in eligible],
        },
    }


CROWDED: dict[str, Any] = {
    **TIER0,
    "name": "crowded",
    "add": {
        **TIER0["add"],
        "roleAssignments": [assignment(TIER0_GROUP), *(assignment(p) for p in (MEGAN, ALEX, ADELE, BREAK_GLASS))],
    },
}

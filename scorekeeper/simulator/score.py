"""Today's Secure Score computed from a tenant's state (what the next daily refresh would show).

Only the SSPR control is recomputed, from the portal's policy: Microsoft's scoring rule is not
published, so the simulator assumes "enabled for all users" earns the control's full score and
anything else earns nothing. Other controls keep yesterday's values.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorekeeper.simulator.core import Tenant

SSPR = "SelfServicePasswordReset"


def sspr_score(state: dict[str, Any]) -> float:
    profile = next((p for p in state["secureScoreControlProfiles"] if p["id"] == SSPR), None)
    maximum = float(profile["maxScore"]) if profile else 1.0
    policy = state["portal"]["passwordResetPolicies"]
    return maximum if policy.get("enablementType") == 2 else 0.0


def refresh(tenant: Tenant) -> dict[str, Any]:
    state = tenant.state
    scores = state["secureScores"]
    latest = copy.deepcopy(scores[0])
    now = datetime.now(UTC)
    latest["id"] = f"{tenant.id}_{now.strftime('%Y-%m-%dT%H:%M:%S')}"
    latest["createdDateTime"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for control in latest["controlScores"]:
        if control["controlName"] == SSPR:
            value = sspr_score(state)
            control["score"] = value
            control["scoreInPercentage"] = round(100.0 * value / max(_max(state), 1e-9), 2)
            control["lastSynced"] = latest["createdDateTime"]
    latest["currentScore"] = round(sum(float(c.get("score") or 0) for c in latest["controlScores"]), 2)
    scores.insert(0, latest)
    return copy.deepcopy(latest)


def _max(state: dict[str, Any]) -> float:
    profile = next((p for p in state["secureScoreControlProfiles"] if p["id"] == SSPR), None)
    return float(profile["maxScore"]) if profile else 1.0

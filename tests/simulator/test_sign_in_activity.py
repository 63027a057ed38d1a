"""users' signInActivity: only on $select, only with AuditLog.Read.All, only on a P1/P2 tenant (the user page)."""

from __future__ import annotations

import httpx
import pytest

from scorekeeper.simulator import Simulator

USERS = "/v1.0/users"


async def get(sim: Simulator, url: str, roles: list[str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        token = sim.issue_token(sim.tenant_id, roles=roles)
        return await client.get(url, headers={"Authorization": f"Bearer {token}"})


def glass_id(sim: Simulator) -> str:
    users = sim.tenant(sim.tenant_id).state["users"]
    return next(u["id"] for u in users if "signInActivity" in u)


async def test_selected_with_audit_log_read_all_on_a_premium_tenant() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    roles = ["User.Read.All", "AuditLog.Read.All"]
    rows = (await get(sim, f"{USERS}?$select=id,signInActivity", roles)).json()["value"]
    assert all(set(row) == {"id", "signInActivity"} for row in rows)
    held = {row["id"]: row["signInActivity"] for row in rows}
    assert held[glass_id(sim)]["lastSignInDateTime"]
    one = await get(sim, f"{USERS}/{glass_id(sim)}?$select=signInActivity", roles)
    assert one.status_code == 200 and one.json()["signInActivity"] == held[glass_id(sim)]
    default = (await get(sim, USERS, roles)).json()["value"]
    assert all("signInActivity" not in row for row in default)  # returned only on $select


@pytest.mark.parametrize("url", [f"{USERS}?$select=id,signInActivity", f"{USERS}?$select=displayName,SIGNINACTIVITY"])
async def test_without_audit_log_read_all_the_select_is_refused(url: str) -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    response = await get(sim, url, ["User.Read.All"])
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "Authentication_MSGraphPermissionMissing" and "AuditLog.Read.All" in error["message"]
    assert (await get(sim, f"{USERS}?$select=id,displayName", ["User.Read.All"])).status_code == 200


async def test_a_tenant_without_p1_or_p2_is_refused() -> None:
    sim = Simulator.from_profiles("o365-only", extensions=[])
    response = await get(sim, f"{USERS}?$select=id,signInActivity", ["User.Read.All", "AuditLog.Read.All"])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"

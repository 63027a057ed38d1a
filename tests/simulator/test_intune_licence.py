"""Intune's device reads need an Intune licence, as every Intune route does.

Each Intune Graph page notes "The Microsoft Graph API for Intune requires an active Intune license
for the tenant" (e.g. intune-devices-manageddevice-list); without one the simulator answers as
``licensing.require_intune`` documents (400 ``BadRequest`` "Request not applicable to target
tenant."). ``o365-only`` holds Office 365 E3, which has no INTUNE_A plan; ``weak-cloud``'s
Microsoft 365 E3 has it.
"""

from __future__ import annotations

import httpx
import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.licensing import INTUNE_CODE, INTUNE_MESSAGE, intune

READS = {
    "/v1.0/deviceManagement/managedDevices": "DeviceManagementManagedDevices.Read.All",
    "/v1.0/deviceManagement/deviceCompliancePolicies": "DeviceManagementConfiguration.Read.All",
}


async def _get(sim: Simulator, path: str, role: str) -> httpx.Response:
    token = sim.issue_token(sim.tenant_id, roles=[role])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        return await client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("path", list(READS))
async def test_a_tenant_without_intune_is_refused_the_device_reads(path: str) -> None:
    sim = Simulator.from_profiles("o365-only", extensions=[])
    assert not intune(sim.tenant(sim.tenant_id).state)
    answer = await _get(sim, path, READS[path])
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == INTUNE_CODE
    assert answer.json()["error"]["message"] == INTUNE_MESSAGE


@pytest.mark.parametrize("path", list(READS))
async def test_a_tenant_with_intune_reads_them(path: str) -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    assert intune(sim.tenant(sim.tenant_id).state)
    answer = await _get(sim, path, READS[path])
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["value"], list)

"""The simulated partner tenant: GDAP lists, and one multi-tenant app's tokens per consented customer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.fleet import (
    PARTNER_APP_ID,
    build_partner_fleet,
    client_secret,
    consent,
    customer_display_name,
)
from scorekeeper.simulator.tokens import verify

READ = "DelegatedAdminRelationship.Read.All"


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return build_partner_fleet(6, unconsented=2, pending=1)


def _request(sim: Simulator, method: str, path: str, **kw: Any) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=sim.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.request(method, path, **kw)

    return asyncio.run(call())


def _get(sim: Simulator, path: str, token: str) -> httpx.Response:
    return _request(sim, "GET", path, headers={"Authorization": f"Bearer {token}"})


def _token(sim: Simulator, tenant: str, **form: str) -> httpx.Response:
    body = {
        "grant_type": "client_credentials",
        "client_id": PARTNER_APP_ID,
        "client_secret": client_secret(sim),
        "scope": "https://graph.microsoft.com/.default",
        **form,
    }
    return _request(sim, "POST", f"/{tenant}/oauth2/v2.0/token", data=body)


def test_the_partner_tenant_lists_one_relationship_per_customer_and_customers_only_for_active_ones(
    sim: Simulator,
) -> None:
    partner, *customers = sim.tenant_ids
    token = sim.issue_token(partner, roles=[READ])
    relationships = _get(sim, "/v1.0/tenantRelationships/delegatedAdminRelationships", token).json()["value"]
    assert [r["customer"]["tenantId"] for r in relationships] == customers
    assert [r["status"] for r in relationships] == ["active"] * 5 + ["approvalPending"]
    assert relationships[0]["customer"]["displayName"] == customer_display_name(0)
    assert all(r["accessDetails"]["unifiedRoles"] for r in relationships)
    listed = _get(sim, "/v1.0/tenantRelationships/delegatedAdminCustomers", token).json()["value"]
    assert [c["tenantId"] for c in listed] == customers[:5]
    active = _get(sim, "/v1.0/tenantRelationships/delegatedAdminRelationships?$filter=status eq 'active'", token)
    assert len(active.json()["value"]) == 5


def test_gdap_lists_need_the_documented_permission_and_are_empty_in_a_customer_tenant(sim: Simulator) -> None:
    partner, first, *_ = sim.tenant_ids
    refused = _get(
        sim, "/v1.0/tenantRelationships/delegatedAdminCustomers", sim.issue_token(partner, roles=["User.Read.All"])
    )
    assert refused.status_code == 403
    write = sim.issue_token(partner, roles=["DelegatedAdminRelationship.ReadWrite.All"])
    assert _get(sim, "/v1.0/tenantRelationships/delegatedAdminCustomers", write).status_code == 200
    elsewhere = _get(sim, "/v1.0/tenantRelationships/delegatedAdminRelationships", sim.issue_token(first, roles=[READ]))
    assert elsewhere.json()["value"] == []


def test_one_client_id_gets_a_token_per_consented_tenant(sim: Simulator) -> None:
    partner, *customers = sim.tenant_ids
    for tenant in [partner, *customers[:3]]:
        reply = _token(sim, tenant)
        assert reply.status_code == 200, reply.text
        principal = verify(sim.secret, reply.json()["access_token"])
        assert principal.tenant_id == tenant
        assert principal.claims["appid"] == PARTNER_APP_ID
        assert "Policy.Read.All" in principal.roles


def _error(reply: httpx.Response) -> tuple[int, str, Any]:
    body = reply.json()
    return reply.status_code, body["error"], body["error_codes"]


def test_an_unconsented_tenant_answers_like_entra_id_until_its_admin_consents() -> None:
    sim = build_partner_fleet(2, unconsented=1)
    late = sim.tenant_ids[-1]
    refused = _token(sim, late)
    assert _error(refused) == (401, "invalid_client", [7000229])
    assert refused.json()["error_description"].startswith("AADSTS7000229: The client application")
    consent(sim, late)
    assert _token(sim, late).status_code == 200


def test_token_endpoint_refusals_carry_the_identity_platform_codes(sim: Simulator) -> None:
    tenant = sim.tenant_ids[1]
    assert _error(_token(sim, tenant, client_secret="wrong")) == (401, "invalid_client", [7000215])
    assert _error(_token(sim, tenant, client_id="00000000-0000-0000-0000-000000000001"))[2] == [700016]
    assert _error(_token(sim, "00000000-0000-0000-0000-0000000000ff"))[2] == [90002]
    assert _error(_token(sim, tenant, grant_type="password"))[1] == "unsupported_grant_type"
    assert _error(_token(sim, tenant, scope="User.Read"))[1] == "invalid_scope"


def test_the_secret_is_never_logged(sim: Simulator) -> None:
    _token(sim, sim.tenant_ids[1])
    logged = [r for r in sim.request_log if r.path.endswith("/oauth2/v2.0/token")]
    assert logged and client_secret(sim) not in json.dumps([r.body for r in logged], default=str)

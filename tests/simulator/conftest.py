"""Fixtures for the simulator's tests: a simulator, a raw HTTP client and an SDK client over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from scorekeeper.simulator import Simulator


@pytest.fixture
def sim() -> Simulator:
    return Simulator.from_profiles("weak-cloud", extensions=[])


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[Callable[..., Any]]:
    """``await http("GET", "/v1.0/...", roles=[...], json=...)`` → httpx.Response, bearer token included."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1")

    async def call(method: str, url: str, *, roles: list[str] | None = None, token: str | None = None, **kw: Any):
        bearer = token if token is not None else sim.issue_token(sim.tenant_id, roles=roles)
        headers = {"Authorization": f"Bearer {bearer}", **kw.pop("headers", {})}
        return await client.request(method, url, headers=headers, **kw)

    yield call
    await client.aclose()


def graph_client(sim: Simulator, roles: list[str] | None = None, tenant_id: str | None = None) -> Any:
    """A plain ``GraphServiceClient`` (default middleware) whose base URL is the simulator."""
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory

    from scorekeeper.engine.auth import StaticTokenCredential

    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), timeout=httpx.Timeout(5.0))
    http = GraphClientFactory.create_with_default_middleware(client=http)
    credential = StaticTokenCredential(sim.issue_token(tenant_id or sim.tenant_id, roles=roles))
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["http://127.0.0.1/.default"], allowed_hosts=["127.0.0.1"]
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = "http://127.0.0.1/v1.0"
    return GraphServiceClient(request_adapter=adapter)

"""The read-only pairs ``routes/entityset.entity_set`` declares: the get page serves what the list page lists.

Each pair is one list page and one get-by-id page over the same state list, so for every pair
(found from the routes themselves, so a pair added later is covered too): each listed object is
served by its id, the same as listed; an unknown id is the area's 404 naming it; and a licence
the pair needs refuses the get exactly as it refuses the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.fleet import build_partner_fleet
from scorekeeper.simulator.routes import core_routes
from scorekeeper.simulator.routing import Route


def declared_pairs() -> Iterator[tuple[Route, Route]]:
    """(list route, get route) for every pair entity_set declared, in declaration order."""
    routes = [r for r in core_routes() if r.handler.__qualname__.startswith("entity_set.")]
    lists = [r for r in routes if r.handler.__name__ == "list_items"]
    gets = {r.pattern: r for r in routes if r.handler.__name__ == "get_item"}
    for listed in lists:
        yield listed, gets[f"{listed.pattern}/{{id}}"]


PAIRS = list(declared_pairs())


def test_the_pairs_are_found() -> None:
    patterns = [listed.pattern for listed, _ in PAIRS]
    assert "/servicePrincipals" in patterns
    assert "/tenantRelationships/delegatedAdminCustomers" in patterns
    assert len(PAIRS) >= 10


@pytest.fixture(scope="module", params=["hardened", "o365-only"])
def sim(request: pytest.FixtureRequest) -> Simulator:
    """A partner tenant (so the GDAP lists hold objects) of a licensed and of an unlicensed profile."""
    return build_partner_fleet(2, request.param)


async def _get(client: httpx.AsyncClient, sim: Simulator, route: Route, path: str) -> httpx.Response:
    token = sim.issue_token(sim.tenant_id, roles=sorted(route.permissions))
    return await client.get(f"/{route.versions[0]}{path}", headers={"Authorization": f"Bearer {token}"})


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize(("listed", "got"), PAIRS, ids=[listed.pattern for listed, _ in PAIRS])
async def test_the_get_page_serves_what_the_list_page_lists(sim: Simulator, listed: Route, got: Route) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        page = await _get(client, sim, listed, listed.pattern)
        missing = await _get(client, sim, got, f"{listed.pattern}/no-such-object")
        if page.status_code != 200:  # a licence the tenant lacks: the get is refused alike
            assert missing.status_code == page.status_code
            assert _error(missing)["code"] == _error(page)["code"]
            return
        assert missing.status_code == 404
        assert "no-such-object" in _error(missing)["message"]
        items = page.json()["value"]
        for item in items[:3]:
            one = await _get(client, sim, got, f"{listed.pattern}/{item['id']}")
            assert one.status_code == 200, one.text
            body = one.json()
            assert body.pop("@odata.context").endswith(f"{listed.pattern.lstrip('/')}/$entity")
            assert body == item

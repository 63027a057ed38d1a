"""Every route declares its Microsoft page and its Graph type, so none can skip the OData layer.

``$select``, ``$filter``, default property sets and write validation all start from the route's
type (``Route.graph_type``: ``returns=`` or the path walked through the v1.0 metadata). A route
that names neither would be served without them; this test makes that a failure for the next
route added, core or extension. Exempt, with the reason: the portal API (Microsoft publishes no
page for it) and beta-only routes whose type the v1.0 metadata does not hold (they still need
their page).
"""

from __future__ import annotations

from scorekeeper.simulator import Simulator
from scorekeeper.simulator.routing import Route

LEARN = "https://learn.microsoft.com/"


def graph_routes() -> list[Route]:
    routes = Simulator.from_profiles().router.routes  # core and every installed extension
    return [r for r in routes if r.api == "graph"]


def name(route: Route) -> str:
    return f"{route.method} {route.pattern} ({route.namespace or 'core'})"


def test_every_graph_route_names_its_microsoft_page() -> None:
    routes = graph_routes()
    assert len(routes) > 50
    missing = [name(r) for r in routes if not r.doc.startswith(LEARN)]
    assert missing == [], f"routes without a learn.microsoft.com page (doc=): {missing}"


def test_every_v1_route_has_a_type_the_metadata_knows() -> None:
    missing = [name(r) for r in graph_routes() if "v1.0" in r.versions and r.graph_type is None]
    assert missing == [], f"v1.0 routes with neither returns= nor a path the metadata resolves: {missing}"


def test_a_route_that_names_no_type_is_caught() -> None:
    untyped = Route("POST", "/deviceManagement/deviceConfigurations/{id}/assign", print, frozenset())
    typed = Route("GET", "/users/{id}", print, frozenset())
    assert untyped.graph_type is None
    assert typed.graph_type is not None and typed.graph_type.name == "microsoft.graph.user"

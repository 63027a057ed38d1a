"""Every GET route the simulator serves, through msgraph-sdk's own request builders, against Graph's metadata.

The routes are enumerated from the simulator's route table (core and installed plugin extensions),
so a route another change adds is covered without editing this file. For each one:

* ``$select`` of every v1.0 structural property of its type: each selected property is present
  in every answered object (``null`` when unset), and nothing else but ``@odata.*`` annotations;
* ``$select`` of a name the type does not have: 400, naming the property and the type;
* ``$filter`` on each property the metadata or the API pages declare filterable (primitive
  properties, and collections of primitives through ``any``): one filter that must match an
  object and one that must not, so a filter that is silently ignored fails.

The answers are read raw (kiota's ``NativeResponseHandler``): a deserialized model cannot tell a
missing property from a ``null`` one, which is exactly what this test is about.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_http.middleware.options.response_handler_option import ResponseHandlerOption

from scorekeeper.simulator import Simulator, metadata
from scorekeeper.simulator.routing import Route
from scorekeeper.simulator.tokens import GRAPH_AUDIENCE, application_permissions
from tests.simulator.conftest import graph_client

PROFILE = "weak-cloud"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _routes(sim: Simulator) -> list[Route]:
    return [r for r in sim.router.routes if r.method == "GET" and r.api == "graph" and "v1.0" in r.versions]


def _delegated_client(sim: Simulator) -> Any:
    """A plain GraphServiceClient with a delegated token (every known scope), for delegated-only routes."""
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]

    from scorekeeper.engine.auth import StaticTokenCredential

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), timeout=httpx.Timeout(5.0))
    )
    credential = StaticTokenCredential(sim.issue_delegated_token(audience=GRAPH_AUDIENCE))
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["http://127.0.0.1/.default"], allowed_hosts=["127.0.0.1"]
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = "http://127.0.0.1/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def _builder(client: Any, path: str) -> Any | None:
    """The SDK's request builder for a concrete path, walked segment by segment (None if the SDK has none)."""
    builder = client
    segments = [s for s in path.strip("/").split("/") if s]
    for segment in segments:
        if segment.startswith("<") and segment.endswith(">"):
            by = [a for a in dir(builder) if a.startswith("by_")]
            if len(by) != 1:
                return None
            builder = getattr(builder, by[0])(segment[1:-1])
            continue
        attribute = _snake(segment)
        if not hasattr(type(builder), attribute):
            return None
        builder = getattr(builder, attribute)
    return builder


async def _raw(builder: Any, **query: Any) -> tuple[int, Any]:
    """GET through the builder with the given query parameters; the raw status and JSON body."""
    parameters_class = next(getattr(type(builder), a) for a in dir(type(builder)) if a.endswith("GetQueryParameters"))
    config = RequestConfiguration(
        query_parameters=parameters_class(**query), options=[ResponseHandlerOption(NativeResponseHandler())]
    )
    response = await builder.get(config)
    return response.status_code, json.loads(response.content or b"null")


class Targets:
    """Concrete paths for route patterns: ``{id}`` replaced by the id of an object the parent lists."""

    def __init__(self, sim: Simulator, client: Any) -> None:
        self.sim = sim
        self.client = client
        self.ids: dict[str, str | None] = {}

    async def path(self, pattern: str) -> str | None:
        parts = pattern.strip("/").split("/")
        built: list[str] = []
        for part in parts:
            if part.startswith("{"):
                parent = "/" + "/".join(built)
                if parent not in self.ids:
                    builder = _builder(self.client, parent)
                    status, body = await _raw(builder) if builder is not None else (0, None)
                    values = (body or {}).get("value") or [] if status == 200 else []
                    self.ids[parent] = str(values[0]["id"]) if values and values[0].get("id") else None
                found = self.ids[parent]
                if found is None:
                    return None
                built.append(f"<{found}>")
            else:
                built.append(part)
        return "/" + "/".join(built)


def _objects(body: dict[str, Any], collection: bool) -> list[dict[str, Any]]:
    if not collection:
        return [body]
    value: list[dict[str, Any]] = body["value"]
    return value


def _literal(prop: metadata.Property, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if prop.type in ("Edm.Guid", "Edm.DateTimeOffset", "Edm.Date"):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _other(prop: metadata.Property, value: Any) -> Any:
    """A value of the property's type that ``value`` is not."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    members = metadata.enum_members(prop.type)
    if members is not None:
        return next(m for m in members if m != value)
    if prop.type == "Edm.Guid":
        return str(uuid.UUID(int=0)) if value != str(uuid.UUID(int=0)) else str(uuid.UUID(int=1))
    if prop.type == "Edm.DateTimeOffset":
        return "1901-01-01T00:00:00Z"
    if prop.type == "Edm.Date":
        return "1901-01-01"
    if prop.type == "Edm.Boolean":
        return True
    return f"{value}-matches-nothing"


def _filter(name: str, prop: metadata.Property, value: Any) -> str:
    if prop.collection:
        return f"{name}/any(x:x eq {_literal(prop, value)})"
    return f"{name} eq {_literal(prop, value)}"


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator.from_profiles(PROFILE)


async def test_every_get_route_answers_as_the_metadata_says(sim: Simulator) -> None:
    app_client = graph_client(sim)
    delegated = _delegated_client(sim)
    roles = frozenset(application_permissions(sim.known_permissions()))
    targets = Targets(sim, app_client)
    checked: list[str] = []
    skipped: dict[str, str] = {}
    filters = 0
    problems: list[str] = []
    for route in _routes(sim):
        info = route.graph_type
        if info is None:
            skipped[route.pattern] = "not in the v1.0 metadata"
            continue
        path = await targets.path(route.pattern)
        if path is None:
            skipped[route.pattern] = "no object to address in this profile"
            continue
        client = app_client if route.grants(roles, app_only=True) else delegated
        builder = _builder(client, path)
        if builder is None:
            skipped[route.pattern] = "msgraph-sdk has no request builder for this path"
            continue
        resolved = metadata.resolve(route.pattern)
        collection = bool(resolved and resolved[1])
        names = sorted(info.properties)
        status, body = await _raw(builder, select=names)
        if status == 400 and "filter query must" in body["error"]["message"]:
            skipped[route.pattern] = "the page requires a $filter on every request"
            continue
        if status == 400 and body["error"]["code"] == "AadPremiumLicenseRequired":
            skipped[route.pattern] = "PIM needs Entra ID P2, which this profile lacks (test_roles_p2 checks it)"
            continue
        if status != 200:
            problems.append(f"{path}: $select of every property answered {status}: {body}")
            continue
        for item in _objects(body, collection):
            missing = [n for n in names if n not in item]
            extra = [k for k in item if k not in names and not k.startswith("@odata.")]
            if missing or extra:
                problems.append(f"{path}: missing {missing}, not selected {extra}")
                break
        status, error = await _raw(builder, select=["id", "noSuchProperty"])
        message = (error or {}).get("error", {}).get("message", "")
        if status != 400 or "noSuchProperty" not in message or info.name not in message:
            problems.append(f"{path}: unknown $select answered {status} {message!r}")
        checked.append(route.pattern)
        if not collection or not info.filterable:
            continue
        status, everything = await _raw(builder, select=names)
        rows = everything["value"]
        for name in sorted(info.filterable):
            prop = info.properties[name]
            operators = info.filterable[name]
            if not prop.primitive or (operators and "eq" not in operators):
                continue
            values = [row.get(name) for row in rows]
            sample = next((v for v in values if v not in (None, [])), None)
            if prop.collection and sample is not None:
                sample = sample[0]
            if sample is not None:
                status, found = await _raw(builder, filter=_filter(name, prop, sample), select=["id", name])
                ids = {row.get("id") for row in (found or {}).get("value", [])}
                expected = {r.get("id") for r in rows if sample in (r.get(name) if prop.collection else [r.get(name)])}
                if status != 200 or not expected <= ids:
                    problems.append(f"{path}: $filter={_filter(name, prop, sample)} did not match ({status})")
                    continue
            other = _other(prop, sample) if sample is not None else _other(prop, "x")
            status, found = await _raw(builder, filter=_filter(name, prop, other), select=["id", name])
            returned = (found or {}).get("value", []) if status == 200 else []
            wrong = [
                str(row.get("id"))
                for row in returned
                if ((other not in (row.get(name) or [])) if prop.collection else row.get(name) != other)
            ]
            if status != 200 or wrong:
                problems.append(f"{path}: $filter={_filter(name, prop, other)} answered {status}, matched {wrong}")
            filters += 2
    assert problems == [], "\n".join(problems)
    assert "/users" in checked and "/groups/{id}" in checked and "/identity/conditionalAccess/policies" in checked
    assert filters > 40, f"only {filters} filters checked"
    assert all(reason for reason in skipped.values())


async def test_users_serve_the_documented_default_set_and_every_selected_property(sim: Simulator) -> None:
    """user-list: without $select only the 11 default properties; with it, each selected one (null when unset)."""
    client = graph_client(sim)
    status, body = await _raw(client.users)
    assert status == 200
    documented = set(metadata.DOCUMENTED_DEFAULTS["microsoft.graph.user"])
    assert {k for k in body["value"][0] if not k.startswith("@")} == documented
    status, body = await _raw(client.users, select=["id", "accountEnabled", "userType", "employeeHireDate"])
    assert all(set(u) == {"id", "accountEnabled", "userType", "employeeHireDate"} for u in body["value"])
    assert all(u["employeeHireDate"] is None for u in body["value"])


async def test_a_filter_on_a_non_filterable_or_unknown_property_is_refused(sim: Simulator) -> None:
    client = graph_client(sim)
    status, body = await _raw(client.users, filter="aboutMe eq 'x'")
    assert status == 400 and body["error"]["code"] == "Request_UnsupportedQuery"
    assert "'aboutMe' of resource 'User'" in body["error"]["message"]
    status, body = await _raw(client.users, filter="noSuch eq 'x'")
    assert status == 400 and "noSuch" in body["error"]["message"]
    status, body = await _raw(client.users, filter="accountEnabled eq 'true'")
    assert status == 400 and "'Edm.Boolean' and 'Edm.String'" in body["error"]["message"]

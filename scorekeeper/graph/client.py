"""Builds the msgraph-sdk client for one tenant, keeping the SDK's middleware (retry, headers).

A custom ``transport`` lets the same production pipeline talk to the in-process simulator:
only the bottom of the stack changes, so tests exercise the real retry handler and
serialisation rather than a mock. The middleware is msgraph-core's default list with one
change: kiota's retry handler never resends a POST answered 503/504 (``graph/retry.py``).

:func:`graph_request` (every ``$batch`` too) sends through the client's lean pipeline where its
connections are aiohttp's (``graph/lean.py``): the same middleware's rules and headers without
kiota's per-request objects. The fluent API (``client.users...``) keeps the SDK pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from scorekeeper.graph.errors import GraphCallError, describe_error

if TYPE_CHECKING:
    import httpx
    from azure.core.credentials import TokenCredential
    from msgraph import GraphServiceClient

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
#: Methods the lean path sends; anything else goes to kiota, which names what it does not know.
LEAN_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def is_loopback(url: str) -> bool:
    """True for URLs on this machine only: the one case where plain http and static tokens are allowed."""
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK_HOSTS


def build_graph_client(
    credential: TokenCredential,
    graph_url: str = DEFAULT_GRAPH_URL,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 60.0,
) -> GraphServiceClient:
    """A ``GraphServiceClient`` for ``graph_url`` (``/v1.0`` is appended) with the SDK's middleware."""
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory

    root = graph_url.rstrip("/")
    base_url = f"{root}/v1.0"
    host = urlsplit(root).hostname or ""
    from scorekeeper.graph.lean import attach_graph_pipeline
    from scorekeeper.graph.pool import current_pool, shared_client_options
    from scorekeeper.graph.retry import graph_middleware
    from scorekeeper.graph.transport import network_client

    def pipeline(**options: Any) -> httpx.AsyncClient:
        http = network_client(base_url, timeout, transport=transport, **options)
        middleware = graph_middleware()
        http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)  # type: ignore[arg-type]
        attach_graph_pipeline(http, middleware)  # graph_request's lean path over the same connections
        return http

    # In a fleet operation every tenant's adapter sends through one client per service root (see
    # graph/pool.py): kept-alive connections instead of new ones per tenant. Its own transport
    # (an in-process simulator) is a tenant's alone.
    pool = current_pool() if transport is None else None
    if pool is not None:
        http = pool.get(("graph", base_url, timeout), lambda: pipeline(**shared_client_options(pool, base_url)))
    else:
        http = pipeline()
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[f"{root}/.default"], allowed_hosts=[host])
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


def graph_root(client: GraphServiceClient) -> str:
    """The service root (``https://graph.microsoft.com``) the client was built for."""
    base = client.request_adapter.base_url.rstrip("/")
    return base.rsplit("/", 1)[0]


async def graph_request(
    client: GraphServiceClient,
    method: str,
    path: str,
    body: Any = None,
    *,
    version: str = "v1.0",
) -> Any:
    """Send one raw JSON request with the client's own credential, retry rules and headers.

    For endpoints the fluent API does not reach (``/beta`` rows) or where a plain JSON body is
    clearer. Returns the parsed JSON, or ``None`` for an empty (204) answer; raises
    :class:`GraphCallError` otherwise. A client over aiohttp's connections sends through its
    lean pipeline (``graph/lean.py``: the SDK middleware's rules without its per-request
    objects); one with a proxy or an in-process transport through kiota's adapter and middleware.
    """
    from scorekeeper.graph.lean import graph_pipeline

    adapter = client.request_adapter
    lean = graph_pipeline(adapter)
    if lean is not None and method.upper() in LEAN_METHODS:
        url = f"{graph_root(client)}/{version}/{path.lstrip('/')}"
        content = None if body is None else orjson.dumps(body)
        try:
            raw = await lean.request(adapter, method.upper(), url, content)
        except Exception as exc:  # every failure becomes one documented type
            raise describe_error(exc) from exc
    else:
        raw = await _through_adapter(client, method, path, body, version)
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise GraphCallError(0, "MalformedResponse", f"{method} {path}: body is not JSON") from exc


async def _through_adapter(client: GraphServiceClient, method: str, path: str, body: Any, version: str) -> Any:
    """The request through kiota's adapter and the SDK middleware (a proxy, an in-process transport)."""
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    info = RequestInformation()
    info.http_method = Method[method.upper()]
    info.url = f"{graph_root(client)}/{version}/{path.lstrip('/')}"
    info.headers.try_add("Accept", "application/json")
    if body is not None:
        info.headers.try_add("Content-Type", "application/json")
        info.content = orjson.dumps(body)
    try:
        return await client.request_adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})
    except Exception as exc:  # every failure becomes one documented type
        raise describe_error(exc) from exc

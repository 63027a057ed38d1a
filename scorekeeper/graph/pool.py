"""HTTP clients reused from one tenant to the next in a fleet operation, instead of two new ones per tenant.

Every tenant talks to the same two hosts (``graph.microsoft.com`` and the portal API); the
tenant is in the token, not in the connection. Yet each tenant session used to build its own
Graph and portal clients, so each tenant opened (and, over TLS, negotiated) fresh connections and
closed them again: per tenant, several TCP and TLS handshakes of client CPU that a kept-alive
connection makes once.

A fleet assessment runs at most ``concurrency`` tenants at a time, so it holds that many
:class:`ClientPool` slots (:class:`PoolSlots`); a tenant takes a free slot for its run, its
session builds its clients from that slot's pool (keyed by what, service root and timeout), and
the next tenant in the slot finds them with their connections still open.

The connections under the slots' clients are one set per service origin for the whole operation
(:class:`SharedConnections`), not one per slot. A tenant sends its requests in its first round
trips and then holds its slot for seconds while it is evaluated and its run is stored; with a
connection set per slot, the next tenant in that slot found every connection idle past the
keep-alive expiry, and in steady state half of a fleet's requests opened a new connection
(1,701 of 4,000 at 1,000 tenants; over TLS each is a handshake). Shared, whichever tenant sends
next takes the connection the last answer freed. (httpx's own transport scanned every
connection of its pool on each request, which is why the clients were split per slot; aiohttp's
connector takes an idle connection from a queue.)

The clients above those connections, each with its SDK middleware pipeline, are one per
service for the whole operation too (:meth:`SharedConnections.client`): a pipeline holds no
tenant's state, so one pre-built pipeline serves every slot.

Only connections and the middleware pipeline are shared: every request still carries its own
tenant's token (kiota's authentication provider and the portal client add it per request), and
retries, ``Retry-After`` and error handling are the same code as before. A pool belongs to the
event loop of the operation that opened it (httpcore's connections and locks are loop-bound) and
is handed to the tenant's task through a context variable; a session built outside one (a single
command, a test's in-process simulator) builds and closes its own clients as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

_CURRENT: ContextVar[ClientPool | None] = ContextVar("scorekeeper_client_pool", default=None)


class SharedConnections:
    """One kept-alive connection set per service origin, under every slot's clients; closed by :meth:`aclose`."""

    def __init__(self, tenants_at_once: int = 1) -> None:
        self._transports: dict[str, httpx.AsyncBaseTransport] = {}
        self._clients: dict[Hashable, httpx.AsyncClient] = {}
        self._tenants_at_once = tenants_at_once

    def client(self, key: Hashable, build: Callable[[], httpx.AsyncClient]) -> httpx.AsyncClient:
        """The operation's one client (and request pipeline) for ``key``, built with ``build`` on first use.

        The SDK's middleware pipeline (retry with ``Retry-After``, headers, telemetry, tracing
        spans) is built once per fleet operation and shared by every slot: it holds no tenant's
        state — the token is added per request by the tenant's own adapter — so building one per
        slot only multiplied the construction (``concurrency`` pipelines per service).
        """
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = build()
        return client

    def holds(self, client: Any) -> bool:
        return any(client is held for held in self._clients.values())

    def for_url(self, base_url: str) -> httpx.AsyncBaseTransport | None:
        """The shared transport for ``base_url``'s origin; ``None`` where a proxy applies (httpx's transport then)."""
        from urllib.parse import urlsplit

        from scorekeeper.graph.tls import shared_ssl_context
        from scorekeeper.graph.transport import AiohttpTransport, proxied

        if proxied(base_url):
            return None
        parts = urlsplit(base_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        transport = self._transports.get(origin)
        if transport is None:
            transport = AiohttpTransport(ssl_context=shared_ssl_context(), limits=fleet_limits(self._tenants_at_once))
            self._transports[origin] = transport
        return transport

    def __len__(self) -> int:
        return len(self._transports)

    async def aclose(self) -> None:
        """Close the shared clients, then the connections under them."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()


class ClientPool:
    """One fleet slot: what a tenant run borrows; its clients are the operation's shared ones.

    A slot is the unit of concurrency (one tenant at a time) and the handle a session asks for
    clients; the clients and their middleware pipelines are built once per operation in
    :class:`SharedConnections` and closed there.
    """

    def __init__(self, connections: SharedConnections | None = None) -> None:
        self._used: set[Hashable] = set()
        self._owns_connections = connections is None
        self.connections = connections if connections is not None else SharedConnections()

    def get(self, key: Hashable, build: Callable[[], httpx.AsyncClient]) -> httpx.AsyncClient:
        """The client for ``key``, built with ``build`` the first time the operation asks for it."""
        self._used.add(key)
        return self.connections.client(key, build)

    def holds(self, client: Any) -> bool:
        """Whether ``client`` is one of the operation's shared clients (their owner closes them, not the session)."""
        return self.connections.holds(client)

    def __len__(self) -> int:
        return len(self._used)

    async def aclose(self) -> None:
        self._used.clear()
        if self._owns_connections:
            await self.connections.aclose()


def current_pool() -> ClientPool | None:
    """The pool of the tenant run under way in this task, if it was given one."""
    return _CURRENT.get()


class PoolSlots:
    """``count`` client pools, each lent to one tenant run at a time: also the operation's concurrency limit."""

    def __init__(self, count: int) -> None:
        self.connections = SharedConnections(max(1, count))
        self._pools = [ClientPool(self.connections) for _ in range(max(1, count))]
        # Last in, first out: the pool a tenant just gave back, whose connections are warmest, goes
        # to the next tenant; a fleet smaller than its concurrency builds only the pools it needs.
        self._free: asyncio.LifoQueue[ClientPool] = asyncio.LifoQueue()
        for pool in self._pools:
            self._free.put_nowait(pool)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[ClientPool]:
        """Wait for a free pool (waiting tasks are served in turn) and make it this task's while inside."""
        pool = await self._free.get()
        token = _CURRENT.set(pool)
        try:
            yield pool
        finally:
            _CURRENT.reset(token)
            self._free.put_nowait(pool)

    async def aclose(self) -> None:
        """Close every pool's clients, then the kept-alive connections under them."""
        for pool in self._pools:
            await pool.aclose()
        await self.connections.aclose()


#: Requests one tenant has in flight to one service at most (SSPR: the ``$batch`` and the beta
#: policy on Graph, two reads on the portal).
REQUESTS_PER_TENANT = 2


def fleet_limits(tenants_at_once: int = 1) -> httpx.Limits:
    """httpx's default limits, with idle connections kept ``transport.KEEPALIVE_SECONDS`` (the next
    tenant of a fleet reuses one within milliseconds; see that constant for why it is short).

    One connection set serves every slot of an operation, so its limit grows with the slots:
    a tenant never waits for a connection another slot holds idle for it.
    """
    import httpx

    from scorekeeper.graph.transport import DEFAULT_LIMITS

    default = DEFAULT_LIMITS.max_connections or 0
    return httpx.Limits(
        max_connections=max(default, REQUESTS_PER_TENANT * tenants_at_once),
        max_keepalive_connections=DEFAULT_LIMITS.max_keepalive_connections,
        keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
    )


class _KeepsNoCookies(CookieJar):
    """A jar that stores nothing and adds nothing, without parsing headers to find that out.

    A policy that accepts no domain gave the same result, but the standard jar still parsed
    every response's headers and wrapped every request to apply it: about 0.15 ms of CPU per
    request, on every request of a fleet. ``KEEPS_NOTHING`` tells ``NetworkClient``
    (graph/transport.py) not to offer it responses at all.
    """

    KEEPS_NOTHING = True

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


def cookieless() -> CookieJar:
    """A cookie store that keeps nothing: a shared client must not carry one tenant's cookies to the next.

    Graph and the portal API authenticate by the bearer token alone, but a front end may still
    set cookies (load-balancer affinity, session slices). A client of its own per tenant kept
    them to that tenant; a client passed from tenant to tenant would send tenant A's cookies
    with tenant B's token. A bare jar, not ``httpx.Cookies``: httpx copies the cookies of a
    ``Cookies`` it is given into a jar of its own, and the jar's behaviour with them.
    """
    return _KeepsNoCookies()


def shared_client_options(pool: ClientPool, base_url: str) -> dict[str, Any]:
    """What a client lent from tenant to tenant is built with: the pool's shared connections, no cookies."""
    options: dict[str, Any] = {"limits": fleet_limits(), "cookies": cookieless()}
    lent = pool.connections.for_url(base_url)
    if lent is not None:
        options["lent_transport"] = lent
    return options

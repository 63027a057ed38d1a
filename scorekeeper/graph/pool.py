"""HTTP clients reused from one tenant to the next in a fleet operation, instead of two new ones per tenant.

Every tenant talks to the same two hosts (``graph.microsoft.com`` and the portal API); the
tenant is in the token, not in the connection. Yet each tenant session used to build its own
Graph and portal clients, so each tenant opened (and, over TLS, negotiated) fresh connections and
closed them again: per tenant, several TCP and TLS handshakes of client CPU that a kept-alive
connection makes once.

A fleet assessment runs at most ``concurrency`` tenants at a time, so it holds that many
:class:`ClientPool` slots (:class:`PoolSlots`); a tenant takes a free slot for its run, its
session builds its clients from that slot's pool (keyed by what, service root and timeout), and
the next tenant in the slot finds them with their connections still open. One pool per slot,
not one for the whole fleet: httpcore looks at every connection of a pool on every request, so
one pool of a hundred connections cost more CPU than the handshakes it saved (measured, see
docs/performance.md).

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


class ClientPool:
    """The HTTP clients of one fleet operation, built on first use; closed together by :meth:`aclose`."""

    def __init__(self) -> None:
        self._clients: dict[Hashable, httpx.AsyncClient] = {}

    def get(self, key: Hashable, build: Callable[[], httpx.AsyncClient]) -> httpx.AsyncClient:
        """The client for ``key``, built with ``build`` the first time it is asked for."""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = build()
        return client

    def holds(self, client: Any) -> bool:
        """Whether ``client`` is one of this pool's (its owner closes it, not the session)."""
        return any(client is held for held in self._clients.values())

    def __len__(self) -> int:
        return len(self._clients)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def current_pool() -> ClientPool | None:
    """The pool of the tenant run under way in this task, if it was given one."""
    return _CURRENT.get()


class PoolSlots:
    """``count`` client pools, each lent to one tenant run at a time: also the operation's concurrency limit."""

    def __init__(self, count: int) -> None:
        self._pools = [ClientPool() for _ in range(max(1, count))]
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
        """Close every pool's clients (their kept-alive connections)."""
        for pool in self._pools:
            await pool.aclose()


#: Seconds an idle shared connection is kept. The next tenant of a fleet reuses one within
#: milliseconds; a connection idle for longer is closed by the client before a server's own idle
#: timeout can close it under a request (uvicorn's is 5 s, httpx's own default expiry too: the
#: two raced, and a request sent on a connection the server had just closed failed).
KEEPALIVE_SECONDS = 2.0


def fleet_limits() -> httpx.Limits:
    """httpx's default limits, with idle connections kept :data:`KEEPALIVE_SECONDS`."""
    import httpx

    from scorekeeper.graph.transport import DEFAULT_LIMITS

    return httpx.Limits(
        max_connections=DEFAULT_LIMITS.max_connections,
        max_keepalive_connections=DEFAULT_LIMITS.max_keepalive_connections,
        keepalive_expiry=KEEPALIVE_SECONDS,
    )


class _KeepsNoCookies(CookieJar):
    """A jar that stores nothing and adds nothing, without parsing headers to find that out.

    A policy that accepts no domain gave the same result, but the standard jar still parsed
    every response's headers and wrapped every request to apply it: about 0.15 ms of CPU per
    request, on every request of a fleet.
    """

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


def shared_client_options() -> dict[str, Any]:
    """What a client lent from tenant to tenant is built with: fleet keep-alive and no cookies."""
    return {"limits": fleet_limits(), "cookies": cookieless()}

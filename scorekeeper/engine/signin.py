"""One set of sign-in connections per authority, shared by every tenant's credential in this process.

A fleet signs in to each tenant with a credential of its own (its own tenant id, secret or
certificate, and its own token cache): that stays so, and no token is ever shared between
tenants. What each credential also built for itself was the HTTP client under it: azure-identity
gives every credential a new ``requests`` session, so every tenant's sign-in opened (and over
TLS negotiated) a new connection to the same sign-in host, and the loopback credential that a
simulated partner fleet signs in with built a new ``httpx.Client`` per token, which loads the
CA bundle again each time (about 20 ms of CPU per tenant on the benchmark box).

Here the HTTP layer is built once per authority (``login.microsoftonline.com``, a national
cloud's host, or a loopback simulator) and lent to each credential:

- azure-identity credentials get a transport of their own (``RequestsTransport`` with
  ``session_owner=False``, so closing one credential never closes the others' connections) over
  the authority's one ``requests`` session;
- the loopback client-secret credential posts through the authority's one ``httpx.Client``
  (httpx documents a client as shareable between threads; sign-ins run in worker threads).

Neither keeps cookies (:func:`scorekeeper.graph.pool.cookieless`): a session lent from tenant to
tenant must not carry one tenant's sign-in cookies to the next. ``requests`` sessions are not
documented as thread-safe because of their cookie jar; with a jar that keeps nothing, what the
threads share is urllib3's connection pool, which is. The sessions live as long as the process
(a fleet command, the TUI or the scheduler signs in again and again to the same host).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    import requests

#: Connections kept per sign-in host: as many as asyncio's default executor runs sign-ins at once
#: (``min(32, cpus + 4)``), so none is closed after use only because the pool was full.
KEPT_CONNECTIONS = 32

_lock = threading.Lock()
_sessions: dict[str, requests.Session] = {}
_clients: dict[str, httpx.Client] = {}


def _key(authority: str | None) -> str:
    return (authority or "").rstrip("/").lower()


def _new_session() -> requests.Session:
    """A session configured as azure-core's ``RequestsTransport`` configures its own, without cookies.

    urllib3's own retries are off (azure-core's retry policy retries, as it does on a session
    it builds), proxies come from the environment (its ``use_env_settings`` default).
    """
    import requests
    from urllib3.util.retry import Retry

    from scorekeeper.graph.pool import cookieless

    session = requests.Session()
    session.trust_env = True
    session.cookies = cookieless()  # type: ignore[assignment]
    adapter = requests.adapters.HTTPAdapter(
        max_retries=Retry(total=False, redirect=False, raise_on_status=False),
        pool_connections=4,
        pool_maxsize=KEPT_CONNECTIONS,
    )
    for scheme in ("http://", "https://"):
        session.mount(scheme, adapter)
    return session


def shared_session(authority: str | None) -> requests.Session:
    """The process's one ``requests`` session for sign-ins at ``authority`` (``None``: the public cloud)."""
    key = _key(authority)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = _new_session()
        return session


def identity_transport(authority: str | None) -> Any:
    """An azure-core transport for one credential, over ``authority``'s shared session.

    Each credential gets its own transport object (its own connection settings, as before); only
    the session under it is shared, and ``session_owner=False`` keeps a credential's ``close``
    from closing it for the others.
    """
    from azure.core.pipeline.transport import RequestsTransport

    return RequestsTransport(session=shared_session(authority), session_owner=False)


def loopback_client(authority: str) -> httpx.Client:
    """The process's one ``httpx.Client`` for token requests to the loopback ``authority``."""
    key = _key(authority)
    with _lock:
        client = _clients.get(key)
        if client is None:
            import httpx

            from scorekeeper.graph.pool import cookieless

            client = _clients[key] = httpx.Client(timeout=30, cookies=cookieless())
        return client


def close_all() -> None:
    """Close every shared session and client (tests; a process that exits needs not call it)."""
    with _lock:
        sessions, clients = list(_sessions.values()), list(_clients.values())
        _sessions.clear()
        _clients.clear()
    for session in sessions:
        session.close()
    for client in clients:
        client.close()


__all__ = ["KEPT_CONNECTIONS", "close_all", "identity_transport", "loopback_client", "shared_session"]

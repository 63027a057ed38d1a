"""The bottom of every Graph and portal client: aiohttp's HTTP/1.1 connections under httpx's client.

msgraph-sdk and kiota drive an ``httpx.AsyncClient``: their middleware (retry with
``Retry-After``, redirects, headers, telemetry) wraps its transport, and the portal client is a
plain one. httpx's own transport (httpcore over anyio, h11 in pure Python) cost 1.6–2.6 ms of
client CPU per request on this project's fleet benchmark, aiohttp's C parser and connection pool
0.35–0.5 ms, and the httpx client over an aiohttp transport 0.75–1.0 ms (docs/performance.md).
A fleet tenant sends four requests, so the transport was a large part of its CPU. This module
swaps only that bottom layer: requests, responses, headers, cookies (httpx's jar, aiohttp's is a
dummy), timeouts, middleware and the SDK stay what they were.

Errors are the point where the two libraries differ, and the safe-writes code reads them: every
aiohttp failure becomes the httpx exception that names the same fact (``ConnectError`` when no
connection was made, ``ReadTimeout`` when the answer did not come, ``RemoteProtocolError`` when
the server closed the connection before or during its answer, ``ReadError`` for a reset). A
write that fails with any of them has an unknown outcome and is read back
(``scorekeeper.writes``); the mapping keeps the messages truthful for the person who reads them.
A small adapter of our own rather than the ``httpx-aiohttp`` package, because that package maps
a server disconnect (a write applied, answered with a reset) to ``ConnectTimeout``, a fact
a reader of the error would take to mean the request was never sent.

Proxies: httpx honours ``HTTPS_PROXY``/``NO_PROXY`` only with its own transport, so where the
environment names a proxy for the host, :func:`network_client` leaves httpx's transport in place.

``graph_request`` and the portal client do not go through httpx at all where the client's
bottom is an :class:`AiohttpTransport` (``NetworkClient.aiohttp_transport``): their lean path
(``graph/lean.py``) sends with :meth:`AiohttpTransport.exchange`, on the same session and
connections, with the same error mapping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import httpx
import orjson

if TYPE_CHECKING:
    import ssl

    import aiohttp
    from yarl import URL

#: Seconds an idle connection is kept. A tenant's next wave reuses one within milliseconds; one
#: idle for longer is closed by the client before a server's own idle timeout can close it under a
#: request (uvicorn's is 5 s, httpx's default expiry was 5 s too: the two raced, and a write sent
#: on a connection the server had just closed failed with its outcome unknown).
KEEPALIVE_SECONDS = 2.0

#: httpx's default connection limits, with idle connections kept :data:`KEEPALIVE_SECONDS`.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_SECONDS)


def network_client(
    base_url: str,
    timeout: float,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    lent_transport: httpx.AsyncBaseTransport | None = None,
    limits: httpx.Limits = DEFAULT_LIMITS,
    **options: Any,
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` every Graph and portal client is built on.

    ``transport`` (an in-process simulator) is used as given and closed with the client;
    ``lent_transport`` (a fleet's shared connections, ``graph/pool.py``) is used and left open
    for its owner. Otherwise requests go through an :class:`AiohttpTransport` of the client's
    own, unless the environment names a proxy for the host.
    """
    from scorekeeper.graph.tls import shared_ssl_context

    bottom: AiohttpTransport | None = None
    if transport is None and lent_transport is not None:
        transport = _Lent(lent_transport)
        bottom = lent_transport if isinstance(lent_transport, AiohttpTransport) else None
    elif transport is None and not proxied(base_url):
        transport = bottom = AiohttpTransport(ssl_context=shared_ssl_context(), limits=limits)
    client = NetworkClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        verify=shared_ssl_context(),
        limits=limits,
        **({"transport": transport} if transport is not None else {}),
        **options,
    )
    client.aiohttp_transport = bottom
    return client


class NetworkClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose ``aclose`` also closes the transports it was built with.

    msgraph-core's ``GraphClientFactory`` wraps a client's transports in its middleware transport,
    whose ``aclose`` does nothing: the connections under it were never closed. They are
    remembered here as the client made them, before anything wraps them.

    A client built with a jar that keeps nothing (``KEEPS_NOTHING`` set on it, a fleet's shared
    clients: ``graph/pool.py``) does not hand each response to it either: httpx wraps every
    response and its request in ``urllib`` objects for the jar, 0.02–0.08 ms of CPU per request,
    only for the jar to drop them. httpx reads a client's cookies only through this property.
    """

    #: The aiohttp transport at the bottom, when requests go there (no proxy, no in-process
    #: transport): the lean request path (``graph/lean.py``) sends over it directly.
    aiohttp_transport: AiohttpTransport | None = None

    def __init__(self, **options: Any) -> None:
        jar = options.get("cookies")
        super().__init__(**options)
        #: Whether answers' cookies are kept and sent back (a fleet's shared clients: no).
        self.keeps_cookies = not getattr(jar, "KEEPS_NOTHING", False)
        # httpx's own Cookies, built from the same jar, unless the jar keeps nothing
        self._client_cookies = super().cookies if self.keeps_cookies else _NoCookies(jar)
        self._built_transports = [self._transport, *(t for t in self._mounts.values() if t is not None)]

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return self._client_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._client_cookies = httpx.Cookies(cookies)

    async def aclose(self) -> None:
        await super().aclose()
        for transport in self._built_transports:
            await transport.aclose()  # closing twice is harmless: both kinds forget what they closed


class _NoCookies(httpx.Cookies):
    """The cookies of a client whose jar keeps nothing: responses are not even offered to it."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _Lent(httpx.AsyncBaseTransport):
    """Another owner's transport, used by a client that must not close it (httpx closes its transport)."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        return None


def proxied(url: str) -> bool:
    """Whether the environment's proxy settings apply to ``url`` (httpx's transport then handles it)."""
    parts = urlsplit(url)
    proxies = getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not proxy_bypass(parts.hostname or "")


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through one ``aiohttp.ClientSession``, opened on first use.

    The session belongs to the event loop of its first request, as httpcore's connections did.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits = DEFAULT_LIMITS) -> None:
        self._ssl_context = ssl_context
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The ``aiohttp`` session under this transport (opened now if it is not yet): the lean path's too."""
        return self._session or self._open()

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context,
            limit=self._limits.max_connections or 0,
            keepalive_timeout=self._limits.keepalive_expiry if self._limits.keepalive_expiry is not None else 5.0,
        )
        # Cookies are httpx's business (a shared fleet client keeps none); aiohttp must not keep its own.
        self._session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp
        from yarl import URL

        session = self.session()
        limits = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=limits.get("pool"),
            sock_connect=limits.get("connect"),
            sock_read=limits.get("read"),
        )
        body = await request.aread()
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        with _as_httpx_errors(lambda: request):
            response = await session.request(
                request.method,
                URL(str(request.url), encoded=True),  # httpx has quoted it already: send it as is
                headers=headers,
                data=body or None,
                allow_redirects=False,  # kiota's redirect handler decides
                timeout=timeout,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_ResponseStream(response, request),
            request=request,
            extensions=extensions,
        )

    async def exchange(
        self,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: bytes | None,
        timeout: aiohttp.ClientTimeout,
    ) -> Answer:
        """One request and its whole answer on this transport's connections, without httpx's objects.

        The lean request path (``graph/lean.py``) sends through here: the same session, connection
        limits, keep-alive and TLS context as :meth:`handle_async_request`, and the same httpx
        exceptions for the same failures (:func:`_translate`). ``url`` is already quoted (as httpx
        quotes it); the answer's body is decoded as httpx would decode it (gzip, deflate).
        """
        with _as_httpx_errors(lambda: httpx.Request(method, str(url))):  # built only when something failed
            async with self.session().request(
                method,
                url,
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=timeout,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                auto_decompress=True,
            ) as response:
                content = await response.read()
                return Answer(response.status, response.headers, content, response.reason or "")

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


#: Headers aiohttp would add of its own: the caller's (httpx's defaults, the SDK's) are sent instead.
_SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole HTTP answer as the lean path hands it on: what callers read of an ``httpx.Response``."""

    status_code: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    content: bytes
    reason_phrase: str = ""

    def json(self) -> Any:
        """The body parsed (``orjson.JSONDecodeError`` is a ``ValueError``, as httpx's is)."""
        return orjson.loads(self.content)


class _ResponseStream(httpx.AsyncByteStream):
    """The body as aiohttp receives it; closing hands the connection back (or drops a half-read one)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response: aiohttp.ClientResponse | None = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._response is None:
            raise httpx.StreamClosed()
        request = self._request
        with _as_httpx_errors(lambda: request):
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        # release() keeps the connection only when the whole body was read; otherwise aiohttp closes it.
        # Dropping the response frees aiohttp's objects now: httpx's Response and its stream refer
        # to each other, so they wait for a garbage collection.
        response, self._response = self._response, None
        if response is not None:
            response.release()


@contextmanager
def _as_httpx_errors(request: Callable[[], httpx.Request]) -> Iterator[None]:
    """Raise the httpx exception that states what happened, chained to aiohttp's.

    ``request`` gives the request the exception names; the lean path (:meth:`AiohttpTransport.exchange`)
    has no ``httpx.Request`` and builds one only when something failed.
    """
    import aiohttp

    try:
        yield
    except aiohttp.ClientError as exc:
        raise _translate(exc, request()) from exc
    except TimeoutError as exc:  # a timeout aiohttp did not wrap
        raise httpx.ReadTimeout(str(exc) or "timed out", request=request()) from exc


def _translate(exc: aiohttp.ClientError, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception for an aiohttp one; the most specific class first (they subclass each other)."""
    import aiohttp

    message = str(exc) or type(exc).__name__
    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # no connection within the connect/pool limit
        kind = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ServerTimeoutError):  # connected, sent; the answer did not come in time
        kind = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake: nothing was sent
        kind = httpx.ConnectError
    elif isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        kind = httpx.RemoteProtocolError  # closed before or during the answer
    elif isinstance(exc, (aiohttp.ClientConnectionResetError, aiohttp.ClientOSError)):
        kind = httpx.ReadError
    elif isinstance(exc, aiohttp.NonHttpUrlClientError):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, aiohttp.ClientResponseError):  # an answer that is not valid HTTP
        kind = httpx.RemoteProtocolError
    else:
        kind = httpx.NetworkError
    return kind(message, request=request)

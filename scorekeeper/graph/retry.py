"""The SDK's retry middleware, minus the one retry that can duplicate an object: a POST answered 503/504.

kiota-http's ``RetryHandler`` resends every request answered 429, 503 or 504, POSTs included
(``DEFAULT_ALLOWED_METHODS`` lists them). Microsoft documents 429 as a refusal — "When throttling
occurs, Microsoft Graph returns HTTP status code 429 (Too many requests), and the requests fail"
(https://learn.microsoft.com/graph/throttling) —, so resending a throttled POST is safe. It
documents no such thing for 503 ("The service is temporarily unavailable for maintenance or is
overloaded") or 504 ("The server, while acting as a proxy, did not receive a timely response
from the upstream server", https://learn.microsoft.com/graph/errors): the service may have
created the object before the answer was lost, and the same POST sent again creates a second
one. So this handler lets such an answer through to the caller, whose write helper
(:mod:`scorekeeper.plugin.writes`) looks for the object by its marker before it sends anything
again.

In kiota-http-python (1.16) ``RetryHandlerOption.should_retry`` is a plain switch for every
status and method (unlike the ``IShouldRetry`` callable of kiota-java/-dotnet), so the rule
lives in an override of the handler's own ``should_retry(request, options, response)`` check,
which keeps every other behaviour (``Retry-After``, back-off, limits, the per-request option).
A ``$batch`` envelope is still retried: scorekeeper batches reads only (``graph/batch.py``).
The portal client (``graph/portal.py``) follows the same rule, :func:`resend_is_safe`. kiota is
imported only when a Graph client is built, so the portal alone does not pay for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from scorekeeper.graph.throttle import pause

if TYPE_CHECKING:
    import httpx
    from kiota_http.middleware.options import RetryHandlerOption

T = TypeVar("T")

#: Statuses after which a POST may have been applied although it was answered with an error.
UNSAFE_TO_RESEND_POST = frozenset({503, 504})

#: Seconds to wait before each new attempt of a read that got no answer (a timeout, a dropped
#: connection): two more attempts, then the failure goes to the caller (and the setting is
#: ``unknown``). Short on purpose: the request already waited its whole timeout.
READ_RETRY_DELAYS = (0.5, 2.0)


def is_read(method: str, path: str, content: bytes | None = None) -> bool:
    """Whether a request only reads: a GET, or a ``$batch`` whose every item is a GET.

    Sending a read twice changes nothing at Microsoft, so one that got no answer may be sent
    again. Anything else may have been applied before its answer was lost, and is left to the
    write helpers, which look before they write again (``scorekeeper.writes``).
    """
    verb = method.upper()
    if verb in ("GET", "HEAD"):
        return True
    if verb != "POST" or not path.rstrip("/").endswith("/$batch") or not content:
        return False
    try:
        items = orjson.loads(content).get("requests")
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return bool(items) and all(str(item.get("method", "")).upper() == "GET" for item in items)


def unanswered(exc: BaseException) -> bool:
    """Whether ``exc`` means no HTTP answer came (timeout, connection refused, reset, closed mid-answer)."""
    import httpx

    return isinstance(exc, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError))


async def retry_unanswered_read(
    exc: BaseException, method: str, path: str, content: bytes | None, retried: int
) -> bool:
    """Whether to send a request that failed with ``exc`` again, after waiting; ``retried``: how often it was.

    Yes for a read (:func:`is_read`) that got no answer (:func:`unanswered`), at most
    ``len(READ_RETRY_DELAYS)`` times; the wait goes through :func:`throttle.pause`, so a worker's
    limit on sleeping holds. Never for a write.
    """
    if retried >= len(READ_RETRY_DELAYS) or not unanswered(exc) or not is_read(method, path, content):
        return False
    await pause(READ_RETRY_DELAYS[retried], f"{method} {path} got no answer")
    return True


async def resend_unanswered_reads(send: Callable[[], Awaitable[T]], method: str, path: str, content: bytes | None) -> T:
    """``send()``, sent again after a back-off while it is a read that got no answer (:func:`retry_unanswered_read`).

    The one loop of the rule: the SDK pipeline's ``ReadRetryHandler`` and the lean path
    (``graph/lean.py``) both send through it, one exchange on the wire per attempt.
    """
    retried = 0
    while True:
        try:
            return await send()
        except Exception as exc:
            if not await retry_unanswered_read(exc, method, path, content, retried):
                raise
        retried += 1


def resend_is_safe(method: str, path: str, status: int) -> bool:
    """Whether a request answered ``status`` may be sent again as it is, without looking first.

    Everything but a POST is idempotent in Graph (PATCH/PUT of the same body, DELETE, GET). A
    POST is safe to resend only when Microsoft says it was refused (429), or when it is a
    ``$batch`` of reads.
    """
    if method.upper() != "POST" or path.rstrip("/").endswith("/$batch"):
        return True
    return status not in UNSAFE_TO_RESEND_POST


@cache
def write_safe_retry_handler() -> type[Any]:
    """The class: kiota's ``RetryHandler`` that never resends a POST answered 503 or 504."""
    from kiota_http.middleware import RetryHandler

    class WriteSafeRetryHandler(RetryHandler):  # type: ignore[misc]
        """kiota's ``RetryHandler`` minus resending a POST whose outcome is unknown (see ``graph/retry.py``)."""

        def should_retry(self, request: httpx.Request, options: RetryHandlerOption, response: httpx.Response) -> bool:
            if not resend_is_safe(request.method, request.url.path, response.status_code):
                return False
            return bool(super().should_retry(request, options, response))

    return WriteSafeRetryHandler


@cache
def read_retry_handler() -> type[Any]:
    """The class: a middleware that sends a read again when it got no answer at all.

    kiota's ``RetryHandler`` retries answers (429/503/504); a timeout or a dropped connection is
    an exception that goes straight through it, so a slow tenant's read failed at the first
    timeout and its settings became ``unknown``. This handler sits last, next to the transport,
    so each attempt is one exchange on the wire, and it resends only reads (:func:`is_read`).
    """
    from kiota_http.middleware import BaseMiddleware

    class ReadRetryHandler(BaseMiddleware):  # type: ignore[misc]
        """Resend a read (GET, ``$batch`` of GETs) that timed out or lost its connection, backing off."""

        async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
            send = super().send
            # aread, not .content: a request kiota's RedirectHandler built carries its body as a
            # stream, and .content raised RequestNotRead, so every followed redirect failed.
            content = await request.aread()
            return await resend_unanswered_reads(
                lambda: send(request, transport), request.method, request.url.path, content
            )

    return ReadRetryHandler


@cache
def telemetry_handler() -> type[Any]:
    """The class: msgraph-core's ``GraphTelemetryHandler`` with its endpoint set built once, not per request.

    The handler adds the SDK's telemetry headers (``SdkVersion``, ``client-request-id``...) only
    to requests for a Graph endpoint, and finds out by building a set from the
    ``NationalClouds`` enum and parsing the URL with urllib3 on every request: 2 % of the CPU
    of ``assess --all-tenants`` (issue 30, py-spy). Same answer, from a set made once.
    """
    from urllib.parse import urlsplit

    from msgraph_core import NationalClouds  # type: ignore[import-untyped]
    from msgraph_core.middleware import GraphTelemetryHandler  # type: ignore[import-untyped]

    endpoints = frozenset(str(item.value) for item in NationalClouds)

    class PrebuiltTelemetryHandler(GraphTelemetryHandler):  # type: ignore[misc]
        """``GraphTelemetryHandler`` whose Graph-endpoint check uses a set built once."""

        def is_graph_url(self, url: Any) -> bool:
            parts = urlsplit(str(url))
            return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{_port(parts.port)}" in endpoints

    return PrebuiltTelemetryHandler


@cache
def inspection_handlers() -> tuple[type[Any], type[Any]]:
    """The classes: kiota's header and body inspection handlers, acting only for a request that asks.

    A request that wants its headers or body passes its own ``HeadersInspectionHandlerOption`` /
    ``BodyInspectionHandlerOption`` and reads them there; these handlers do exactly what kiota's
    do for it. Without one, kiota's header handler fell back to its default option, which inspects
    both ways: every request's and answer's headers were copied into the shared handler's own
    option, which no caller can read (about 20 µs and a tracing span per request, both handlers
    together 10 % of a request's pipeline). Here such a request goes straight to the next handler.
    """
    from kiota_http.middleware import (
        REQUEST_OPTIONS_KEY,
        BaseMiddleware,
        BodyInspectionHandler,
        HeadersInspectionHandler,
    )
    from kiota_http.middleware.options import BodyInspectionHandlerOption, HeadersInspectionHandlerOption

    def asked(request: httpx.Request, key: str) -> bool:
        return bool((request.extensions.get(REQUEST_OPTIONS_KEY) or {}).get(key))

    class AskedHeadersInspectionHandler(HeadersInspectionHandler):  # type: ignore[misc]
        """``HeadersInspectionHandler`` for requests that pass their own option; others pass through."""

        async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
            if asked(request, HeadersInspectionHandlerOption.get_key()):
                return await super().send(request, transport)
            return await BaseMiddleware.send(self, request, transport)

    class AskedBodyInspectionHandler(BodyInspectionHandler):  # type: ignore[misc]
        """``BodyInspectionHandler`` for requests that pass their own option; others pass through."""

        async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
            if asked(request, BodyInspectionHandlerOption.get_key()):
                return await super().send(request, transport)
            return await BaseMiddleware.send(self, request, transport)

    return AskedHeadersInspectionHandler, AskedBodyInspectionHandler


def _port(port: int | None) -> str:
    return f":{port}" if port is not None else ""


def graph_middleware() -> list[object]:
    """msgraph-core's default middleware, in its order, with the write-safe retry handler for kiota's.

    Built once per fleet operation (``graph/pool.py``). The telemetry handler is msgraph-core's
    with its endpoint check precomputed (:func:`telemetry_handler`); the inspection handlers act
    only for a request that passes its own option (:func:`inspection_handlers`); the read-retry
    handler (:func:`read_retry_handler`) comes last, under the others.
    """
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import BodyInspectionHandler, HeadersInspectionHandler, RetryHandler

    headers, body = inspection_handlers()
    swapped = {RetryHandler: write_safe_retry_handler(), HeadersInspectionHandler: headers, BodyInspectionHandler: body}
    middleware: list[object] = [
        swapped[type(handler)]() if type(handler) in swapped else handler
        for handler in KiotaClientFactory.get_default_middleware(None)
    ]
    middleware.append(telemetry_handler()())
    middleware.append(read_retry_handler()())
    return middleware

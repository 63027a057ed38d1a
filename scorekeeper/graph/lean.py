"""The lean request path: a Graph or portal request straight onto aiohttp, under the SDK's own rules.

Every ``graph_request`` (and so every ``$batch``) used to go through kiota's request adapter
(``RequestInformation``, an authentication pass, a tracing span per step), nine middleware
handlers, an ``httpx.Request``/``httpx.Response`` pair and the conversion of both to and from
aiohttp; every portal read through httpx's client and the same conversion. On the fleet
benchmark that was about 0.5–0.8 ms of CPU per Graph request and 0.7 ms per portal request
(docs/performance.md, "Request path"), for a wire exchange aiohttp does in about 0.1 ms.

:class:`GraphPipeline` sends the same bytes with the same rules, built once per client (for a
fleet: once per operation, ``graph/pool.py``):

* **Headers**: the SDK's middleware is run *once*, over an in-memory transport, on a probe
  request; the headers it adds (``User-Agent`` with kiota's product, and for a Graph endpoint
  ``SdkVersion``, ``HostOs``, ``RuntimeEnvironment``) are kept and sent with every request.
  Per request come the ``client-request-id`` (a new GUID, as msgraph-core's request context makes
  it), ``Accept``/``Content-Type`` (as ``graph_request`` sets them) and ``Authorization`` — the
  tenant's own token from its own kiota access-token provider, which also applies kiota's
  allowed-hosts and https checks. ``tests/core/test_lean_path.py`` compares the two paths' requests.
* **URL**: the SDK's URL-replace and parameter-name-decoding handlers' own methods, then httpx's
  quoting (the URL is sent exactly as httpx would send it).
* **Retries and redirects**: decided by the pipeline's own handler instances — the write-safe
  ``RetryHandler`` (429/503/504, ``Retry-After``, back-off, never a POST answered 503/504:
  ``graph/retry.py``), the ``RedirectHandler`` — in the middleware's order: redirects around
  retries around the read retry of an unanswered read (:func:`retry.resend_unanswered_reads`, the
  same function the SDK pipeline's ``ReadRetryHandler`` uses). kiota's continuous-access
  evaluation (a 401 with ``claims``) re-authenticates and resends once, as its adapter does.
* **Errors**: an error answer goes through kiota's own ``throw_failed_responses`` (the same
  ``ODataError``/``APIError``, so ``describe_error`` gives the same ``GraphCallError``); a wire
  failure is the httpx exception that names it (``transport.AiohttpTransport.exchange``).
* **Cookies**: the client's own jar, through httpx's cookie code, only when there is one: a
  fleet's shared clients keep none (``graph/pool.py``).

What does not take this path: a client with a proxy in the environment (httpx's transport
honours it) or an in-process ``transport=`` (the simulator in tests), and the fluent
``GraphServiceClient`` API plugins may use — both keep the SDK's pipeline unchanged. kiota's
tracing spans are not emitted here: scorekeeper installs no OpenTelemetry provider, so the SDK's
were no-ops.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx

from scorekeeper.graph.retry import resend_unanswered_reads
from scorekeeper.graph.throttle import pause
from scorekeeper.graph.transport import AiohttpTransport, Answer

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL


async def sleep(seconds: float) -> None:
    """How the ``RetryHandler`` layer waits out a ``Retry-After`` (or its back-off); tests replace it.

    kiota's own handler calls ``asyncio.sleep``, so a fleet worker slept through a throttled
    request (up to 180 s) holding a job slot. :func:`throttle.pause` sleeps the same time in a
    command run by hand and, in a worker whose job may not wait that long, gives the tenant back
    to the queue (``TenantThrottled``), as the ``$batch`` and portal retries already did.
    """
    await pause(seconds, "Graph request")


#: Quoted URLs by the string asked for: a fleet sends the same few URLs for every tenant.
_URL_CACHE_SIZE = 1024
#: Headers the probe carries that are not the pipeline's to repeat (aiohttp and the request set them).
_PER_REQUEST = frozenset({"host", "cookie", "content-length", "client-request-id", "accept"})


@dataclass(frozen=True, slots=True)
class Target:
    """One URL as it goes on the wire: httpx's quoting, and the parts the rules look at."""

    url: httpx.URL
    wire: URL
    origin: str


class LeanClient:
    """What Graph and the portal share: an ``httpx.AsyncClient``'s defaults, sent over its aiohttp transport."""

    def __init__(self, http: httpx.AsyncClient, transport: AiohttpTransport) -> None:
        import aiohttp

        self.http = http
        self.transport = transport
        # the client's timeouts, as AiohttpTransport.handle_async_request maps them for each request
        limits = http.timeout
        self.timeout: aiohttp.ClientTimeout = aiohttp.ClientTimeout(
            total=None, connect=limits.pool, sock_connect=limits.connect, sock_read=limits.read
        )
        self._targets: dict[str, Target] = {}
        self._defaults: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self._keeps_cookies: bool = getattr(http, "keeps_cookies", True)

    def defaults_besides(self, names: tuple[str, ...]) -> list[tuple[str, str]]:
        """The client's default headers (httpx's ``Accept``, ``User-Agent``...) but those ``names``; remembered."""
        found = self._defaults.get(names)
        if found is None:
            lowered = {name.lower() for name in names}
            found = self._defaults[names] = [(k, v) for k, v in self.http.headers.multi_items() if k not in lowered]
        return found

    def target(self, url: str) -> Target:
        """``url`` (absolute, or relative to the client's base URL) as httpx would send it; remembered."""
        found = self._targets.get(url)
        if found is None:
            quoted = self.http._merge_url(url)  # httpx's own merge and quoting, as its client does
            from yarl import URL

            found = Target(quoted, URL(str(quoted), encoded=True), f"{quoted.scheme}://{quoted.netloc.decode('ascii')}")
            if len(self._targets) >= _URL_CACHE_SIZE:
                self._targets.clear()
            self._targets[url] = found
        return found

    async def exchange(self, method: str, target: Target, headers: list[tuple[str, str]], body: bytes | None) -> Answer:
        """One request on the wire, with the client's cookies when it keeps any."""
        if body is None and method in ("POST", "PUT", "PATCH"):
            headers = [*headers, ("Content-Length", "0")]  # as httpx sends a write without a body
        if self._keeps_cookies and self.http.cookies:
            probe = httpx.Request(method, target.url, headers=headers)
            self.http.cookies.set_cookie_header(probe)
            if "cookie" in probe.headers:
                headers = [*headers, ("Cookie", probe.headers["cookie"])]
        answer = await self.transport.exchange(method, target.wire, headers, body, self.timeout)
        if self._keeps_cookies and "set-cookie" in answer.headers:
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
            self.http.cookies.extract_cookies(
                httpx.Response(answer.status_code, headers=raw, request=httpx.Request(method, target.url))
            )
        return answer


def lean_client(http: httpx.AsyncClient) -> LeanClient | None:
    """A :class:`LeanClient` over ``http``'s aiohttp connections; ``None`` where httpx's transport must stay."""
    bottom = getattr(http, "aiohttp_transport", None)
    if not isinstance(bottom, AiohttpTransport):
        return None  # a proxy (httpx's transport) or an in-process transport: the httpx path stays
    return LeanClient(http, bottom)


class GraphPipeline:
    """The SDK pipeline's behaviour for one Graph client (shared by a fleet's tenants); see the module docstring."""

    def __init__(self, client: LeanClient, middleware: list[Any]) -> None:
        from kiota_http.middleware import (
            ParametersNameDecodingHandler,
            RedirectHandler,
            RetryHandler,
            UrlReplaceHandler,
        )

        self.client = client
        self._middleware = middleware
        self.redirect: Any = next(h for h in middleware if isinstance(h, RedirectHandler))
        self.retry: Any = next(h for h in middleware if isinstance(h, RetryHandler))
        self.decoding: Any = next(h for h in middleware if isinstance(h, ParametersNameDecodingHandler))
        self.replace: Any = next(h for h in middleware if isinstance(h, UrlReplaceHandler))
        self._headers: dict[str, tuple[list[tuple[str, str]], bool]] = {}

    async def _static_headers(self, target: Target) -> tuple[list[tuple[str, str]], bool]:
        """The headers the SDK's middleware adds for ``target``'s origin, and whether it adds a request id."""
        found = self._headers.get(target.origin)
        if found is None:
            found = self._headers[target.origin] = await self._probe(target)
        return found

    async def _probe(self, target: Target) -> tuple[list[tuple[str, str]], bool]:
        """Run the SDK's own middleware once on an empty GET to ``target``, answered in memory."""
        from kiota_http.middleware import REQUEST_OPTIONS_KEY

        graph_transport: Any = self.client.http._transport  # msgraph-core's AsyncGraphTransport
        probe = self.client.http.build_request("GET", target.url, extensions={REQUEST_OPTIONS_KEY: {}})
        graph_transport.set_request_context_and_feature_usage(probe)
        seen: list[httpx.Request] = []

        class Capture(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                seen.append(request)
                return httpx.Response(200, content=b"", request=request)

        await graph_transport.pipeline._first_middleware.send(probe, Capture())
        sent = seen[-1].headers
        static = [(k, v) for k, v in sent.multi_items() if k.lower() not in _PER_REQUEST]
        return static, "client-request-id" in sent

    def _url(self, url: str) -> str:
        """The URL-replace and parameter-name-decoding handlers' rewriting of ``url``."""
        url = self.replace.replace_url_segment(url, self.replace.options) if self.replace.options.is_enabled else url
        options = self.decoding.options
        base, sep, query = url.partition("?")
        if sep and options.enabled and "%" in query and options.characters_to_decode:
            url = f"{base}?{self.decoding.decode_uri_encoded_string(query, options.characters_to_decode)}"
        return url

    async def request(self, adapter: Any, method: str, url: str, body: bytes | None) -> bytes | None:
        """Send like ``adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})`` did: body or ``None``."""
        answer = await self._authenticated(adapter, method, url, body, "")
        if answer.status_code == 401 and (claims := _cae_claims(adapter, answer.headers)):
            answer = await self._authenticated(adapter, method, url, body, claims)  # once, as kiota does
        if not (200 <= answer.status_code < 300 or answer.status_code == 304):
            await _raise_failed(adapter, method, url, answer)
        if (
            answer.status_code in (204, 304)
            or not answer.content
            or (answer.status_code in (301, 302) and not answer.headers.get("location"))
        ):
            return None
        return answer.content

    async def _authenticated(self, adapter: Any, method: str, url: str, body: bytes | None, claims: str) -> Answer:
        provider = adapter._authentication_provider.access_token_provider
        context = {"claims": claims} if claims else {}
        token = await provider.get_authorization_token(url, context)
        own: list[tuple[str, str]] = [("accept", "application/json")]
        if body is not None:
            own.append(("content-type", "application/json"))
        if token:
            own.append(("authorization", f"Bearer {token}"))
        return await self._redirects(method, self._url(url), own, body)

    async def _redirects(self, method: str, url: str, own: list[tuple[str, str]], body: bytes | None) -> Answer:
        """The ``RedirectHandler`` layer: follow a redirect as the handler's own methods build it."""
        options = self.redirect.options
        target = self.client.target(url)
        static, with_id = await self._static_headers(target)
        headers = [*static, *own]
        if with_id:
            headers.append(("client-request-id", str(uuid.uuid4())))
        max_redirect = options.max_redirect
        history: list[httpx.Request] = []
        while True:
            answer = await self._retries(method, target, headers, body)
            location = self.redirect.get_redirect_location(answer)
            if not (location and options.should_redirect):
                return answer
            max_redirect -= 1
            if max_redirect < 0:
                from kiota_http._exceptions import RedirectError

                raise RedirectError(f"Too many redirects. {history}")
            request = httpx.Request(method, target.url, headers=headers, content=body)
            response = httpx.Response(answer.status_code, headers=list(answer.headers.items()), request=request)
            moved = self.redirect._build_redirect_request(request, response, options, None)
            history.append(request)
            if moved.method != method and moved.method == "GET":
                body = None
            # aiohttp writes Host and Content-Length itself, from the new URL and body
            method, target = moved.method, self.client.target(str(moved.url))
            headers = [(k, v) for k, v in moved.headers.multi_items() if k.lower() not in ("host", "content-length")]

    async def _retries(self, method: str, target: Target, headers: list[tuple[str, str]], body: bytes | None) -> Answer:
        """The write-safe ``RetryHandler`` layer: 429/503/504 as the pipeline's handler decides."""
        from kiota_http.middleware.options import RetryHandlerOption

        handler, options = self.retry, self.retry.options
        retry_count = next((int(v) for k, v in headers if k.lower() == "retry-attempt"), 0)
        while True:
            answer = await resend_unanswered_reads(
                partial(self.client.exchange, method, target, headers, body), method, target.url.path, body
            )
            if not options.should_retry or answer.status_code not in handler.retry_on_status_codes:
                return answer
            request = httpx.Request(method, target.url, headers=headers, content=body)
            delay = handler.get_delay_time(retry_count, answer, options.max_delay)
            if not (
                handler.should_retry(request, options, answer)
                and handler.check_retry_valid(retry_count, options)
                and delay < RetryHandlerOption.MAX_DELAY
            ):
                return answer
            await sleep(delay)
            retry_count += 1
            headers = [(k, v) for k, v in headers if k.lower() != "retry-attempt"]
            headers.append(("Retry-Attempt", str(retry_count)))


def _cae_claims(adapter: Any, headers: Mapping[str, str]) -> str:
    """The ``claims`` of a continuous-access-evaluation challenge, as kiota's adapter finds them; "" if none."""
    value = headers.get(adapter.RESPONSE_AUTH_HEADER) or ""
    if not value.casefold().startswith(adapter.BEARER_AUTHENTICATION_SCHEME.casefold()):
        return ""
    found = re.search('claims="([^"]+)"', value)
    return found.group(1) if found else ""


async def _raise_failed(adapter: Any, method: str, url: str, answer: Answer) -> None:
    """Raise what kiota's adapter raises for this error answer (its own ``throw_failed_responses``)."""
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from opentelemetry import trace

    response = httpx.Response(
        answer.status_code,
        headers=list(answer.headers.items()),
        content=answer.content,
        request=httpx.Request(method, url),
    )
    await adapter.throw_failed_responses(response, {"XXX": ODataError}, trace.INVALID_SPAN, trace.INVALID_SPAN)


def attach_graph_pipeline(http: httpx.AsyncClient, middleware: list[Any]) -> None:
    """Give a Graph client built with ``middleware`` its lean pipeline, when its connections are aiohttp's."""
    client = lean_client(http)
    if client is not None and hasattr(http._transport, "pipeline"):
        http.lean_graph = GraphPipeline(client, middleware)  # type: ignore[attr-defined]


def graph_pipeline(adapter: Any) -> GraphPipeline | None:
    """The lean pipeline of the client under a kiota adapter, if it has one."""
    return getattr(getattr(adapter, "_http_client", None), "lean_graph", None)


__all__ = ["GraphPipeline", "LeanClient", "attach_graph_pipeline", "graph_pipeline", "lean_client"]

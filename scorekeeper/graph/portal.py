"""Client for the Azure portal's SSPR API (``main.iam.ad.ext.azure.com/api``).

The API is undocumented and takes only a delegated user token for the portal's own resource,
so it gets a client of its own rather than being squeezed through msgraph-sdk. It keeps the
behaviour the Graph pipeline has: the headers the portal sends, retries of 429/503/504 that
honour ``Retry-After`` (never of a POST answered 503/504, as ``graph/retry.py`` explains), and
one error type.
"""

from __future__ import annotations

import inspect
import uuid
from typing import TYPE_CHECKING, Any

import orjson

from scorekeeper.graph.batch import MAX_RETRY_AFTER_SECONDS, RETRYABLE, _retry_after_seconds
from scorekeeper.graph.errors import PortalError, describe_error, retry_after_of
from scorekeeper.graph.retry import resend_is_safe, retry_unanswered_read
from scorekeeper.graph.throttle import pause

if TYPE_CHECKING:
    import httpx
    from azure.core.credentials import TokenCredential

    from scorekeeper.graph.lean import LeanClient
    from scorekeeper.graph.transport import Answer

DEFAULT_PORTAL_URL = "https://main.iam.ad.ext.azure.com/api"
#: The resource (application id) the portal API's tokens are issued for.
PORTAL_RESOURCE = "74658136-14ec-4630-ad9b-26e160ff0fc6"
PORTAL_SCOPE = f"{PORTAL_RESOURCE}/.default"
#: Azure PowerShell's first-party public client, which may ask for portal tokens.
PORTAL_CLIENT_ID = "1950a258-227b-4e31-a9cf-717495945fc2"


class PortalClient:
    """Reads and writes the portal's password-reset policies with a delegated token."""

    def __init__(
        self,
        credential: TokenCredential,
        portal_url: str = DEFAULT_PORTAL_URL,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        from scorekeeper.graph.pool import current_pool, shared_client_options

        self._credential = credential
        self._max_retries = max_retries
        # In a fleet operation the tenants share one client (graph/pool.py); the pool closes it.
        pool = current_pool() if transport is None else None
        if pool is not None:
            key = ("portal", portal_url, timeout)
            self._http = pool.get(
                key, lambda: _http_client(portal_url, None, timeout, **shared_client_options(pool, portal_url))
            )
        else:
            self._http = _http_client(portal_url, transport, timeout)
        self._owns_http = pool is None
        # Over aiohttp's connections the request goes straight there (graph/lean.py); a proxy or an
        # in-process transport keeps httpx's client. The lean client of a shared one is shared too.
        self._lean = _shared_lean(self._http)

    async def _token(self) -> str:
        try:
            result = self._credential.get_token(PORTAL_SCOPE)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:  # a saved sign-in that can no longer be refreshed silently
            if type(exc).__name__ in ("AuthenticationRequiredError", "ClientAuthenticationError"):
                raise PortalError(
                    401,
                    "SignInExpired",
                    "the saved portal sign-in has expired or was revoked: run `scorekeeper login` for this tenant",
                ) from None
            raise
        return result.token

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call; returns parsed JSON or ``None``; raises :class:`PortalError` on failure.

        A read that gets no answer (timeout, dropped connection) is sent again after a short
        back-off (``graph/retry.py``: ``retry_unanswered_read``); a write never is.
        """
        unanswered_reads = refused = 0
        while True:
            try:
                headers = {
                    "Authorization": f"Bearer {await self._token()}",
                    "X-Requested-With": "XMLHttpRequest",
                    "x-ms-client-request-id": str(uuid.uuid4()),
                    "Accept": "application/json",
                }
                response = await self._send(method, path.lstrip("/"), body, headers)
            except Exception as exc:
                if await retry_unanswered_read(exc, method, path, None, unanswered_reads):
                    unanswered_reads += 1
                    continue
                error = describe_error(exc)
                raise PortalError(error.status, error.code, error.message) from exc
            resend = resend_is_safe(method, path, response.status_code)  # never a POST answered 503/504
            if response.status_code in RETRYABLE and resend and refused < self._max_retries:
                wait = _retry_after_seconds(response.headers)
                if wait < MAX_RETRY_AFTER_SECONDS:
                    await pause(wait, "portal API")
                    refused += 1
                    continue
            if response.status_code >= 400:
                raise _portal_error(response)
            if not response.content:
                return None
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise PortalError(
                    response.status_code, "MalformedResponse", f"{method} {path}: body is not JSON"
                ) from exc

    async def _send(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Answer | httpx.Response:
        """One exchange: over the lean client when there is one, else through httpx's client."""
        if self._lean is None:
            return await self._http.request(method, path, json=body, headers=headers)
        content = None
        own = list(headers.items())
        if body is not None:
            from httpx._content import encode_json  # httpx's own JSON body, byte for byte

            encoded, stream = encode_json(body)
            content = b"".join(stream)  # type: ignore[arg-type]
            own.append(("Content-Type", encoded["Content-Type"]))
        defaults = self._lean.defaults_besides(tuple(headers))  # httpx lets a request's header replace the client's
        return await self._lean.exchange(method, self._lean.target(path), [*defaults, *own], content)

    async def get(self, path: str) -> Any:
        return await self.request("GET", path)

    async def put(self, path: str, body: Any) -> Any:
        return await self.request("PUT", path, body)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


def _http_client(
    portal_url: str, transport: httpx.AsyncBaseTransport | None, timeout: float, **options: Any
) -> httpx.AsyncClient:
    from scorekeeper.graph.transport import network_client

    return network_client(portal_url.rstrip("/") + "/", timeout, transport=transport, **options)


def _shared_lean(http: httpx.AsyncClient) -> LeanClient | None:
    """The lean client over ``http`` (one per client, so a fleet's shared client has one for all tenants)."""
    from scorekeeper.graph.lean import lean_client

    lean: LeanClient | None = getattr(http, "lean_portal", None)
    if lean is None:
        lean = lean_client(http)
        if lean is not None:
            http.lean_portal = lean  # type: ignore[attr-defined]
    return lean


def _portal_error(response: Answer | httpx.Response) -> PortalError:
    """The portal's error bodies are undocumented; take a message from the usual places."""
    code, message = "PortalError", response.reason_phrase or "request failed"
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        inner = data.get("error") if isinstance(data.get("error"), dict) else data
        code = str(inner.get("code") or inner.get("errorCode") or code)
        message = str(inner.get("message") or inner.get("Message") or message)
    return PortalError(response.status_code, code, message, retry_after=retry_after_of(response.headers))

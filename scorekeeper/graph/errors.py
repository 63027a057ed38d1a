"""One error type for every failed call to Microsoft, whichever client made it.

Plugins turn a failure into a finding (``unknown`` for 401/403/429, ``error`` otherwise); they
need the status, Graph's error code and its message, not the SDK's exception hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Statuses that mean "we could not read it", as opposed to "the tenant is misconfigured".
UNREADABLE_STATUSES = frozenset({401, 403, 429, 503, 504})


@dataclass
class GraphCallError(Exception):
    """A call to Graph or the portal API that did not succeed.

    ``status`` is 0 when no HTTP response arrived (connection reset, timeout, bad JSON).
    """

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no response"
        return f"{where} {self.code}: {self.message}".strip()

    @property
    def is_permission_denied(self) -> bool:
        return self.status == 403

    @property
    def is_throttled(self) -> bool:
        return self.status == 429


class PortalError(GraphCallError):
    """A failed call to the Azure portal's SSPR API."""


def describe_error(exc: BaseException) -> GraphCallError:
    """Turn whatever the SDK or httpx raised into a :class:`GraphCallError` without losing the facts.

    Secrets never appear here: kiota's errors hold no headers, and httpx's hold only the URL.
    """
    if isinstance(exc, GraphCallError):
        return exc
    from kiota_abstractions.api_error import APIError

    if isinstance(exc, APIError):
        status = int(getattr(exc, "response_status_code", 0) or 0)
        main = getattr(exc, "error", None)
        code = getattr(main, "code", None) or "UnknownError"
        message = getattr(main, "message", None) or getattr(exc, "message", None) or str(exc) or "no message"
        return GraphCallError(status, str(code), str(message))
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return GraphCallError(0, "Timeout", f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):
        return GraphCallError(0, "ConnectionError", str(exc) or type(exc).__name__)
    if isinstance(exc, ValueError):  # a body that is not the JSON it claims to be
        return GraphCallError(0, "MalformedResponse", str(exc).splitlines()[0] if str(exc) else "invalid JSON")
    return GraphCallError(0, type(exc).__name__, str(exc))

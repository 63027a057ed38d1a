"""One error type for every failed call to Microsoft, whichever client made it.

Plugins turn a failure into a finding (``unknown`` for 401/403/429, ``error`` otherwise); they
need the status, Graph's error code and its message, not the SDK's exception hierarchy.
"""

from __future__ import annotations

from typing import Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import GraphCallError as GraphCallError
from scorekeeper.errors import PortalError as PortalError

#: Statuses that mean "we could not read it", as opposed to "the tenant is misconfigured".
UNREADABLE_STATUSES = frozenset({401, 403, 429, 503, 504})


def retry_after_of(headers: Any) -> float | None:
    """Seconds of a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` when absent or unreadable."""
    if not headers:
        return None
    try:
        items = headers.items()
    except AttributeError:
        return None
    value = next((str(v) for k, v in items if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


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
        headers = getattr(exc, "response_headers", None)
        return GraphCallError(status, str(code), str(message), retry_after=retry_after_of(headers))
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return GraphCallError(0, "Timeout", f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):
        return GraphCallError(0, "ConnectionError", str(exc) or type(exc).__name__)
    if isinstance(exc, ValueError):  # a body that is not the JSON it claims to be
        return GraphCallError(0, "MalformedResponse", str(exc).splitlines()[0] if str(exc) else "invalid JSON")
    return GraphCallError(0, type(exc).__name__, str(exc))

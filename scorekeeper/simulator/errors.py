"""Graph's error responses: one exception that handlers raise, one function that renders the body.

Graph answers every failure with ``{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}`` (https://learn.microsoft.com/graph/errors). The codes
differ per service behind Graph: the directory (users, groups, organization, policies, directory
settings) uses ``Request_ResourceNotFound`` / ``Request_BadRequest`` /
``Authorization_RequestDenied``; the other workloads use the generic ``ResourceNotFound`` /
``BadRequest``. :class:`Area` keeps that difference in one place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any


class Area(Enum):
    """Which service behind Graph answers, because each words its errors its own way."""

    DIRECTORY = "directory"
    POLICY = "policy"
    INTUNE = "intune"
    SECURITY = "security"
    PORTAL = "portal"
    GRAPH = "graph"

    @property
    def not_found_code(self) -> str:
        return "Request_ResourceNotFound" if self in (Area.DIRECTORY,) else "ResourceNotFound"

    @property
    def bad_request_code(self) -> str:
        return "Request_BadRequest" if self is Area.DIRECTORY else "BadRequest"


@dataclass
class GraphError(Exception):
    """Raise from a handler to answer with Graph's error body (and optional extra headers)."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def not_found(area: Area, resource_id: str) -> GraphError:
    if area is Area.DIRECTORY:
        message = (
            f"Resource '{resource_id}' does not exist or one of its queried reference-property objects are not present."
        )
    else:
        message = f"The requested resource '{resource_id}' was not found."
    return GraphError(404, area.not_found_code, message)


def bad_request(area: Area, message: str) -> GraphError:
    return GraphError(400, area.bad_request_code, message)


def forbidden(area: Area = Area.DIRECTORY) -> GraphError:
    """403 as Graph words a token that lacks the endpoint's permissions."""
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


def unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def throttled(retry_after: float) -> GraphError:
    seconds = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
    return GraphError(
        429,
        "TooManyRequests",
        "Please retry again later.",
        {"Retry-After": seconds},
    )


def method_not_allowed() -> GraphError:
    return GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")


def unknown_segment(path: str) -> GraphError:
    segment = path.strip("/").split("/")[1] if "/" in path.strip("/") else path.strip("/")
    return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


def error_body(error: GraphError, client_request_id: str | None = None) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }

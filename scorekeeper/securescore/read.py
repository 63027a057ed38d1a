"""Reading a tenant's Secure Score through msgraph-sdk: daily scores and every control profile.

``GET /security/secureScores`` (newest first, up to 90 daily entries) and
``GET /security/secureScoreControlProfiles`` (every page: a real tenant has hundreds), both with
SecurityEvents.Read.All. Failures become :class:`SecureScoreReadError` naming the permission
when Graph answered 403, so the front ends can say what to grant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scorekeeper.securescore.model import Comparison, ControlState, DailyScore

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

READ_PERMISSION = "SecurityEvents.Read.All"
WRITE_PERMISSION = "SecurityEvents.ReadWrite.All"
#: Microsoft keeps at most this many daily entries.
MAX_DAYS = 90


class SecureScoreReadError(Exception):
    """Secure Score could not be read; ``missing_permission`` is set when Graph refused (403)."""

    def __init__(self, message: str, *, status: int = 0, missing_permission: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.missing_permission = missing_permission


def _error(what: str, exc: BaseException, permission: str) -> SecureScoreReadError:
    from scorekeeper.graph.errors import describe_error

    failure = describe_error(exc)
    if failure.is_permission_denied:
        return SecureScoreReadError(
            f"{what}: Graph refused (403 {failure.code}); the app needs {permission}",
            status=403,
            missing_permission=permission,
        )
    return SecureScoreReadError(f"{what}: {failure}", status=failure.status)


async def read_daily_scores(graph: GraphServiceClient, days: int = 1) -> list[Any]:
    """The newest ``days`` entries of ``secureScores`` (SDK models), newest first."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    query = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=max(1, min(days, MAX_DAYS)))
    try:
        page = await graph.security.secure_scores.get(RequestConfiguration(query_parameters=query))
        found = list(page.value or []) if page else []
        while page is not None and page.odata_next_link and len(found) < days:
            page = await graph.security.secure_scores.with_url(page.odata_next_link).get()
            found += list(page.value or []) if page else []
    except Exception as exc:
        raise _error("reading secureScores", exc, READ_PERMISSION) from exc
    return found[:days]


async def read_control_profiles(graph: GraphServiceClient) -> list[Any]:
    """Every ``secureScoreControlProfile`` (SDK models), following ``@odata.nextLink``."""
    builder = graph.security.secure_score_control_profiles
    try:
        page = await builder.get()
        found = list(page.value or []) if page else []
        while page is not None and page.odata_next_link:
            page = await builder.with_url(page.odata_next_link).get()
            found += list(page.value or []) if page else []
    except Exception as exc:
        raise _error("reading secureScoreControlProfiles", exc, READ_PERMISSION) from exc
    return found


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def daily_score(model: Any) -> DailyScore:
    """One SDK ``SecureScore`` as history keeps it."""
    comparisons = tuple(
        Comparison(str(a.basis or ""), _float(a.average_score)) for a in (model.average_comparative_scores or [])
    )
    controls = {
        str(c.control_name): float(c.score or 0.0) for c in (model.control_scores or []) if c.control_name is not None
    }
    return DailyScore(
        scored_at=_aware(model.created_date_time) or datetime.now(UTC),
        current=_float(model.current_score),
        max_score=_float(model.max_score),
        comparisons=comparisons,
        controls=controls,
    )


def latest_state(profile: Any) -> ControlState:
    """The newest control state update of an SDK profile (``Default`` when it has none)."""
    updates = list(profile.control_state_updates or [])
    if not updates:
        return ControlState()
    dated = [u for u in updates if u.updated_date_time is not None]
    newest = max(dated, key=lambda u: _aware(u.updated_date_time)) if dated else updates[-1]
    return ControlState(
        state=str(newest.state or "Default"),
        comment=str(newest.comment or ""),
        assigned_to=str(newest.assigned_to or ""),
        updated_by=str(newest.updated_by or ""),
        updated_at=_aware(newest.updated_date_time),
    )

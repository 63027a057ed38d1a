"""Reading a tenant's Secure Score: daily scores and every control profile, as Graph's JSON.

``GET /security/secureScores`` (newest first, up to 90 daily entries) and
``GET /security/secureScoreControlProfiles`` (every page: a real tenant has hundreds), both with
SecurityEvents.Read.All, sent through the msgraph-sdk client's own request adapter (auth, retry
and redirect middleware) by :func:`scorekeeper.graph.client.graph_request`.

Why JSON and not the SDK's models: kiota's parse nodes took 5–15 s for 90 daily entries of 45
controls and ~2 s for 45 profiles on the CI machine (0.07 s and 0.01 s as JSON), which every
first assessment of a tenant would pay. The fields read here are the documented ones of the
secureScore, controlScore, secureScoreControlProfile and secureScoreControlStateUpdate pages.
Failures become :class:`SecureScoreReadError` naming the permission when Graph answered 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.securescore import Comparison, ControlState, DailyScore

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import SecureScoreReadError as SecureScoreReadError

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

READ_PERMISSION = "SecurityEvents.Read.All"
WRITE_PERMISSION = "SecurityEvents.ReadWrite.All"
#: Microsoft keeps at most this many daily entries.
MAX_DAYS = 90
SCORES = "security/secureScores"
PROFILES = "security/secureScoreControlProfiles"


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


async def _pages(graph: GraphServiceClient, path: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Every item of a collection, following ``@odata.nextLink`` (until ``limit`` items)."""
    from scorekeeper.graph.client import graph_request, graph_root

    prefix = f"{graph_root(graph)}/v1.0/"
    found: list[dict[str, Any]] = []
    next_path: str | None = path
    while next_path is not None and (limit is None or len(found) < limit):
        page = await graph_request(graph, "GET", next_path) or {}
        found += [item for item in page.get("value") or [] if isinstance(item, dict)]
        link = page.get("@odata.nextLink")
        next_path = str(link).removeprefix(prefix) if link else None
    return found if limit is None else found[:limit]


async def read_daily_scores(graph: GraphServiceClient, days: int = 1) -> list[dict[str, Any]]:
    """The newest ``days`` entries of ``secureScores`` (JSON objects), newest first."""
    top = max(1, min(days, MAX_DAYS))
    try:
        return await _pages(graph, f"{SCORES}?$top={top}", limit=top)
    except Exception as exc:
        raise _error("reading secureScores", exc, READ_PERMISSION) from exc


async def read_control_profiles(graph: GraphServiceClient) -> list[dict[str, Any]]:
    """Every ``secureScoreControlProfile`` (JSON objects), following ``@odata.nextLink``."""
    try:
        return await _pages(graph, PROFILES)
    except Exception as exc:
        raise _error("reading secureScoreControlProfiles", exc, READ_PERMISSION) from exc


async def read_control_profile(graph: GraphServiceClient, control_id: str) -> dict[str, Any]:
    """One control profile (``GET /security/secureScoreControlProfiles/{id}``)."""
    from scorekeeper.graph.client import graph_request

    try:
        return dict(await graph_request(graph, "GET", f"{PROFILES}/{control_id}") or {})
    except Exception as exc:
        raise _error(f"reading control profile {control_id}", exc, READ_PERMISSION) from exc


async def read_assessment_scores(
    graph: GraphServiceClient, shared: Any, history: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]] | SecureScoreReadError | None]:
    """Today's ``secureScores`` entry, every control profile and (``history`` > 0) the kept days, through shared reads.

    ``shared`` is the tenant's :class:`scorekeeper.graph.shared.SharedReads`. ``$top=1`` is the
    very read every control's Secure Score makes (built the same way), so one request inside the
    controls' ``$batch`` serves them and the whole-score record; the first profiles page goes in
    the same ``$batch``, and only further pages (``@odata.nextLink``) cost requests of their own.
    On a tenant's first run (``history``: the days to import, at most :data:`MAX_DAYS`) the
    ``$top={history}`` read of Microsoft's kept days rides in that ``$batch`` too, instead of a
    request of its own after it (one HTTP exchange and one round trip fewer per new tenant); its
    further pages, if Graph pages it, are followed as :func:`read_daily_scores` follows them.
    The third value is ``None`` without ``history``; when the kept days could not be read it is
    the :class:`SecureScoreReadError` saying why, not raised: today's entry and the profiles
    were read, and the caller imports today alone (as it did when its own request failed).
    Call it before anything else that waits, so its reads join the controls' batch of this turn.
    """
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.security.secure_scores.secure_scores_request_builder import SecureScoresRequestBuilder

    from scorekeeper.graph.client import graph_root

    def top(days: int) -> Any:
        query = SecureScoresRequestBuilder.SecureScoresRequestBuilderGetQueryParameters(top=days)
        return graph.security.secure_scores.to_get_request_information(RequestConfiguration(query_parameters=query))

    requests = {
        "scores": top(1),
        "profiles": graph.security.secure_score_control_profiles.to_get_request_information(),
    }
    days = max(1, min(history, MAX_DAYS)) if history > 0 else 0
    if days > 1:
        requests["history"] = top(days)
    try:
        # The kept days are this caller's alone: not held for later callers (graph/shared.py's ``once``).
        items = await shared.batch(graph, requests, once=frozenset({"history"}) if days > 1 else frozenset())
    except Exception as exc:
        raise _error("reading secureScores", exc, READ_PERMISSION) from exc
    prefix = f"{graph_root(graph)}/v1.0/"
    try:
        items["scores"].raise_for_status()
        scores = [item for item in (items["scores"].body or {}).get("value") or [] if isinstance(item, dict)]
    except Exception as exc:
        raise _error("reading secureScores", exc, READ_PERMISSION) from exc
    try:
        items["profiles"].raise_for_status()
        page = items["profiles"].body or {}
        profiles = [item for item in page.get("value") or [] if isinstance(item, dict)]
        link = page.get("@odata.nextLink")
        if link:
            profiles += await _pages(graph, str(link).removeprefix(prefix))
    except Exception as exc:
        raise _error("reading secureScoreControlProfiles", exc, READ_PERMISSION) from exc
    kept: list[dict[str, Any]] | SecureScoreReadError | None = None
    if days == 1:
        kept = scores[:1]
    elif days > 1:
        kept = await _kept_days(graph, items["history"], days, prefix)
    return scores[:1], profiles, kept


async def _kept_days(
    graph: GraphServiceClient, item: Any, days: int, prefix: str
) -> list[dict[str, Any]] | SecureScoreReadError:
    """The ``$top={days}`` answer of a ``$batch`` (and its further pages), or why it could not be read."""
    try:
        item.raise_for_status()
        page = item.body or {}
        found = [entry for entry in page.get("value") or [] if isinstance(entry, dict)]
        link = page.get("@odata.nextLink")
        if link and len(found) < days:
            found += await _pages(graph, str(link).removeprefix(prefix), limit=days - len(found))
    except Exception as exc:
        return _error("reading secureScores", exc, READ_PERMISSION)
    return found[:days]


def number(value: Any) -> float | None:
    """A JSON number (or a numeric string, as ``count``/``total`` arrive) as float; else ``None``."""
    if isinstance(value, bool):
        return None
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def timestamp(value: Any) -> datetime | None:
    """An ISO 8601 ``DateTimeOffset`` from Graph as an aware UTC datetime (``None`` when absent or bad)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _control_scores(entries: Any) -> dict[str, float]:
    """Control name → score of one entry's ``controlScores``: ``number(score) or 0.0`` per named object.

    A first run reads this for each of up to 90 days of ~45 controls; a score that is already a
    float (as Graph sends it) skips :func:`number`'s call, a string name its ``str``: about half
    the CPU of the one-line comprehension it replaces, with the same answers (tests hold both).
    """
    found: dict[str, float] = {}
    for control in entries or []:
        if not isinstance(control, dict):
            continue
        name = control.get("controlName")
        if not name:
            continue
        score = control.get("score")
        found[name if type(name) is str else str(name)] = (score if type(score) is float else number(score)) or 0.0
    return found


#: ``createdDateTime`` text → its time, per process (a fleet's tenants share their 90 days); bounded.
_STAMPS: dict[str, datetime | None] = {}


def _stamp(value: Any) -> datetime | None:
    """:func:`timestamp`, each distinct text parsed once per process (datetimes are immutable)."""
    if type(value) is not str:
        return timestamp(value)
    if value not in _STAMPS:
        if len(_STAMPS) >= 4096:
            _STAMPS.clear()
        _STAMPS[value] = timestamp(value)
    return _STAMPS[value]


def daily_score(entry: dict[str, Any]) -> DailyScore:
    """One ``secureScore`` object as history keeps it."""
    comparisons = tuple(
        Comparison(str(a.get("basis") or ""), number(a.get("averageScore")))
        for a in entry.get("averageComparativeScores") or []
        if isinstance(a, dict)
    )
    return DailyScore(
        scored_at=_stamp(entry.get("createdDateTime")) or datetime.now(UTC),
        current=number(entry.get("currentScore")),
        max_score=number(entry.get("maxScore")),
        comparisons=comparisons,
        controls=_control_scores(entry.get("controlScores")),
    )


def latest_state(profile: dict[str, Any]) -> ControlState:
    """The newest ``controlStateUpdates`` entry of a profile (``Default`` when it has none)."""
    updates = [u for u in profile.get("controlStateUpdates") or [] if isinstance(u, dict)]
    if not updates:
        return ControlState()
    floor = datetime.min.replace(tzinfo=UTC)
    # newest by time; among equal times (or none), the later in the list, as Graph appends them
    _, _, newest = max((timestamp(u.get("updatedDateTime")) or floor, i, u) for i, u in enumerate(updates))
    return ControlState(
        state=str(newest.get("state") or "Default"),
        comment=str(newest.get("comment") or ""),
        assigned_to=str(newest.get("assignedTo") or ""),
        updated_by=str(newest.get("updatedBy") or ""),
        updated_at=timestamp(newest.get("updatedDateTime")),
    )

"""Turning what Graph returned into one :class:`ScoreOverview`: join, cover, sort, filter.

The two endpoints do not cover the same set: ``controlScores`` holds the controls the tenant is
scored on (licensed), ``secureScoreControlProfiles`` every control Microsoft describes. Every
profile is listed; one without a score today is ``scored = False`` (its points are not part of
the tenant's maximum), and a score without a profile is still listed, with what is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scorekeeper.domain.securescore import ControlScore, ScoreOverview, TrendPoint
from scorekeeper.securescore.read import daily_score, latest_state, number, timestamp

Json = dict[str, Any]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _score_entries(latest: Json | None) -> dict[str, Json]:
    entries = (latest or {}).get("controlScores") or []
    return {str(c["controlName"]): c for c in entries if isinstance(c, dict) and c.get("controlName")}


def control_rows(latest: Json | None, profiles: Iterable[Json], coverage: Mapping[str, str]) -> list[ControlScore]:
    """One row per control profile (and per scored control without one), unsorted."""
    scores = _score_entries(latest)
    rows = []
    seen = set()
    for profile in profiles:
        control_id = _text(profile.get("id"))
        seen.add(control_id)
        entry = scores.get(control_id)
        rank = profile.get("rank")
        rows.append(
            ControlScore(
                id=control_id,
                title=_text(profile.get("title")),
                category=_text(profile.get("controlCategory")),
                service=_text(profile.get("service")),
                score=number(entry.get("score")) if entry is not None else None,
                max_score=number(profile.get("maxScore")),
                implementation_status=_text((entry or {}).get("implementationStatus")),
                action_url=_text(profile.get("actionUrl")),
                action_type=_text(profile.get("actionType")),
                state=latest_state(profile),
                covered_by=coverage.get(control_id, ""),
                rank=rank if isinstance(rank, int) and not isinstance(rank, bool) else None,
                tier=_text(profile.get("tier")),
                user_impact=_text(profile.get("userImpact")),
                implementation_cost=_text(profile.get("implementationCost")),
                deprecated=profile.get("deprecated") is True,
            )
        )
    for control_id, entry in scores.items():
        if control_id in seen:
            continue
        rows.append(
            ControlScore(
                id=control_id,
                title="",
                category=_text(entry.get("controlCategory")),
                service="",
                score=number(entry.get("score")),
                max_score=None,
                implementation_status=_text(entry.get("implementationStatus")),
                covered_by=coverage.get(control_id, ""),
            )
        )
    return rows


def ranked(rows: Iterable[ControlScore]) -> list[ControlScore]:
    """Most points still available first; then the bigger maximum, Microsoft's rank, the id."""

    def key(row: ControlScore) -> tuple[float, float, int, str]:
        available = row.available if row.available is not None else -1.0
        return (-available, -(row.max_score or 0.0), row.rank if row.rank is not None else 1_000_000, row.id)

    return sorted(rows, key=key)


@dataclass(frozen=True)
class ControlFilter:
    """Which controls to show: by category, by service, by whether a plugin covers them."""

    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    covered: bool | None = None

    def __call__(self, row: ControlScore) -> bool:
        if self.categories and row.category.casefold() not in {c.casefold() for c in self.categories}:
            return False
        if self.services and row.service.casefold() not in {s.casefold() for s in self.services}:
            return False
        return self.covered is None or bool(row.covered_by) == self.covered


def build_overview(
    tenant: str,
    tenant_id: str,
    latest: Json | None,
    profiles: Iterable[Json],
    coverage: Mapping[str, str],
    trend: Iterable[TrendPoint] = (),
    only: ControlFilter | None = None,
) -> ScoreOverview:
    """The overview of one tenant from the newest ``secureScore`` object and its control profiles."""
    rows = ranked(r for r in control_rows(latest, profiles, coverage) if only is None or only(r))
    daily = daily_score(latest) if latest is not None else None
    return ScoreOverview(
        tenant=tenant,
        tenant_id=tenant_id or _text((latest or {}).get("azureTenantId")),
        scored_at=timestamp((latest or {}).get("createdDateTime")),
        current=daily.current if daily else None,
        max_score=daily.max_score if daily else None,
        comparisons=daily.comparisons if daily else (),
        controls=tuple(rows),
        trend=tuple(trend),
    )

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

from scorekeeper.securescore.model import ControlScore, ScoreOverview, TrendPoint
from scorekeeper.securescore.read import _aware, _float, daily_score, latest_state


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _score_entries(latest: Any) -> dict[str, Any]:
    return {str(c.control_name): c for c in (latest.control_scores or []) if c.control_name} if latest else {}


def control_rows(latest: Any, profiles: Iterable[Any], coverage: Mapping[str, str]) -> list[ControlScore]:
    """One row per control profile (and per scored control without one), unsorted."""
    scores = _score_entries(latest)
    rows = []
    seen = set()
    for profile in profiles:
        control_id = _text(profile.id)
        seen.add(control_id)
        entry = scores.get(control_id)
        extra = (entry.additional_data or {}) if entry is not None else {}
        rows.append(
            ControlScore(
                id=control_id,
                title=_text(profile.title),
                category=_text(profile.control_category),
                service=_text(profile.service),
                score=_float(entry.score) if entry is not None else None,
                max_score=_float(profile.max_score),
                implementation_status=_text(extra.get("implementationStatus")),
                action_url=_text(profile.action_url),
                action_type=_text(profile.action_type),
                state=latest_state(profile),
                covered_by=coverage.get(control_id, ""),
                rank=profile.rank,
                tier=_text(profile.tier),
                user_impact=_text(profile.user_impact),
                implementation_cost=_text(profile.implementation_cost),
                deprecated=bool(profile.deprecated),
            )
        )
    for control_id, entry in scores.items():
        if control_id in seen:
            continue
        extra = entry.additional_data or {}
        rows.append(
            ControlScore(
                id=control_id,
                title="",
                category=_text(entry.control_category),
                service="",
                score=_float(entry.score),
                max_score=None,
                implementation_status=_text(extra.get("implementationStatus")),
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
    latest: Any,
    profiles: Iterable[Any],
    coverage: Mapping[str, str],
    trend: Iterable[TrendPoint] = (),
    only: ControlFilter | None = None,
) -> ScoreOverview:
    """The overview of one tenant from the newest SDK ``SecureScore`` and its SDK control profiles."""
    rows = ranked(r for r in control_rows(latest, profiles, coverage) if only is None or only(r))
    daily = daily_score(latest) if latest is not None else None
    return ScoreOverview(
        tenant=tenant,
        tenant_id=tenant_id or (_text(latest.azure_tenant_id) if latest is not None else ""),
        scored_at=_aware(latest.created_date_time) if latest is not None else None,
        current=daily.current if daily else None,
        max_score=daily.max_score if daily else None,
        comparisons=daily.comparisons if daily else (),
        controls=tuple(rows),
        trend=tuple(trend),
    )

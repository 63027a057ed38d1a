"""The tenant's Secure Score overview and history *from history alone*: for reports and offline views.

:func:`secure_score_overview` is the one query the HTML report (and anything else that must not
call the tenant) renders its Secure Score section from: the newest assessed total, Microsoft's
comparison averages, every control profile as the last assessment read it (ranked by points
available, with the covering plugin), and the daily trend — imported days included, so a tenant
assessed once already shows up to 90 days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scorekeeper.domain.securescore import ControlScore, ScoreOverview, TrendPoint
from scorekeeper.securescore.overview import ControlFilter, ranked


def secure_score_overview(
    store: Any,
    tenant: str,
    coverage: Mapping[str, str] | None = None,
    *,
    days: int = 90,
    only: ControlFilter | None = None,
) -> ScoreOverview | None:
    """``tenant``'s whole Secure Score as history holds it, or ``None`` when nothing was recorded.

    ``coverage`` maps control id → the plugin that covers it (``{c.id: c.plugin for c in
    plugins.controls.values()}``); without it no control is marked covered.
    """
    return assemble(tenant, store.latest_tenant_score(tenant), tuple(store.score_trend(tenant, days)), coverage, only)


def secure_score_overviews(
    store: Any, tenants: Sequence[str], coverage: Mapping[str, str] | None = None, *, days: int = 90
) -> dict[str, ScoreOverview]:
    """:func:`secure_score_overview` of many tenants in a few statements (fleet reports).

    Tenants whose history holds no whole score are left out, as ``secure_score_overview`` returns ``None`` for them.
    """
    latest = store.latest_tenant_scores(tenants)
    trends = store.score_trends(tenants, days)
    found = {}
    for tenant in tenants:
        overview = assemble(tenant, latest.get(tenant), tuple(trends.get(tenant, ())), coverage)
        if overview is not None:
            found[tenant] = overview
    return found


def assemble(
    tenant: str,
    latest: tuple[Any, list[dict[str, Any]]] | None,
    trend: tuple[TrendPoint, ...],
    coverage: Mapping[str, str] | None = None,
    only: ControlFilter | None = None,
) -> ScoreOverview | None:
    """The overview from the newest assessed score (with its profiles) and the daily trend."""
    if latest is None and not trend:
        return None
    covered = dict(coverage or {})
    controls: tuple[ControlScore, ...] = ()
    if latest is not None:
        score, profiles = latest
        rows = [ControlScore.from_dict(p, covered.get(str(p.get("id")), "")) for p in profiles]
        controls = tuple(ranked(r for r in rows if only is None or only(r)))
        return ScoreOverview(
            tenant=tenant,
            tenant_id="",
            scored_at=score.scored_at,
            current=score.current,
            max_score=score.max_score,
            comparisons=score.comparisons,
            controls=controls,
            trend=trend,
        )
    newest = trend[-1]
    return ScoreOverview(
        tenant=tenant,
        tenant_id="",
        scored_at=None,
        current=newest.score,
        max_score=newest.max_score,
        comparisons=(),
        controls=controls,
        trend=trend,
    )

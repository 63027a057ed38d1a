"""What the engine does with a tenant's whole Secure Score: read it live, record it, import its history.

Every function takes the Graph client and the history store it is given; the engine owns the
session (credentials, simulator) and calls these inside it.

* :func:`read_overview` — the ``score`` command and the TUI: today's score and every control
  profile, read now (and kept as a ``read`` row), with the trend from history. A tenant seen
  for the first time gets Microsoft's kept history (up to 90 daily entries) imported first.
* :func:`assessed_score` — every assessment: the tenant's total beside the per-control
  snapshots, and the control profiles, so reports can render the whole score from history;
  read through the controls' shared ``$batch`` (no request of its own; a fleet's first run of a
  tenant adds the kept days' read to that batch) and stored by the engine with the run, in one commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from scorekeeper.domain.securescore import AssessedScore, DailyScore, ScoreOverview
from scorekeeper.securescore.overview import ControlFilter, build_overview, control_rows
from scorekeeper.securescore.read import MAX_DAYS, daily_score, read_control_profiles, read_daily_scores

log = logging.getLogger("scorekeeper.securescore")


async def _scores_for(graph: Any, store: Any, tenant: str) -> tuple[list[dict[str, Any]], bool]:
    """Today's entry, or Microsoft's whole kept history when ``tenant`` has none recorded yet."""
    first = not await asyncio.to_thread(store.has_tenant_scores, tenant)
    return await read_daily_scores(graph, MAX_DAYS if first else 1), first


async def _history_or(graph: Any, tenant: str, today: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Microsoft's kept history (newest first) to import; ``today`` alone when it cannot be read."""
    from scorekeeper.securescore.read import SecureScoreReadError

    try:
        return await read_daily_scores(graph, MAX_DAYS) or today
    except SecureScoreReadError as exc:
        log.warning("Secure Score history of %s not imported: %s", tenant, exc)
        return today


async def _import(store: Any, tenant: str, older: list[DailyScore]) -> int:
    if not older:
        return 0
    return int(await asyncio.to_thread(store.record_tenant_scores, tenant, older, source="imported"))


async def read_overview(
    graph: Any,
    store: Any,
    tenant: str,
    tenant_id: str,
    coverage: Mapping[str, str],
    only: ControlFilter | None = None,
) -> ScoreOverview:
    """Today's Secure Score of ``tenant`` with every control profile, and its trend from history."""
    (scores, first), profiles = await asyncio.gather(_scores_for(graph, store, tenant), read_control_profiles(graph))
    if first:
        imported = await _import(store, tenant, [daily_score(m) for m in scores])
        log.info("imported %d daily Secure Score entries of %s", imported, tenant)
    latest = scores[0] if scores else None
    if latest is not None:  # history stays as current as what the admin just saw
        rows = control_rows(latest, profiles, {})
        await asyncio.to_thread(store.record_tenant_scores, tenant, [daily_score(latest)], source="read", profiles=rows)
    trend = await asyncio.to_thread(store.score_trend, tenant)
    return build_overview(tenant, tenant_id, latest, profiles, coverage, trend, only)


async def assessed_score(
    graph: Any, store: Any, tenant: str, shared: Any = None, *, first: bool | None = None
) -> AssessedScore | None:
    """The tenant's total and control profiles for the assessment under way; history to import on a first run.

    The engine keeps the result with the run, in the run's own commit (``HistoryStore.record_run``).
    With ``shared`` (the assessment's ``SharedReads``) today's entry and the profiles come from
    the controls' own ``$batch`` (one ``secureScores`` request serves both); only a tenant's first
    run reads Microsoft's kept history (up to 90 entries), to import it: in that same ``$batch``
    when ``first`` is known beforehand, else in a request of its own once the store has said so.
    ``first`` says whether history holds no whole score of the tenant yet (the engine asks once
    for the whole fleet); ``None`` asks the store. Returns ``None`` when Secure Score could not be read:
    the assessment of the controls goes on regardless (their own findings say what they could
    not read).
    """
    from scorekeeper.securescore.read import SecureScoreReadError, read_assessment_scores

    try:
        if shared is not None:  # first, before any wait: its reads join the controls' batch of this turn
            # A first run known beforehand (a fleet asks once for all) reads the kept days in that batch too.
            asked = bool(first)
            scores, profiles, kept = await read_assessment_scores(graph, shared, MAX_DAYS if asked else 0)
            if first is None:
                first = not await asyncio.to_thread(store.has_tenant_scores, tenant)
            if first and scores:
                if not asked:
                    scores = await _history_or(graph, tenant, scores)
                elif isinstance(kept, SecureScoreReadError):  # today's and the profiles were read: import today alone
                    log.warning("Secure Score history of %s not imported: %s", tenant, kept)
                else:
                    scores = kept or scores
        else:
            (scores, first), profiles = await asyncio.gather(
                _scores_for(graph, store, tenant), read_control_profiles(graph)
            )
    except SecureScoreReadError as exc:
        log.warning("Secure Score of %s not recorded: %s", tenant, exc)
        return None
    if not scores:
        return None
    daily = [daily_score(m) for m in scores]
    rows = control_rows(scores[0], profiles, {})
    return AssessedScore(daily[0], tuple(rows), tuple(daily[1:]) if first else ())

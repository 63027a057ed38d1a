"""Deciding what counts as drift between two assessments of the same tenant.

Pure functions over domain objects, so the rule can be read and tested without a database:
a setting *regressed* when it passed before and fails now (a setting that merely became
unreadable is ``unknown``, not a regression — nothing is invented); a score *dropped* when the
tenant reports a lower score for the control than it did at the previous assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scorekeeper.model import Finding, SecureScore, Status
from scorekeeper.store.records import DriftEvent


def regressed_settings(
    tenant: str, previous: Iterable[Finding], current: Iterable[Finding], *, run_id: int, previous_run_id: int
) -> list[DriftEvent]:
    """One ``setting_regressed`` event per setting that went from ``pass`` to ``fail``."""
    before = {(f.control, f.setting): f for f in previous}
    events = []
    for finding in current:
        old = before.get((finding.control, finding.setting))
        if old is None or old.status is not Status.PASS or finding.status is not Status.FAIL:
            continue
        events.append(
            DriftEvent(
                tenant=tenant,
                control=finding.control,
                setting=finding.setting,
                kind="setting_regressed",
                run_id=run_id,
                previous_run_id=previous_run_id,
                detail={
                    "previous_status": old.status.value,
                    "status": finding.status.value,
                    "previous_value": old.current,
                    "value": finding.current,
                    "desired": finding.desired,
                    "reason": finding.reason,
                },
            )
        )
    return events


def dropped_scores(
    tenant: str,
    previous: Mapping[str, SecureScore],
    current: Mapping[str, SecureScore],
    *,
    run_id: int,
    previous_run_id: int,
) -> list[DriftEvent]:
    """One ``score_dropped`` event per control whose reported score is lower than before."""
    events = []
    for control, now in current.items():
        old = previous.get(control)
        if old is None or old.score is None or now.score is None or now.score >= old.score:
            continue
        events.append(
            DriftEvent(
                tenant=tenant,
                control=control,
                setting=None,
                kind="score_dropped",
                run_id=run_id,
                previous_run_id=previous_run_id,
                detail={
                    "previous_score": old.score,
                    "score": now.score,
                    "max_score": now.max_score,
                },
            )
        )
    return events

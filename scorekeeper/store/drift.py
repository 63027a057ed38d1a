"""Drift events of one assessment, as the store records them.

Pure functions over domain objects, so the rule can be read and tested without a database. A
setting with a baseline *drifted* when its value differs from the baseline (the judgement is
``domain/baseline.py``; :func:`baseline_drift` only turns it into events). Without a baseline,
a setting *regressed* when it passed before and fails now, or is back in a non-final stage (an
enforced Conditional Access policy set back to report-only enforces nothing any more); a setting
that merely became unreadable is ``unknown``, and one that now reads ``advice`` is no requirement
of this configuration: neither is a regression (nothing is invented); a score *dropped* when the
tenant reports a lower score for the control than it did at the previous assessment, or a lower
total Secure Score (control ``SecureScore``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from scorekeeper.domain.baseline import WHO_UNKNOWN, Drift
from scorekeeper.domain.model import Finding, SecureScore, Status
from scorekeeper.domain.securescore import DailyScore
from scorekeeper.store.records import DriftEvent

#: What a passing setting can become that counts as drift.
_REGRESSED = (Status.FAIL, Status.STAGED)


def regressed_settings(
    tenant: str,
    previous: Iterable[Finding],
    current: Iterable[Finding],
    *,
    run_id: int,
    previous_run_id: int,
    skip: Collection[tuple[str, str]] = (),
) -> list[DriftEvent]:
    """One ``setting_regressed`` event per setting that went from ``pass`` to ``fail`` or ``staged``.

    ``skip`` are ``(control, setting)`` pairs judged otherwise: against a baseline, or restored
    by scorekeeper's own rollback.
    """
    before = {(f.control, f.setting): f for f in previous}
    events = []
    for finding in current:
        if (finding.control, finding.setting) in skip:
            continue
        old = before.get((finding.control, finding.setting))
        if old is None or old.status is not Status.PASS or finding.status not in _REGRESSED:
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


def baseline_drift(
    tenant: str,
    found: Iterable[Drift],
    *,
    run_id: int,
    at: datetime,
    authors: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
) -> list[DriftEvent]:
    """One ``setting_drifted`` event per setting whose value left its baseline (``domain/baseline.py``).

    ``previous_run_id`` is the run that established the baseline; ``detail`` says what the
    baseline is, what the setting reads now and since when (``who``/``when`` are added by the
    engine from the tenant's audit log, when it can read it).
    """
    return [
        DriftEvent(
            tenant=tenant,
            control=d.baseline.control,
            setting=d.baseline.setting,
            kind="setting_drifted",
            run_id=run_id,
            previous_run_id=d.baseline.run_id,
            detail={
                "baseline": d.baseline.value,
                "value": d.current,
                "baseline_source": d.baseline.source,
                "baseline_at": d.baseline.at.isoformat(),
                "since": at.isoformat(),
                "status": d.finding.status.value,
                "desired": d.finding.desired,
                "reason": d.finding.reason,
                "who": (authors or {}).get(d.baseline.key, {}).get("who") or WHO_UNKNOWN,
                "when": (authors or {}).get(d.baseline.key, {}).get("when") or "",
            },
            at=at,
        )
        for d in found
    ]


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


#: The ``control`` of a ``score_dropped`` event about the tenant's whole Secure Score.
TOTAL_CONTROL = "SecureScore"


def dropped_totals(
    tenant: str,
    previous: DailyScore | None,
    current: DailyScore | None,
    *,
    run_id: int,
    previous_run_id: int,
    already_compared: Iterable[str] = (),
) -> list[DriftEvent]:
    """``score_dropped`` for the tenant's total, and for each control outside ``already_compared``.

    ``already_compared`` are the controls whose plugin snapshots :func:`dropped_scores` compares,
    so a drop is reported once.
    """
    if previous is None or current is None:
        return []
    events = []
    if previous.current is not None and current.current is not None and current.current < previous.current:
        events.append(
            DriftEvent(
                tenant=tenant,
                control=TOTAL_CONTROL,
                setting=None,
                kind="score_dropped",
                run_id=run_id,
                previous_run_id=previous_run_id,
                detail={"previous_score": previous.current, "score": current.current, "max_score": current.max_score},
            )
        )
    skip = set(already_compared)
    for control, score in sorted(current.controls.items()):
        old = previous.controls.get(control)
        if control in skip or old is None or score >= old:
            continue
        events.append(
            DriftEvent(
                tenant=tenant,
                control=control,
                setting=None,
                kind="score_dropped",
                run_id=run_id,
                previous_run_id=previous_run_id,
                detail={"previous_score": old, "score": score, "max_score": None},
            )
        )
    return events

"""Rows to domain objects and back: the one place that knows both shapes.

Everything outside ``scorekeeper.store`` sees only ``scorekeeper.domain.model`` objects; keeping the
mapping here means a column rename touches one function, not every query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from scorekeeper.domain.impact import Impact
from scorekeeper.domain.model import (
    Actor,
    Attestation,
    Change,
    Finding,
    Organization,
    Outcome,
    RemediationKind,
    SecureScore,
    Status,
    Verification,
)
from scorekeeper.domain.staging import Stage
from scorekeeper.store.digestcache import DigestCache, canonical_digest
from scorekeeper.store.records import DriftEvent
from scorekeeper.store.tables import AttestationRow, ChangeRow, DriftEventRow, FindingBodyRow, RunRow, ScoreSnapshotRow

#: The evidence key under which a verification finding's :class:`Verification` is stored.
VERIFICATION_KEY = "_verification"
#: The evidence keys under which a finding's :class:`Impact` and :class:`Stage` are stored (issue 25):
#: like the verification, they travel in the evidence JSON column instead of columns of their own,
#: so history keeps who a planned change affects and where a rollout stands without a migration,
#: and the body's digest covers them.
IMPACT_KEY = "_impact"
STAGE_KEY = "_stage"


def body_values(finding: Finding) -> dict[str, Any]:
    """Column values of a finding's body, with the ``digest`` that identifies them (see ``FindingBodyRow``)."""
    values = body_columns(finding)
    values["digest"] = body_digest(values)
    return values


def body_columns(finding: Finding) -> dict[str, Any]:
    """The columns a body's digest covers (:data:`BODY_FIELDS`), as stored."""
    return {
        "control": finding.control,
        "setting": finding.setting,
        "title": finding.title,
        "status": Status(finding.status).value,
        "current": finding.current,
        "desired": finding.desired,
        "remediation": RemediationKind(finding.remediation).value,
        "reason": finding.reason,
        "steps": list(finding.steps),
        "missing_permissions": list(finding.missing_permissions),
        "excepted": finding.excepted,
        # Whether a verified write stuck travels with the evidence: no column of its own needed.
        "evidence": dict(finding.evidence)
        | ({VERIFICATION_KEY: finding.verification.value} if finding.verification else {})
        | ({IMPACT_KEY: finding.impact.to_dict()} if finding.impact else {})
        | ({STAGE_KEY: finding.stage.to_dict()} if finding.stage else {}),
    }


def body_digest(values: dict[str, Any]) -> str:
    """SHA-256 of the body's canonical JSON: equal findings, equal digests, on any backend."""
    return canonical_digest({k: values[k] for k in BODY_FIELDS})


#: Digests of findings seen by this process (see ``digestcache.py``).
_DIGESTS = DigestCache(50_000)


def _finding_fields(finding: Finding) -> tuple[Any, ...]:
    """Every field a finding's body digest covers, as values ``marshal`` can key.

    The same leaves as :func:`body_columns` (``DigestCache.digest`` relies on it): enum members
    as their text, the evidence, impact and stage as the body holds them.
    """
    verification = finding.verification
    return (
        finding.control,
        finding.setting,
        finding.title,
        str(finding.status),
        finding.current,
        finding.desired,
        str(finding.remediation),
        finding.reason,
        finding.steps,
        finding.missing_permissions,
        finding.excepted,
        finding.evidence,
        None if verification is None else str(verification),
        None if finding.impact is None else finding.impact.to_dict(),
        None if finding.stage is None else finding.stage.to_dict(),
    )


def finding_digest(finding: Finding) -> str:
    """``body_values(finding)["digest"]``, from the process's cache when this finding was seen before."""
    return _DIGESTS.digest(_finding_fields(finding), lambda: body_columns(finding))


def finding_digests(findings: Sequence[Finding]) -> list[str]:
    """:func:`finding_digest` of each of ``findings``, in order (a run's, in one call)."""
    return _DIGESTS.digests([_finding_fields(f) for f in findings], lambda i: body_columns(findings[i]))


#: The columns a digest covers: every column of a body but its id and the digest itself.
BODY_FIELDS = (
    "control",
    "setting",
    "title",
    "status",
    "current",
    "desired",
    "remediation",
    "reason",
    "steps",
    "missing_permissions",
    "excepted",
    "evidence",
)


def finding_from_row(row: FindingBodyRow | Any) -> Finding:
    """A finding from its stored body: a ``FindingBodyRow`` or a Core row of its columns."""
    evidence = dict(row.evidence or {})
    verification = evidence.pop(VERIFICATION_KEY, None)
    impact = evidence.pop(IMPACT_KEY, None)
    stage = evidence.pop(STAGE_KEY, None)
    return Finding(
        control=row.control,
        setting=row.setting,
        status=Status(row.status),
        current=row.current,
        desired=row.desired,
        reason=row.reason,
        title=row.title,
        remediation=RemediationKind(row.remediation),
        steps=tuple(row.steps or ()),
        evidence=evidence,
        missing_permissions=tuple(row.missing_permissions or ()),
        excepted=row.excepted,
        verification=Verification(verification) if verification else None,
        impact=Impact.from_dict(impact) if isinstance(impact, dict) else None,
        stage=Stage.from_dict(stage) if isinstance(stage, dict) else None,
    )


def change_values(run_id: int, control: str, change: Change, started_at: datetime) -> dict[str, Any]:
    """The columns of a change's pending row (``finished_at`` stays NULL until its outcome)."""
    return {
        "run_id": run_id,
        "control": control,
        "setting": change.setting,
        "before": change.before,
        "after": change.after,
        "outcome": Outcome(change.outcome).value,
        "resource": dict(change.resource),
        "created": change.created,
        "error": change.error,
        "started_at": started_at,
        "rolled_back_by_run_id": change.rolled_back_by,
    }


def change_row(run_id: int, control: str, change: Change, started_at: datetime) -> ChangeRow:
    return ChangeRow(**change_values(run_id, control, change, started_at))


def change_from_row(row: ChangeRow) -> Change:
    return change_from_columns(
        row.setting,
        row.before,
        row.after,
        row.outcome,
        row.resource,
        row.created,
        row.error,
        row.id,
        row.rolled_back_by_run_id,
    )


def change_from_columns(
    setting: str,
    before: Any,
    after: Any,
    outcome: str,
    resource: Mapping[str, Any] | None,
    created: bool,
    error: str,
    change_id: int | None,
    rolled_back_by: int | None,
) -> Change:
    """A stored change as the domain sees it, from its columns (an ORM row's or a plain select's)."""
    return Change(
        setting=setting,
        before=before,
        after=after,
        outcome=Outcome(outcome),
        resource=dict(resource or {}),
        created=bool(created),
        error=error,
        id=change_id,
        rolled_back_by=rolled_back_by,
    )


def score_from_row(row: ScoreSnapshotRow) -> SecureScore:
    return SecureScore(control=row.control, score=row.score, max_score=row.max_score, taken_at=row.taken_at)


def attestation_from_row(row: AttestationRow) -> Attestation:
    return Attestation(tenant=row.tenant, control=row.control, setting=row.setting, by=row.by, note=row.note, at=row.at)


def drift_to_row(event: DriftEvent, at: datetime) -> DriftEventRow:
    """The row that keeps ``event``; ``at`` where the event carries no time of its own."""
    return DriftEventRow(
        tenant=event.tenant,
        control=event.control,
        setting=event.setting,
        kind=event.kind,
        previous_run_id=event.previous_run_id,
        run_id=event.run_id,
        detail=dict(event.detail),
        at=event.at or at,
    )


def drift_from_row(row: DriftEventRow) -> DriftEvent:
    return DriftEvent(
        id=row.id,
        tenant=row.tenant,
        control=row.control,
        setting=row.setting,
        kind=row.kind,
        previous_run_id=row.previous_run_id,
        run_id=row.run_id,
        detail=dict(row.detail or {}),
        at=row.at,
    )


def organization_from_row(row: RunRow) -> Organization | None:
    """The tenant's names as the run read them; ``None`` when it read none (or ran before 0008)."""
    if row.org_display_name is None and row.org_primary_domain is None and not row.org_unread:
        return None
    return Organization(row.org_display_name, row.org_primary_domain, row.org_unread or "")


def actor_from_row(row: RunRow) -> Actor:
    """Who acted in a run, as recorded on it ("" where unknown)."""
    return Actor(os_user=row.os_user or "", host=row.host or "", identity=row.identity or "")

"""Build the :class:`~scorekeeper.reports.model.Report` of some runs from history, and nothing else.

No tenant is contacted: every value comes from the history store (runs, findings, changes,
score snapshots, attestations, drift) and, for what history does not keep (a setting's
documentation link, the dated platform changes a plugin declares), from the installed plugins'
declarations. What neither holds is left ``None`` and rendered "not recorded".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.coverage import Coverage, judge_coverage
from scorekeeper.domain.display import stage_moved_to
from scorekeeper.domain.model import (
    Attestation,
    Control,
    Finding,
    Organization,
    RunResult,
    SecureScore,
    Setting,
    Status,
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import ReportError as ReportError
from scorekeeper.reports.collector import collector_paused
from scorekeeper.reports.model import (
    AttestationInfo,
    Branding,
    ChangeAheadInfo,
    ControlSection,
    ExceptionInfo,
    LedgerEntry,
    OrganizationSource,
    ProfileRow,
    Report,
    RunInfo,
    ScorePoint,
    ScoreSeries,
    SecureScoreSection,
    SettingRow,
    StatusChange,
    TenantSection,
    status_counts,
)

if TYPE_CHECKING:
    from scorekeeper.domain.securescore import ScoreOverview
    from scorekeeper.store.history import HistoryStore
    from scorekeeper.store.orgnames import KnownOrganization
    from scorekeeper.store.records import DriftEvent

#: How many score snapshots per control the trend shows (the newest ones).
TREND_LIMIT = 90

#: Run kinds whose findings are an assessment (compared with the previous one).
ASSESSING = ("assess", "plan")

# The engine words a covering exception "accepted risk until <ISO date>: <reason>"
# (Engine._apply_policy); the date is what "days left" counts down to.
_EXPIRES = re.compile(r"until (\d{4}-\d{2}-\d{2})")


@collector_paused()
def build_report(
    store: HistoryStore,
    run_ids: Sequence[int],
    *,
    controls: Mapping[str, Control] | None = None,
    generator: dict[str, Any] | None = None,
    now: datetime | None = None,
    report_id: str | None = None,
    branding: Branding | None = None,
) -> Report:
    """The report of ``run_ids`` (one tenant section per run, in the order given).

    ``controls`` are the installed plugins' declarations (for documentation links and dated
    platform changes); ``generator`` names the scorekeeper and plugin versions making the report.
    """
    now = now or datetime.now(UTC)
    declared = dict(controls or {})
    found = store.runs_by_id(run_ids)
    missing = [str(i) for i in run_ids if i not in found]
    if missing:
        raise ReportError(f"no run {', '.join(missing)} in history")
    runs = [found[i] for i in dict.fromkeys(run_ids)]
    tenants = sorted({r.tenant for r in runs})
    history = _History(
        tenant_ids=store.tenant_ids(),
        drift=store.drift_of_runs(r.run_id for r in runs),
        previous=store.previous_run_ids((r.run_id, r.tenant) for r in runs if r.kind in ASSESSING),
        scores=store.score_histories(tenants, limit=TREND_LIMIT),
        attestations=store.attestations_of(tenants),
        # Runs that read no names themselves (remediations, verifications, rollbacks): the names
        # the tenant's newest earlier run recorded, said to come from that run (store/orgnames.py).
        organizations=store.organizations_known_at(r.run_id for r in runs if r.organization is None),
    )
    history.previous_statuses = store.finding_statuses(history.previous.values())
    # Whom a remediation's changes affected is recorded on the run it was planned from (its
    # findings' impact and stage, committed before the confirmation): one read per such run.
    history.planned = {r.run_id: store.planned_from(r.run_id)[1] for r in runs if r.kind == "remediate" and r.changes}
    from scorekeeper.securescore.history import secure_score_overviews

    coverage = {c.id: c.plugin for c in declared.values()}
    overviews = secure_score_overviews(store, tenants, coverage)
    history.secure_score = {t: _secure_score(o) for t, o in overviews.items()}
    # The one judgement of coverage (score, dashboard and reports say the same).
    newest = store.latest_run_ids(overviews)
    statuses = store.finding_statuses(newest.values())
    history.coverage = {
        t: judge_coverage(o.controls, declared, statuses=statuses.get(newest.get(t, -1), {}))
        for t, o in overviews.items()
    }
    sections = tuple(_tenant(run, declared, history, now) for run in runs)
    return Report(
        report_id=report_id or str(uuid.uuid4()),
        generated_at=now,
        generator=generator or {},
        tenants=sections,
        branding=branding or Branding(),
    )


def latest_assessments(store: HistoryStore, tenants: Iterable[str]) -> list[int]:
    """The newest assessment run of each tenant; :class:`ReportError` names a tenant with none."""
    names = list(dict.fromkeys(tenants))
    latest = store.latest_run_ids(names, "assess")
    missing = [n for n in names if n not in latest]
    if missing:
        raise ReportError(f"no assessment in history for {', '.join(missing)}: run `scorekeeper assess` first")
    return [latest[n] for n in names]


@dataclass
class _History:
    """What history holds about the reported runs beyond the runs themselves, read in bulk."""

    tenant_ids: dict[str, str]
    drift: dict[int, list[DriftEvent]]
    previous: dict[int, int]
    scores: dict[tuple[str, str], list[SecureScore]]
    attestations: dict[str, list[Attestation]]
    organizations: dict[int, KnownOrganization] = field(default_factory=dict)
    previous_statuses: dict[int, dict[tuple[str, str], str]] = field(default_factory=dict)
    planned: dict[int, list[Finding]] = field(default_factory=dict)  # remediation run → its plan's findings
    secure_score: dict[str, SecureScoreSection] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    #: One row per distinct finding object (runs share the finding bodies they share in history,
    #: ``store.bulk``), so that equal settings across a fleet are one row the renderers see once.
    rows: dict[tuple[int, int, AttestationInfo | None], tuple[Finding, SettingRow, Setting | None]] = field(
        default_factory=dict
    )


def _tenant(run: RunResult, declared: Mapping[str, Control], history: _History, now: datetime) -> TenantSection:
    attested = _attestations(history.attestations.get(run.tenant, []), run)
    controls = tuple(_control(c, declared.get(c.control), attested, now.date(), history.rows) for c in run.controls)
    previous_id = history.previous.get(run.run_id)
    changes = _since_previous(run, history.previous_statuses.get(previous_id, {})) if previous_id else ()
    ledger = _ledger(run, history.planned.get(run.run_id, []))
    open_changes = [e for e in ledger if e.outcome != "failed" and e.rolled_back_by is None]
    rollback = f"scorekeeper rollback {run.run_id}" if run.kind == "remediate" and open_changes else None
    org, source = _organization(run, history.organizations.get(run.run_id))
    return TenantSection(
        name=run.tenant,
        tenant_id=history.tenant_ids.get(run.tenant) or None,
        display_name=org.display_name if org else None,  # as GET /organization named it (in `source`)
        primary_domain=org.primary_domain if org else None,
        run=RunInfo(
            id=run.run_id,
            kind=run.kind,
            status=run.status,
            started_at=run.started_at,
            finished_at=run.finished_at,
            actor=_actor(run),
            versions=dict(run.versions) if run.versions else None,  # runs before migration 0007: None
        ),
        controls=controls,
        counts=status_counts([(s.status, s.excepted) for c in controls for s in c.settings]),
        previous_run_id=previous_id,
        changes_since_previous=changes,
        drift=tuple(_drift_line(e) for e in history.drift.get(run.run_id, [])),
        ledger=ledger,
        rollback_command=rollback,
        trend=_trend(run, history.scores),
        changes_ahead=_changes_ahead(run, declared, now.date()),
        secure_score=history.secure_score.get(run.tenant),
        coverage=history.coverage.get(run.tenant),
        organization_unread=(org.unread or None) if org else None,
        organization_recorded_by=source,
    )


def _organization(
    run: RunResult, known: KnownOrganization | None
) -> tuple[Organization | None, OrganizationSource | None]:
    """The names a section shows and the run that read them: the run's own, else the newest earlier record.

    ``(None, None)`` when neither exists (runs before migration 0008 with nothing recorded before
    them): the report says "not recorded" rather than guess.
    """
    if run.organization is not None:
        return run.organization, OrganizationSource(run.run_id, run.kind, run.started_at)
    if known is not None:
        return known.organization, OrganizationSource(known.run_id, known.kind, known.started_at)
    return None, None


def _actor(run: RunResult) -> str | None:
    """``user@host as identity`` as the run recorded it; ``None`` for runs from before it was recorded."""
    actor = run.actor
    if actor is None or not (actor.os_user or actor.host or actor.identity):
        return None
    return str(actor)


def _control(
    result: Any,
    declared: Control | None,
    attested: Mapping[tuple[str, str], AttestationInfo],
    today: date,
    memo: dict[tuple[int, int, AttestationInfo | None], tuple[Finding, SettingRow, Setting | None]],
) -> ControlSection:
    declared_settings = {s.id: s for s in declared.settings} if declared else {}
    rows = []
    for f in result.findings:
        setting = declared_settings.get(f.setting)
        key = (id(f), id(setting), attested.get((f.control, f.setting)))
        if key not in memo:  # the finding (and declaration) kept with its row, so their ids stay their own
            memo[key] = (f, _setting(f, setting, key[2], today), setting)
        rows.append(memo[key][1])
    settings = tuple(rows)
    return ControlSection(
        id=result.control,
        title=result.title or (declared.title if declared else result.control),
        plugin=declared.plugin if declared else "",
        score=result.score.score if result.score else None,
        max_score=result.score.max_score if result.score else None,
        error=result.error,
        settings=settings,
        counts=status_counts([(s.status, s.excepted) for s in settings]),
    )


def _setting(
    finding: Finding, declared: Setting | None, attestation: AttestationInfo | None, today: date
) -> SettingRow:
    """A finding as a report row, with what the installed plugin declares about its setting.

    The documentation link and the verdict level (criterion, baseline, advice) are declarations,
    not history: a setting whose plugin is not installed has neither ("not recorded").
    """
    return SettingRow(
        control=finding.control,
        setting=finding.setting,
        title=finding.title or finding.setting,
        status=finding.status,
        current=finding.current,
        desired=finding.desired,
        reason=finding.reason,
        remediation=finding.remediation,
        steps=finding.steps,
        evidence=dict(finding.evidence),
        missing_permissions=finding.missing_permissions,
        exception=_exception(finding.excepted, today),
        attestation=attestation,
        docs_url=declared.docs_url if declared else "",
        level=declared.level if declared else None,
        baselines=declared.baselines if declared else (),
        level_source=declared.level_source if declared else "",
        impact=finding.impact,
        stage=finding.stage,
        wording=declared.value_words if declared else (),
    )


def _exception(text: str, today: date) -> ExceptionInfo | None:
    if not text:
        return None
    match = _EXPIRES.search(text)
    expires = date.fromisoformat(match.group(1)) if match else None
    return ExceptionInfo(text=text, expires=expires, days_left=(expires - today).days if expires else None)


def _attestations(attestations: list[Attestation], run: RunResult) -> dict[tuple[str, str], AttestationInfo]:
    """The newest attestation of each setting made up to the end of the run."""
    newest: dict[tuple[str, str], AttestationInfo] = {}
    for att in attestations:  # oldest first: later ones replace earlier ones
        if att.at <= run.finished_at:
            newest[(att.control, att.setting)] = AttestationInfo(by=att.by, at=att.at, note=att.note)
    return newest


def _since_previous(run: RunResult, before: Mapping[tuple[str, str], str]) -> tuple[StatusChange, ...]:
    """The settings whose status differs from the previous completed assessment's."""
    changes = []
    for finding in run.findings:
        old = before.get((finding.control, finding.setting), "absent")
        if old != finding.status.value:
            title = finding.title or finding.setting
            changes.append(StatusChange(finding.control, finding.setting, title, old, finding.status.value))
    return tuple(changes)


def _ledger(run: RunResult, planned: Sequence[Finding] = ()) -> tuple[LedgerEntry, ...]:
    """Each recorded write with its read-back, and whom it affected as the run it was planned from says."""
    entries = []
    plan = {(f.control, f.setting): f for f in planned}
    for control in run.controls:
        verified = {f.setting: f for f in control.findings}
        for change in control.changes:
            check = verified.get(change.setting)
            source = plan.get((control.control, change.setting))
            impact = source.impact if source else None
            entries.append(
                LedgerEntry(
                    change_id=change.id,
                    control=control.control,
                    setting=change.setting,
                    before=change.before,
                    after=change.after,
                    outcome=change.outcome.value,
                    error=change.error,
                    created=change.created,
                    resource=dict(change.resource),
                    # a first stage reached (report-only written) reads back staged: as intended
                    verified=None if check is None else check.status in (Status.PASS, Status.STAGED),
                    verified_status=check.status.value if check else "",
                    rolled_back_by=change.rolled_back_by,
                    impact=impact,
                    stage=(stage_moved_to(source) or "") if source else "",
                    accepted=bool(impact and impact.blocks),
                )
            )
    return tuple(entries)


def _drift_line(event: DriftEvent) -> str:
    detail = event.detail
    if event.kind == "score_dropped":
        return (
            f"{event.control}: Secure Score fell from {detail.get('previous_score')} to {detail.get('score')}"
            f" (of {detail.get('max_score')}) since run {event.previous_run_id}"
        )
    if event.kind == "setting_drifted":  # against the baseline a remediation, attestation or exception set
        from scorekeeper.reports.values import words

        who = detail.get("who") or "not known (the audit log did not say)"
        at = f" at {detail['when']}" if detail.get("when") else ""
        return (
            f"{event.control}/{event.setting}: moved away from the value scorekeeper established"
            f" ({words(detail.get('baseline'))}) to {words(detail.get('value'))}; who: {who}{at}"
        )
    return (
        f"{event.control}/{event.setting}: stopped passing ({detail.get('previous_status')} →"
        f" {detail.get('status')}) since run {event.previous_run_id}"
    )


def _trend(run: RunResult, scores: Mapping[tuple[str, str], list[SecureScore]]) -> tuple[ScoreSeries, ...]:
    series = []
    for control in run.controls:
        points = tuple(
            ScorePoint(at=s.taken_at, score=s.score, max_score=s.max_score)
            for s in scores.get((run.tenant, control.control), [])
            if s.taken_at is not None and s.taken_at <= run.finished_at
        )
        if points:
            series.append(ScoreSeries(key=control.control, label=control.title or control.control, points=points))
    return tuple(series)


def _secure_score(overview: ScoreOverview) -> SecureScoreSection:
    """The whole Secure Score as :mod:`scorekeeper.securescore.history` assembles it from history."""
    points = tuple(ScorePoint(at=_midnight(p.day), score=p.score, max_score=p.max_score) for p in overview.trend)
    return SecureScoreSection(
        scored_at=overview.scored_at,
        current=overview.current,
        max_score=overview.max_score,
        comparisons=tuple((c.basis, c.average) for c in overview.comparisons),
        controls=tuple(
            ProfileRow(
                id=c.id,
                title=c.title,
                category=c.category,
                score=c.score,
                max_score=c.max_score,
                available=c.available,
                covered_by=c.covered_by,
                action_url=c.action_url,
            )
            for c in overview.controls
        ),
        trend=ScoreSeries(key="total", label="Tenant Secure Score", points=points) if points else None,
    )


@cache
def _midnight(day: date) -> datetime:
    """A day as its first moment in UTC (a fleet's daily trends share their days: made once each)."""
    return datetime.combine(day, datetime.min.time(), UTC)


def _changes_ahead(run: RunResult, declared: Mapping[str, Control], today: date) -> tuple[ChangeAheadInfo, ...]:
    """The dated platform changes the installed plugins declare that touch this run's findings.

    :func:`scorekeeper.domain.platform_changes.changes_ahead` decides which apply; counted from the
    report's day, as a reader of the report needs them.
    """
    from scorekeeper.domain.platform_changes import changes_ahead

    found = []
    for result in run.controls:
        control = declared.get(result.control)
        if control is None:
            continue
        for ahead in changes_ahead(control, result.findings, today):
            change = ahead.change
            found.append(
                ChangeAheadInfo(
                    control=result.control,
                    on=change.on,
                    title=change.title,
                    settings=ahead.settings,
                    days_left=ahead.days_left,
                    action=change.action,
                    source=change.source,
                )
            )
    return tuple(sorted(found, key=lambda a: (a.on, a.control, a.title)))

"""The report model: one tenant or a fleet, as history holds it, before any format is chosen.

Every format (HTML, Markdown, JSON, CSV, ActionPlan, JUnit, SARIF) renders this model and
decides nothing itself: counts, points available, exception days left, "verified" and what
changed since the previous run are computed once, in :mod:`scorekeeper.reports.build`, so that
all formats agree with each other and with ``assess --json`` of the same run.

Nothing here is invented: what history does not hold is ``None`` (rendered "not recorded").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from scorekeeper.domain.coverage import Coverage, CoverageTotals, fleet_totals
from scorekeeper.domain.display import STATUS_ORDER as STATUS_ORDER
from scorekeeper.domain.display import status_rank
from scorekeeper.domain.impact import Impact
from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import RemediationKind, Status
from scorekeeper.domain.staging import Stage

#: Bumped on any change to the JSON shape (docs/report-schema.json carries the same number).
SCHEMA_VERSION = "1.4"


def status_counts(statuses: list[tuple[Status, bool]]) -> dict[str, int]:
    """Counts by status (as ``assess --json`` reports them) plus ``excepted`` (failing, accepted risk).

    ``statuses`` holds each finding's status and whether an exception covers it. An excepted
    finding keeps its status (``fail`` or ``unknown``) in the count, exactly as the run recorded
    it; ``excepted`` says how many of those an accepted risk covers.
    """
    counts = {s.value: 0 for s in STATUS_ORDER}
    counts["excepted"] = 0
    for status, excepted in statuses:
        counts[status.value] += 1
        counts["excepted"] += bool(excepted)
    return counts


@dataclass(frozen=True)
class ExceptionInfo:
    """An accepted-risk exception that covered a finding in this run."""

    text: str
    expires: date | None
    days_left: int | None  # from the report's date; negative once expired


@dataclass(frozen=True)
class AttestationInfo:
    """A person's statement that a guided setting was done (newest one up to the run)."""

    by: str
    at: datetime
    note: str


@dataclass(frozen=True)
class SettingRow:
    """One setting of one control in one tenant's run."""

    control: str
    setting: str
    title: str
    status: Status
    current: Any
    desired: Any
    reason: str
    remediation: RemediationKind
    steps: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    missing_permissions: tuple[str, ...] = ()
    exception: ExceptionInfo | None = None
    attestation: AttestationInfo | None = None
    docs_url: str = ""
    #: The requirement the setting is (``Setting.level`` of the installed plugin); None when the
    #: plugin that assessed it is not installed where the report is made ("not recorded").
    level: Level | None = None
    baselines: tuple[str, ...] = ()  # the baseline references the plugin cites for it
    level_source: str = ""  # Microsoft's (or the baseline's) page the level follows
    #: Whom remediating it would affect, as the run recorded it (``Finding.impact``).
    impact: Impact | None = None
    #: Where a staged rollout stands (``Finding.stage``), with ``Status.STAGED`` while not final.
    stage: Stage | None = None
    #: The plugin's wording of this setting's values (``Setting.value_words``), for :func:`words`.
    wording: tuple[tuple[Any, str], ...] = ()

    @property
    def current_words(self) -> str:
        """The current value as a person reads it (``reports.values.words``), never JSON."""
        from scorekeeper.reports.values import words

        return words(self.current, self.wording)

    @property
    def desired_words(self) -> str:
        from scorekeeper.reports.values import words

        return words(self.desired, self.wording)

    @property
    def excepted(self) -> bool:
        return self.exception is not None

    @property
    def failing(self) -> bool:
        """Fails and no exception covers it: what makes the exit code 3."""
        return self.status is Status.FAIL and not self.excepted

    @property
    def unassessed(self) -> bool:
        """Could not be read (``unknown``/``error``) and no exception covers it: exit code 1."""
        return self.status in (Status.UNKNOWN, Status.ERROR) and not self.excepted

    @property
    def advice(self) -> bool:
        """Fails a requirement the configuration did not select: shown, never a failure anywhere."""
        return self.status is Status.ADVICE and not self.excepted

    @property
    def staged(self) -> bool:
        """Part-way through a staged rollout: neither a pass nor a failure."""
        return self.status is Status.STAGED and not self.excepted

    @property
    def attention(self) -> bool:
        """Shown in full wherever settings are summarised: not a plain pass or not-applicable.

        Any status but pass and not applicable, and any setting an accepted risk covers or a
        person attested. The print version lists these in words; a fleet page names the rest.
        """
        return self.status not in (Status.PASS, Status.NOT_APPLICABLE) or self.excepted or self.attestation is not None

    @property
    def planned(self) -> bool:
        """The engine would plan it (automated or guided): failing or manual, not excepted."""
        return self.status in (Status.FAIL, Status.MANUAL) and not self.excepted

    @property
    def verdict(self) -> str:
        """``excepted`` for a covered finding, else its status: the one word CI formats map."""
        return "excepted" if self.excepted else self.status.value


@dataclass(frozen=True)
class ScorePoint:
    """One Secure Score snapshot, as the tenant reported it."""

    at: datetime
    score: float | None
    max_score: float | None


@dataclass(frozen=True)
class ScoreSeries:
    """Secure Score over time for one control (or the tenant total), oldest first."""

    key: str  # a control id, or "total"
    label: str
    points: tuple[ScorePoint, ...]


@dataclass(frozen=True)
class ControlSection:
    """One control of one tenant's run."""

    id: str
    title: str
    plugin: str
    score: float | None
    max_score: float | None
    error: str
    settings: tuple[SettingRow, ...]
    counts: dict[str, int]

    @property
    def points_available(self) -> float | None:
        """Max minus current, as the tenant reported them; ``None`` when either was not read."""
        if self.score is None or self.max_score is None:
            return None
        return max(self.max_score - self.score, 0.0)

    @cached_property
    def by_status(self) -> tuple[SettingRow, ...]:
        """The settings as reports list them: failures first, advice after every failure, passes last.

        Stable, so settings of one status keep the plugin's order.
        """
        return tuple(sorted(self.settings, key=lambda s: status_rank(s.status)))

    @cached_property
    def planned(self) -> int:
        return sum(s.planned for s in self.settings)

    @cached_property
    def failing(self) -> int:
        """Failing settings no exception covers; cached: a fleet page asks each control several times."""
        return sum(s.failing for s in self.settings)


@dataclass(frozen=True)
class LedgerEntry:
    """One recorded write of a remediation or rollback run, with what verification read back."""

    change_id: int | None
    control: str
    setting: str
    before: Any
    after: Any
    outcome: str  # applied | failed | skipped | "started, outcome not recorded"
    error: str
    created: bool
    resource: dict[str, Any]
    verified: bool | None  # True: read back as intended; False: read back otherwise; None: not verified
    verified_status: str  # the verification finding's status, "" when none was recorded
    rolled_back_by: int | None
    #: Whom the change affected, as the run it was planned from recorded it (what the person
    #: confirmed); None when that run computed none, or history holds no such run.
    impact: Impact | None = None
    #: The stage the change moved the setting to (a staged rollout); "" when not staged.
    stage: str = ""
    #: The change was written although its impact locks someone out: the configuration accepted it.
    accepted: bool = False


@dataclass(frozen=True)
class StatusChange:
    """A setting whose status differs from the tenant's previous assessment."""

    control: str
    setting: str
    title: str
    before: str  # a status value, or "absent" when the previous run had no such setting
    after: str


@dataclass(frozen=True)
class ChangeAheadInfo:
    """A dated change Microsoft announced that touches this tenant's settings."""

    control: str
    on: date
    title: str
    settings: tuple[str, ...]
    days_left: int
    action: str
    source: str


@dataclass(frozen=True)
class ProfileRow:
    """One Secure Score control profile of the tenant, as the last assessment read it."""

    id: str
    title: str
    category: str
    score: float | None
    max_score: float | None
    available: float | None
    covered_by: str  # the scorekeeper plugin that assesses it, "" when none does
    action_url: str


@dataclass(frozen=True)
class SecureScoreSection:
    """The tenant's whole Secure Score as history holds it (``scorekeeper.securescore.history``)."""

    scored_at: datetime | None
    current: float | None
    max_score: float | None
    comparisons: tuple[tuple[str, float | None], ...]  # Microsoft's averages: (basis, average score)
    controls: tuple[ProfileRow, ...]  # ranked by points available
    trend: ScoreSeries | None  # one point per day, oldest first (Microsoft's imported days included)

    @property
    def available(self) -> float:
        return round(sum(c.available or 0.0 for c in self.controls), 2)

    @cached_property
    def daily(self) -> tuple[ScorePoint, ...]:
        """The daily totals that carry a score, oldest first."""
        return tuple(p for p in self.trend.points if p.score is not None) if self.trend else ()

    @cached_property
    def daily_range(self) -> tuple[float, float] | None:
        """Lowest and highest daily total (``None`` without any)."""
        scores = [p.score for p in self.daily if p.score is not None]
        return (min(scores), max(scores)) if scores else None


@dataclass(frozen=True)
class RunInfo:
    """The run a tenant's section reports."""

    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime
    actor: str | None  # who ran it, as recorded; None when history does not hold it
    versions: dict[str, str] | None  # scorekeeper and plugin versions the run used, when recorded


@dataclass(frozen=True)
class OrganizationSource:
    """Which run read the organisation names (or why not) a tenant's section shows.

    The reported run itself when it read them (assessments); otherwise the newest run of the
    tenant at or before it that did (``scorekeeper/store/orgnames.py``), so a remediation's report
    names the tenant and says where the names come from.
    """

    run_id: int
    kind: str
    started_at: datetime


@dataclass(frozen=True)
class TenantSection:
    """Everything the report says about one tenant."""

    name: str
    tenant_id: str | None
    display_name: str | None
    primary_domain: str | None
    run: RunInfo
    controls: tuple[ControlSection, ...]
    counts: dict[str, int]
    previous_run_id: int | None
    changes_since_previous: tuple[StatusChange, ...]
    drift: tuple[str, ...]  # one line per drift event the run recorded
    ledger: tuple[LedgerEntry, ...]
    rollback_command: str | None
    trend: tuple[ScoreSeries, ...]
    changes_ahead: tuple[ChangeAheadInfo, ...]
    secure_score: SecureScoreSection | None = None  # the whole score, when history holds it
    #: Why display name and primary domain are unknown when the run tried to read them and could
    #: not (the permission to grant, say); None when they were read or the run read none.
    organization_unread: str | None = None
    #: The run that read what ``display_name``, ``primary_domain`` and ``organization_unread`` say;
    #: None when history holds no record of them at or before the reported run ("not recorded").
    organization_recorded_by: OrganizationSource | None = None
    #: Which profiles of the whole score a plugin covers and how (``domain.coverage.judge_coverage``);
    #: None when history holds no whole-tenant score.
    coverage: Coverage | None = None

    @property
    def organization_from_another_run(self) -> bool:
        """The names come from an earlier run than the reported one (which read none itself)."""
        source = self.organization_recorded_by
        return source is not None and source.run_id != self.run.id

    @property
    def total_score(self) -> ScorePoint | None:
        """The tenant's whole Secure Score now, when history holds it."""
        ss = self.secure_score
        if ss is None or ss.current is None:
            return None
        at = ss.scored_at or (ss.trend.points[-1].at if ss.trend and ss.trend.points else None)
        return None if at is None else ScorePoint(at=at, score=ss.current, max_score=ss.max_score)

    @property
    def anchor(self) -> str:
        """A stable HTML id for the tenant's section (tenant names are config keys)."""
        return "t-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in self.name)

    @cached_property
    def settings(self) -> tuple[SettingRow, ...]:
        return tuple(s for c in self.controls for s in c.settings)

    @property
    def failing(self) -> int:
        return sum(c.failing for c in self.controls)

    @property
    def unassessed(self) -> int:
        return sum(s.unassessed for s in self.settings)

    @property
    def score(self) -> float | None:
        """Sum of the controls' scores, ``None`` when any control's score was not read."""
        scores = [c.score for c in self.controls]
        return None if not scores or any(s is None for s in scores) else sum(s for s in scores if s is not None)

    @property
    def max_score(self) -> float | None:
        maxes = [c.max_score for c in self.controls]
        return None if not maxes or any(m is None for m in maxes) else sum(m for m in maxes if m is not None)

    @property
    def points_available(self) -> float:
        return sum(c.points_available or 0.0 for c in self.controls)

    @property
    def top_controls(self) -> tuple[ControlSection, ...]:
        """Up to three controls with the most points still available and something to do, for the summary."""
        open_ = [c for c in self.controls if (c.points_available or 0.0) > 0 and (c.failing or c.planned)]
        return tuple(sorted(open_, key=lambda c: (-(c.points_available or 0.0), c.id))[:3])

    @property
    def pending_points(self) -> float:
        """Points of controls whose settings now pass but whose score Microsoft has not refreshed.

        After a remediation the settings pass at once and Secure Score catches up within a day or
        so: these points are earned, just not yet counted, so the first screen says so rather
        than reading as "0 of 19".
        """
        return sum(c.points_available or 0.0 for c in self.controls if not c.failing and c.counts.get("pending", 0))

    @property
    def rolled_back_by(self) -> tuple[int, ...]:
        """The runs that rolled back every change this remediation applied (empty when any still stands)."""
        applied = [e for e in self.ledger if e.outcome == "applied"]
        if not applied or any(e.rolled_back_by is None for e in applied):
            return ()
        return tuple(sorted({e.rolled_back_by for e in applied if e.rolled_back_by is not None}))

    @property
    def plan_points(self) -> float:
        """Points of the controls the current plan works on: at most what the plan could add.

        Secure Score is scored per control by Microsoft; scorekeeper never computes it, so the
        best it can say is "up to" the points still available in the controls it would change.
        """
        return sum(c.points_available or 0.0 for c in self.controls if c.planned)


@dataclass(frozen=True)
class Branding:
    """Who made the report (``[reports]`` in the configuration): an MSP's name and logo.

    ``logo`` is a ``data:`` URI (the HTML report stays one file); "" when none is configured.
    """

    operator: str = ""
    logo: str = ""


@dataclass(frozen=True)
class Report:
    """A report of one tenant or a fleet (several tenants): the same shape either way."""

    report_id: str
    generated_at: datetime
    generator: dict[str, Any]  # {"scorekeeper": version, "plugins": {name: version}}
    tenants: tuple[TenantSection, ...]
    schema_version: str = SCHEMA_VERSION
    branding: Branding = field(default_factory=Branding)

    @property
    def coverage_totals(self) -> CoverageTotals | None:
        """The fleet's (or the tenant's) points covered by plugins and automated remediation."""
        judged = [t.coverage for t in self.tenants if t.coverage is not None]
        return fleet_totals(judged) if judged else None

    @property
    def fleet(self) -> bool:
        return len(self.tenants) > 1

    @cached_property
    def counts(self) -> dict[str, int]:
        totals = status_counts([])
        for tenant in self.tenants:
            for key, n in tenant.counts.items():
                totals[key] += n
        return totals

    @cached_property
    def control_ids(self) -> tuple[str, ...]:
        """Every control in the report, most points available across the fleet first."""
        available: dict[str, float] = {}
        for tenant in self.tenants:
            for control in tenant.controls:
                available[control.id] = available.get(control.id, 0.0) + (control.points_available or 0.0)
        return tuple(sorted(available, key=lambda c: (-available[c], c)))

    @cached_property
    def plugin_of(self) -> dict[str, str]:
        """Control id → the plugin that assessed it (a fleet report names it once, above the control's states)."""
        return {c.id: c.plugin for t in self.tenants for c in t.controls if c.plugin}

    @cached_property
    def changes_ahead(self) -> list[tuple[ChangeAheadInfo, list[str]]]:
        """Each dated platform change once, with the tenants it touches (for the fleet page)."""
        found: dict[tuple[str, date, str], tuple[ChangeAheadInfo, list[str]]] = {}
        for tenant in self.tenants:
            for ahead in tenant.changes_ahead:
                found.setdefault((ahead.control, ahead.on, ahead.title), (ahead, []))[1].append(tenant.name)
        return [found[k] for k in sorted(found, key=lambda k: (k[1], k[0], k[2]))]

    @cached_property
    def ranked_tenants(self) -> tuple[TenantSection, ...]:
        """Tenants with the most points available first (ties by name)."""
        return tuple(sorted(self.tenants, key=lambda t: (-t.points_available, t.name)))

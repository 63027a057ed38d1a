"""The history schema as SQLModel tables: the single source Alembic migrations are checked against.

These classes are storage rows, not domain objects: ``history.py`` converts them to and from
``scorekeeper.domain.model`` so that nothing outside the store ever sees a row. The schema is created and
changed only by the migrations in ``alembic/versions``; a test upgrades an empty database and
compares it with this metadata, so a column added here without a migration fails the suite.

Design notes:

* Timestamps go through :class:`UTCDateTime`, which refuses naive datetimes, stores UTC and hands
  back aware UTC datetimes on every backend (SQLite keeps no zone of its own).
* Values read from or written to a tenant are ``JSON`` (``json`` on PostgreSQL, text on SQLite):
  they are whatever a plugin reported, so they keep their shape.
* Tenants are referenced by name (unique), because every query the front ends make filters by
  the name the admin typed; the ``tenants`` table keeps the directory id beside it.
* Constraint names follow :data:`NAMING_CONVENTION` so that later batch migrations on SQLite can
  drop or alter them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# SQLModel keeps one MetaData for every table class; ours are the only tables scorekeeper defines.
SQLModel.metadata.naming_convention = NAMING_CONVENTION

RUN_KINDS: tuple[str, ...] = ("assess", "plan", "remediate", "verify", "rollback")
RUN_STATUSES: tuple[str, ...] = ("running", "completed", "failed", "interrupted")
DRIFT_KINDS: tuple[str, ...] = ("setting_regressed", "score_dropped", "setting_drifted")
#: Run kinds whose findings describe a control's whole state (verify runs only re-read what changed).
ASSESSING_KINDS: tuple[str, ...] = ("assess", "plan")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that is always UTC on the way in and on the way out.

    Naive datetimes are refused rather than guessed at: a local time silently taken for UTC would
    shift history by hours and nobody would notice.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the history store; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TenantRow(SQLModel, table=True):
    """A tenant that has appeared in history, by the name used in the configuration."""

    __tablename__ = "tenants"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String, unique=True, nullable=False)
    tenant_id: str = Field(default="", sa_type=String, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class RunRow(SQLModel, table=True):
    """One engine operation on one tenant.

    ``pid``, ``host`` and ``process_key`` identify the process that started the run; while the
    run lives that process refreshes ``heartbeat_at`` every ``heartbeat_seconds``. A run whose
    heartbeat is older than a few intervals is dead wherever it ran (another host, a container
    whose PID 1 never exits), and ``interrupt_stale_runs`` marks it ``interrupted`` — see
    ``scorekeeper/store/liveness.py``.
    ``os_user``, ``host`` and ``identity`` together say who acted (:class:`scorekeeper.domain.model.Actor`).
    """

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_started_at", "started_at"),
        Index("ix_runs_tenant_started_at", "tenant", "started_at"),
        Index("ix_runs_tenant_kind", "tenant", "kind"),
        Index("ix_runs_status", "status"),
        Index("ix_runs_parent_run_id", "parent_run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    kind: str = Field(sa_type=String, nullable=False)
    status: str = Field(default="running", sa_type=String, nullable=False)
    scheduled: bool = Field(default=False, nullable=False)
    parent_run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    controls: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    error: str = Field(default="", sa_type=Text, nullable=False)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    pid: int | None = Field(default=None, nullable=True)
    host: str = Field(default="", sa_type=String, nullable=False)
    # Who acted (migration 0003): the OS account that ran the process on ``host``, and the
    # identity the tenant's token named (``app <appid>`` or a UPN); "" when unknown.
    os_user: str = Field(default="", sa_type=String, nullable=False)
    identity: str = Field(default="", sa_type=String, nullable=False)
    # Liveness (migration 0004): see liveness.py.
    process_key: str = Field(default="", sa_type=String, nullable=False)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    heartbeat_seconds: float | None = Field(default=None, nullable=True)
    # What code ran (migration 0007): {"scorekeeper": version, distribution: version}; None before.
    # Since migration 0012 the map lives in ``run_versions``, stored once per distinct map: this
    # points at it (NULL: not recorded). No foreign-key constraint: SQLite cannot drop a column
    # that has one without rebuilding ``runs``, and that rebuild would cascade into every child row.
    versions_id: int | None = Field(default=None, nullable=True)
    # The organisation as GET /organization named it (migration 0008); org_unread: why not, when
    # the read failed. All None for runs that read no organisation.
    org_display_name: str | None = Field(default=None, sa_type=String, nullable=True)
    org_primary_domain: str | None = Field(default=None, sa_type=String, nullable=True)
    org_unread: str | None = Field(default=None, sa_type=Text, nullable=True)


class ControlResultRow(SQLModel, table=True):
    """That a run produced a result for one control, with the control's title and any error.

    Findings alone cannot say this: a control whose plugin failed before reporting anything still
    has a result (with its error), and the overview finds each control's latest run here.
    """

    __tablename__ = "control_results"
    # Read by run (the unique constraint's index); migration 0011 dropped the index on ``control``
    # alone: no query looks control results up by control without the run.
    __table_args__ = (UniqueConstraint("run_id", "control"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    title: str = Field(default="", sa_type=String, nullable=False)
    error: str = Field(default="", sa_type=Text, nullable=False)


class LatestResultRow(SQLModel, table=True):
    """Which run holds the newest assessment of each tenant × control: a pointer kept up to date.

    Derived data, written in the same transaction as the control result it points to, so the
    dashboard reads one small row per tenant × control instead of searching all history; it is
    what keeps ``overview()`` independent of how many runs are kept. It can always be rebuilt
    from ``control_results`` and ``runs`` (see ``HistoryStore.rebuild_latest_results``).
    """

    __tablename__ = "latest_results"
    __table_args__ = (UniqueConstraint("tenant", "control"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    # The pair's dashboard summary (migration 0009), kept by ``summary.py`` in the same transactions.
    counts: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default=text("'{}'"))
    )
    # Packed float64 scores (NaN for none reported), see ``summary.pack``: the overview decodes
    # 2,000 of these in a millisecond, where parsing 60,000 JSON numbers took most of its time.
    trend: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    trend_at: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # int64 µs
    score: float | None = Field(default=None, nullable=True)
    max_score: float | None = Field(default=None, nullable=True)


class FindingBodyRow(SQLModel, table=True):
    """What a finding said, stored once however many runs (and tenants) said exactly the same.

    An unchanged tenant reports the same findings every day; keeping a full row per finding per
    run made history grow by about 18 KB per tenant-run. A body is keyed by ``digest``, a SHA-256
    of its canonical JSON (``convert.body_values``), and each run's :class:`FindingRow` only
    points at it. Bodies no finding points at any more are removed by ``prune``.
    """

    __tablename__ = "finding_bodies"
    __table_args__ = (UniqueConstraint("digest"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_type=String, nullable=False)
    control: str = Field(sa_type=String, nullable=False)
    setting: str = Field(sa_type=String, nullable=False)
    title: str = Field(default="", sa_type=String, nullable=False)
    status: str = Field(sa_type=String, nullable=False)
    current: Any = Field(default=None, sa_type=JSON, nullable=True)
    desired: Any = Field(default=None, sa_type=JSON, nullable=True)
    remediation: str = Field(sa_type=String, nullable=False)
    reason: str = Field(default="", sa_type=Text, nullable=False)
    steps: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    missing_permissions: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    excepted: str = Field(default="", sa_type=Text, nullable=False)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)


class FindingRow(SQLModel, table=True):
    """One :class:`scorekeeper.domain.model.Finding` of one run: a pointer to its body, in report order (``id``)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_run_id", "run_id"), Index("ix_findings_body_id", "body_id"))

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    body_id: int = Field(sa_column=Column(Integer, ForeignKey("finding_bodies.id"), nullable=False))


class ChangeRow(SQLModel, table=True):
    """One write to a tenant; inserted before the write starts, completed when it returns.

    ``finished_at`` stays NULL while the outcome is unknown, which is how a write cut short by a
    killed process shows in history.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_run_id", "run_id"),
        Index("ix_changes_rolled_back_by_run_id", "rolled_back_by_run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    setting: str = Field(sa_type=String, nullable=False)
    before: Any = Field(default=None, sa_type=JSON, nullable=True)
    after: Any = Field(default=None, sa_type=JSON, nullable=True)
    outcome: str = Field(sa_type=String, nullable=False)
    resource: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created: bool = Field(default=False, nullable=False)
    error: str = Field(default="", sa_type=Text, nullable=False)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    rolled_back_by_run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )


class ScoreSnapshotRow(SQLModel, table=True):
    """A control's Secure Score as the tenant reported it during a run."""

    __tablename__ = "score_snapshots"
    __table_args__ = (
        Index("ix_score_snapshots_tenant_control_taken_at", "tenant", "control", "taken_at"),
        Index("ix_score_snapshots_run_id", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    score: float | None = Field(default=None, nullable=True)
    max_score: float | None = Field(default=None, nullable=True)
    taken_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class AttestationRow(SQLModel, table=True):
    """A person's statement that a guided setting has been done."""

    __tablename__ = "attestations"
    __table_args__ = (Index("ix_attestations_tenant_control", "tenant", "control"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    setting: str = Field(sa_type=String, nullable=False)
    by: str = Field(sa_type=String, nullable=False)
    note: str = Field(default="", sa_type=Text, nullable=False)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class DriftEventRow(SQLModel, table=True):
    """A regression noticed between two runs: a setting that stopped passing, or a score that fell."""

    __tablename__ = "drift_events"
    __table_args__ = (
        Index("ix_drift_events_tenant_at", "tenant", "at"),
        Index("ix_drift_events_run_id", "run_id"),
        Index("ix_drift_events_at", "at"),  # drift_events() of every tenant, newest first (migration 0009)
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    setting: str | None = Field(default=None, sa_type=String, nullable=True)
    kind: str = Field(sa_type=String, nullable=False)
    previous_run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)


ALL_TABLES: tuple[type[SQLModel], ...] = (
    TenantRow,
    RunRow,
    ControlResultRow,
    LatestResultRow,
    FindingBodyRow,
    FindingRow,
    ChangeRow,
    ScoreSnapshotRow,
    AttestationRow,
    DriftEventRow,
)


# --------------------------------------------------------------------------- scheduler (migration 0002)
class ScheduleRow(SQLModel, table=True):
    """A scheduled assessment: which tenant (and control) to assess, when, and whether to remediate.

    The daemon builds its in-memory APScheduler jobs from these rows and re-reads them, so the
    CLI's adds, pauses and removals reach a running daemon without a restart. Exactly one of
    ``cron`` (a crontab line, in ``timezone``) and ``interval_seconds`` is set. The ``last_*``
    columns are written by the daemon after every fire; ``last_problem`` is what the last run
    could not do, kept so a failure is notified once when it starts and once when it clears,
    not at every fire. ``next_run_at`` is the daemon's plan, for ``schedule list``.
    """

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_tenant", "tenant"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_type=String, nullable=False)
    control: str | None = Field(default=None, sa_type=String, nullable=True)  # every control when NULL
    cron: str | None = Field(default=None, sa_type=String, nullable=True)
    interval_seconds: float | None = Field(default=None, nullable=True)
    timezone: str = Field(default="UTC", sa_type=String, nullable=False)
    remediate: bool = Field(default=False, nullable=False)
    paused: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_status: str = Field(default="", sa_type=String, nullable=False)
    last_problem: str = Field(default="", sa_type=Text, nullable=False)
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class ExceptionNoticeRow(SQLModel, table=True):
    """That the expiry of an accepted-risk exception was notified for a tenant, so it is notified once.

    ``expires`` is the rule's ISO date: renewing an exception with a new date makes a new notice.
    """

    __tablename__ = "exception_notices"
    __table_args__ = (UniqueConstraint("tenant", "control", "setting", "expires"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_type=String, nullable=False)
    control: str = Field(sa_type=String, nullable=False)
    setting: str = Field(sa_type=String, nullable=False)
    expires: str = Field(sa_type=String, nullable=False)
    notified_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


ALL_TABLES += (ScheduleRow, ExceptionNoticeRow)


# --------------------------------------------------------------------------- writer leases (migration 0004)
class TenantLeaseRow(SQLModel, table=True):
    """Who may write to a tenant right now: at most one row per tenant, across processes and hosts.

    A writer inserts the row (the primary key makes a second insert fail), refreshes
    ``heartbeat_at`` while it works and deletes the row when done. A row whose heartbeat is older
    than a few of its own ``heartbeat_seconds`` belongs to a dead writer and may be taken over
    with a conditional UPDATE on the old ``token``. ``run_id`` is the run doing the writing once
    it has started (NULL while the writer is still planning). See ``scorekeeper/safety/lease.py``.
    """

    __tablename__ = "tenant_leases"

    tenant: str = Field(sa_type=String, primary_key=True)
    token: str = Field(sa_type=String, nullable=False)
    purpose: str = Field(default="", sa_type=String, nullable=False)
    run_id: int | None = Field(default=None, nullable=True)
    host: str = Field(default="", sa_type=String, nullable=False)
    pid: int | None = Field(default=None, nullable=True)
    process_key: str = Field(default="", sa_type=String, nullable=False)
    acquired_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    heartbeat_seconds: float = Field(nullable=False)


ALL_TABLES += (TenantLeaseRow,)


# --------------------------------------------------------------------------- whole Secure Score (migration 0005)
class TenantScoreRow(SQLModel, table=True):
    """The tenant's whole Secure Score on one day: total, maximum, Microsoft's averages, every control's score.

    ``source`` is ``assessment`` for the score read during an assessment (``run_id`` set),
    ``read`` for a live read (``scorekeeper score``, the TUI) and ``imported`` for the daily
    entries Microsoft already kept (up to 90), imported on a tenant's first run so the trend is
    meaningful from day one. ``scored_at`` is Microsoft's
    ``createdDateTime`` of the entry, ``recorded_at`` when scorekeeper stored it. The row's map of
    control id → score (all controls, not just the ones a plugin covers) is kept in
    ``score_controls``, where equal maps are stored once: ``controls_id`` points at it
    (migration 0011; ``NULL`` for an empty map). ``profiles`` holds
    what an assessment read of each control profile (title, category, service, maximum, action
    URL, state, implementation status) so reports render the whole score from history alone:
    ``profiles_id`` points at them in ``score_profiles`` (migration 0010; ``NULL`` for a row
    that keeps none), where equal sets are stored once.
    """

    __tablename__ = "tenant_scores"
    __table_args__ = (
        Index("ix_tenant_scores_tenant_scored_at", "tenant", "scored_at"),
        Index("ix_tenant_scores_run_id", "run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    source: str = Field(sa_type=String, nullable=False)
    scored_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    current_score: float | None = Field(default=None, nullable=True)
    max_score: float | None = Field(default=None, nullable=True)
    comparisons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON, nullable=False)
    profiles_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("score_profiles.id"), nullable=True)
    )
    # Neither pointer is indexed (migration 0011 dropped ``profiles_id``'s): nothing deletes a
    # profile set or a map, and no query looks rows up by the set or map they point at.
    controls_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("score_controls.id"), nullable=True)
    )


class ScoreProfilesRow(SQLModel, table=True):
    """A tenant's control profiles as one assessment read them, stored once however many rows kept the same.

    About 45 profiles are read with every assessment's whole score and rarely change from one
    day to the next; kept on each ``tenant_scores`` row they were ~23 KB per tenant-run, and
    encoding them cost more CPU than the rest of the row. A set is keyed by ``digest``, the
    SHA-256 of its canonical JSON (``tenant_scores.profiles_digest``), like ``finding_bodies``.
    """

    __tablename__ = "score_profiles"
    __table_args__ = (UniqueConstraint("digest"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_type=String, nullable=False)
    profiles: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON, nullable=False)


class ScoreControlsRow(SQLModel, table=True):
    """One tenant-score row's map of control id → score, stored once however many rows have the same map.

    Microsoft's whole Secure Score carries every control's score (~45 controls, ~1.2 KB of JSON)
    and an unchanged tenant's map is the same every day; kept on each ``tenant_scores`` row it
    was half of what an assessed tenant-run added to history. A map is keyed by ``digest``, the
    SHA-256 of the canonical JSON of its ``[id, score]`` pairs in the map's own order
    (``tenant_scores.controls_digest``), so a map is read back exactly as it was written, order
    included. Like ``score_profiles``, never pruned: ``prune`` keeps ``tenant_scores`` rows.
    """

    __tablename__ = "score_controls"
    __table_args__ = (UniqueConstraint("digest"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_type=String, nullable=False)
    controls: dict[str, float] = Field(default_factory=dict, sa_type=JSON, nullable=False)


ALL_TABLES += (ScoreProfilesRow, ScoreControlsRow, TenantScoreRow)


# --------------------------------------------------------------------------- run versions (migration 0012)
class RunVersionsRow(SQLModel, table=True):
    """The scorekeeper and plugin versions a run used, stored once however many runs used the same.

    Every run of one installation records the same map (~170 bytes of JSON) until an upgrade; on
    each ``runs`` row it was a third of the row. Keyed by ``digest``, the SHA-256 of the canonical
    JSON of its ``[name, version]`` pairs in the map's own order (``runwrite.versions_digest``),
    so a run reads back exactly the map it recorded. Never pruned (one row per installed set).
    """

    __tablename__ = "run_versions"
    __table_args__ = (UniqueConstraint("digest"),)

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_type=String, nullable=False)
    versions: dict[str, str] = Field(default_factory=dict, sa_type=JSON, nullable=False)


ALL_TABLES += (RunVersionsRow,)


# --------------------------------------------------------------------------- drift baselines (migration 0013)
class BaselineRow(SQLModel, table=True):
    """The value a setting should keep, as a verified remediation (or a person) established it.

    Append-only: each establishing run adds a row, and the newest row of a tenant × control ×
    setting not withdrawn is the baseline (``scorekeeper.domain.baseline``). A rollback withdraws
    the rows its rolled-back run added (``withdrawn_by_run_id``), so the baseline moves back to
    what was established before, or there is none. ``drift_value``/``drift_since`` remember the
    drift last reported against the row, so a drift that lasts is recorded and notified once.
    """

    __tablename__ = "baselines"
    __table_args__ = (Index("ix_baselines_tenant_control_setting", "tenant", "control", "setting"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_column=Column(String, ForeignKey("tenants.name", ondelete="CASCADE"), nullable=False))
    control: str = Field(sa_type=String, nullable=False)
    setting: str = Field(sa_type=String, nullable=False)
    value: Any = Field(default=None, sa_type=JSON, nullable=True)
    source: str = Field(sa_type=String, nullable=False)
    run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    withdrawn_by_run_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True)
    )
    drift_value: Any = Field(default=None, sa_type=JSON, nullable=True)
    drift_since: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


ALL_TABLES += (BaselineRow,)

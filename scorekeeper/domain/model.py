"""The domain objects that plugins, the engine, the store and the front ends exchange.

They are frozen dataclasses holding plain JSON-compatible values, so that a finding can be
written to SQLite, rendered as JSON or shown in the TUI without knowing which plugin made it,
and so that a plugin cannot mutate what the engine has already recorded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from scorekeeper.domain.impact import Impact
from scorekeeper.domain.levels import Level
from scorekeeper.domain.staging import Stage

#: A value read from or written to a tenant: anything ``json.dumps`` accepts.
JSONValue = Any


@dataclass(frozen=True)
class PlatformChange:
    """One dated change Microsoft announced, as a plugin declares it.

    ``on`` is the day it takes effect; ``settings`` the settings it can affect; ``action`` what
    the admin should do before then; ``source`` Microsoft's page that announces it.
    """

    id: str
    on: date
    title: str
    settings: tuple[str, ...]
    action: str = ""
    source: str = ""


@dataclass(frozen=True)
class ChangeAhead:
    """A platform change that affects this tenant: the change, the settings it touches, days left."""

    change: PlatformChange
    settings: tuple[str, ...]
    days_left: int

    def line(self) -> str:
        """The one line every front end shows."""
        when = "today" if self.days_left == 0 else f"in {self.days_left} days"
        text = f"{self.change.on.isoformat()} ({when}): {self.change.title} — affects {', '.join(self.settings)}."
        if self.change.action:
            text += f" {self.change.action}"
        if self.change.source:
            text += f" ({self.change.source})"
        return text


class Status(enum.StrEnum):
    """The verdict on one setting.

    ``unknown`` and ``error`` exist so that nothing is ever invented: a value that could not be
    read is never reported as ``fail``.
    """

    PASS = "pass"
    FAIL = "fail"
    MANUAL = "manual"  # no API: a person must act, then attest
    UNKNOWN = "unknown"  # could not be read (missing permission, no portal sign-in, throttled)
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # the plugin or the tenant failed unexpectedly
    PENDING = "pending"  # the Secure Score has not caught up with settings that now pass (set by the engine)
    #: In a non-final stage of a staged rollout (report-only, pilot, Audit): neither pass nor fail;
    #: ``Finding.stage`` says where it stands and what the next stage needs.
    STAGED = "staged"
    #: Fails a requirement the configuration did not select (advice, or an unselected baseline):
    #: shown, never counted as a failure (set by the engine from ``Setting.level``).
    ADVICE = "advice"

    @property
    def symbol(self) -> str:
        """A glyph that keeps the status readable without colour."""
        return _SYMBOLS[self]


_SYMBOLS = {
    Status.PASS: "✔",
    Status.FAIL: "✘",
    Status.MANUAL: "✋",
    Status.UNKNOWN: "?",
    Status.NOT_APPLICABLE: "–",
    Status.ERROR: "!",
    Status.PENDING: "⧗",
    Status.STAGED: "◐",
    Status.ADVICE: "ℹ",
}


class RemediationKind(enum.StrEnum):
    """How a setting is brought to its desired value."""

    AUTOMATED = "automated"  # an API writes it
    GUIDED = "guided"  # a person follows steps, then records an attestation
    NONE = "none"  # informational: nothing to change


class Outcome(enum.StrEnum):
    """What happened to one attempted write."""

    APPLIED = "applied"
    FAILED = "failed"  # the tenant answered that it did not apply the write
    SKIPPED = "skipped"  # recorded before the request left; still so if the process died mid-write
    AMBIGUOUS = "ambiguous"  # the request left but no trustworthy answer came back: it may have applied


class Verification(enum.StrEnum):
    """Whether a write stuck, read back after it: separate from whether the setting now passes.

    A rollback that restored an insecure value *stuck* and the setting still *fails*; both are
    shown, so a restored insecure value is never presented as "pass".
    """

    STUCK = "stuck"  # the tenant reads back what was written
    NOT_STUCK = "did not stick"  # the tenant reads back something else
    NOT_APPLIED = "not applied"  # the write failed; the tenant reads as before
    UNREAD = "could not read back"


@dataclass(frozen=True)
class WhenConfigured:
    """Permissions a setting needs only when a key of its control's configuration is set.

    A Conditional Access control that excludes break-glass accounts named by UPN in
    ``[controls.<id>] break_glass`` must resolve them to object ids (``GET /users/{upn}``,
    User.Read.All) — but only when ``break_glass`` is configured. Declared here, the permission
    is neither demanded of every tenant nor reported unused by the contract suite, which checks
    it under a configuration that sets ``key`` instead. "Set" means present and not empty,
    ``None`` or ``False``.
    """

    #: A field of the control's config model (``[controls.<id>]``): "break_glass".
    key: str
    #: Needed to assess the setting when ``key`` is set.
    read_permissions: tuple[str, ...] = ()
    #: Needed to remediate the setting when ``key`` is set (reads made while writing included).
    write_permissions: tuple[str, ...] = ()
    #: Why, in words for ``scorekeeper permissions`` and the docs: "to resolve break-glass UPNs to ids".
    why: str = ""


@dataclass(frozen=True)
class Setting:
    """One configurable aspect of a control, with what it costs to read and write it.

    The permissions are the least-privileged Microsoft Graph application permissions (or
    ``"portal: delegated sign-in"`` style notes for the portal API) that ``scorekeeper
    permissions`` prints and the simulator enforces.
    """

    id: str
    title: str
    remediation: RemediationKind
    read_api: str = ""
    write_api: str = ""
    read_permissions: tuple[str, ...] = ()
    write_permissions: tuple[str, ...] = ()
    directory_roles: tuple[str, ...] = ()
    apis: tuple[str, ...] = ("graph",)
    licence: str = ""
    hybrid_only: bool = False
    depends_on: tuple[str, ...] = ()
    docs_url: str = ""
    unverified: str = ""  # what about this setting's API is not confirmed by Microsoft's docs
    #: What kind of requirement this is: the control's own criterion (the default, so settings
    #: written before levels existed keep failing as they did), a baseline requirement, or advice.
    level: Level = Level.CRITERION
    #: The baseline references that require (or recommend) it: "CISA MS.AAD.3.5v2", "CIS M365 5.2.3.7".
    baselines: tuple[str, ...] = ()
    #: Microsoft's page (or the baseline's) that the level and the desired value follow.
    level_source: str = ""
    #: Permissions needed only under some configuration (see :class:`WhenConfigured`).
    when_configured: tuple[WhenConfigured, ...] = ()
    #: An automated setting a person may also carry out another way that no API reads (a registry
    #: value or GPO on the devices): its ``manual`` finding can then be attested.
    attestable: bool = False
    #: How reports word this setting's values for a person: pairs of a value and what to call it,
    #: e.g. ``((True, "anyone may reset"), (False, "nobody"))``. Values without a pair are worded
    #: by the framework ("on"/"off", comma lists, "(none)"; see docs/reports.md).
    value_words: tuple[tuple[Any, str], ...] = ()


@dataclass(frozen=True)
class Control:
    """A Secure Score control as a plugin declares it.

    ``config_model`` is a pydantic model class validating ``[controls.<id>]``; its defaults are
    the desired values. ``plugin`` is filled in by the plugin manager, never by the plugin.
    """

    id: str
    title: str
    settings: tuple[Setting, ...]
    min_licence: str = ""
    apis: tuple[str, ...] = ("graph",)
    auth_flows: tuple[str, ...] = ("app-only",)
    config_model: type | None = None
    hookspec_version: int = 2  # scorekeeper.HOOKSPEC_VERSION when this was written
    plugin: str = ""
    #: Dated changes Microsoft announced that can affect these settings (see scorekeeper.domain.platform_changes).
    platform_changes: tuple[PlatformChange, ...] = ()

    def setting(self, setting_id: str) -> Setting:
        """The setting with this id; ``KeyError`` names the control when there is none."""
        for candidate in self.settings:
            if candidate.id == setting_id:
                return candidate
        raise KeyError(f"control {self.id} has no setting {setting_id!r}")

    @property
    def setting_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.settings)


@dataclass(frozen=True)
class Finding:
    """The assessed state of one setting.

    ``steps`` carries guided remediation (numbered instructions, commands, file content) so the
    CLI, the TUI and reports can show them without plugin-specific code; ``evidence`` holds the
    raw values the verdict was drawn from.
    """

    control: str
    setting: str
    status: Status
    current: JSONValue = None
    desired: JSONValue = None
    reason: str = ""
    title: str = ""
    remediation: RemediationKind = RemediationKind.AUTOMATED
    steps: tuple[str, ...] = ()
    evidence: dict[str, JSONValue] = field(default_factory=dict)
    missing_permissions: tuple[str, ...] = ()
    excepted: str = ""  # set by the engine when an accepted-risk exception covers this finding
    verification: Verification | None = None  # set on verify's findings: did the write stick?
    #: Whom remediating this finding would affect, computed from the tenant's data (see Impact).
    impact: Impact | None = None
    #: Where a staged rollout stands (with ``Status.STAGED`` while not final).
    stage: Stage | None = None

    def with_status(self, status: Status, reason: str) -> Finding:
        return replace(self, status=status, reason=reason)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "setting": self.setting,
            "title": self.title,
            "status": self.status.value,
            "current": self.current,
            "desired": self.desired,
            "remediation": self.remediation.value,
            "reason": self.reason,
            "steps": list(self.steps),
            "missing_permissions": list(self.missing_permissions),
            "excepted": self.excepted,
            "verification": self.verification.value if self.verification else None,
            "impact": self.impact.to_dict() if self.impact else None,
            "stage": self.stage.to_dict() if self.stage else None,
        }


@dataclass(frozen=True)
class PlanItem:
    """One intended change: the setting moves from ``current`` to ``desired`` through ``api``.

    A rollback plan carries ``undo``: the recorded change it reverses, whose ``before`` is the
    value to restore and whose ``resource`` says what to delete when remediation created it.
    """

    setting: str
    current: JSONValue
    desired: JSONValue
    kind: RemediationKind
    api: str = ""
    title: str = ""
    steps: tuple[str, ...] = ()
    undo: Change | None = None
    #: What the write does to users beyond the fields it moves (from the finding's evidence "consequence").
    consequence: str = ""
    #: Whom the write affects (from the finding's impact); a blocking impact never reaches an
    #: automated item unless the configuration accepts it.
    impact: Impact | None = None
    #: The stage this item moves the setting to, for a staged rollout ("report-only", "enabled").
    stage: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "setting": self.setting,
            "title": self.title,
            "current": self.current,
            "desired": self.desired,
            "kind": self.kind.value,
            "api": self.api,
            "steps": list(self.steps),
            "undo_of": self.undo.id if self.undo else None,
            "consequence": self.consequence,
            "impact": self.impact.to_dict() if self.impact else None,
            "stage": self.stage,
        }


@dataclass(frozen=True)
class Plan:
    """What remediation would do for one control in one tenant; shown before anything is written."""

    tenant: str
    control: str
    items: tuple[PlanItem, ...]

    @property
    def automated(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.kind is RemediationKind.AUTOMATED)

    @property
    def guided(self) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.kind is RemediationKind.GUIDED)

    def only(self, setting_ids: set[str]) -> Plan:
        return replace(self, items=tuple(i for i in self.items if i.setting in setting_ids))

    def to_dict(self) -> dict[str, JSONValue]:
        return {"tenant": self.tenant, "control": self.control, "items": [i.to_dict() for i in self.items]}


@dataclass(frozen=True)
class Change:
    """One write a plugin made (or tried to make) to a tenant.

    ``before`` is the value read immediately before the write; the engine stores it before the
    plugin's write is awaited. ``resource`` identifies what was written (``{"type": ..., "id":
    ...}``) and ``created`` marks objects remediation created, which rollback deletes.
    """

    setting: str
    before: JSONValue
    after: JSONValue
    outcome: Outcome
    resource: dict[str, JSONValue] = field(default_factory=dict)
    created: bool = False
    error: str = ""
    id: int | None = None  # assigned by the history store
    rolled_back_by: int | None = None  # the rollback run that restored it, once one has

    @property
    def applied(self) -> bool:
        return self.outcome is Outcome.APPLIED

    @property
    def may_have_applied(self) -> bool:
        """True unless the tenant said it did not apply the write: rollback must look at it."""
        return self.outcome is not Outcome.FAILED

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "setting": self.setting,
            "before": self.before,
            "after": self.after,
            "outcome": self.outcome.value,
            "resource": self.resource,
            "created": self.created,
            "error": self.error,
            "rolled_back_by": self.rolled_back_by,
        }


class RestoreStatus(enum.StrEnum):
    """What rollback found and did for one recorded change."""

    RESTORED = "restored"  # it differed from the before-value and now equals it again
    ALREADY = "already as before"  # it already equals the before-value (the write never happened, or was undone)
    FAILED = "could not restore"  # it still differs, or could not be read; ``detail`` says why and what to do


@dataclass(frozen=True)
class Restoration:
    """The rollback result of one change: its status, what was seen, and (when not restored) why."""

    change: Change
    status: RestoreStatus
    detail: str = ""
    writes: tuple[Change, ...] = ()  # the rollback's own recorded writes for this change

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "change_id": self.change.id,
            "setting": self.change.setting,
            "resource": self.change.resource,
            "status": self.status.value,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class SecureScore:
    """A control's Secure Score as the tenant reports it (never computed by scorekeeper)."""

    control: str
    score: float | None
    max_score: float | None
    taken_at: datetime | None = None


@dataclass(frozen=True)
class Attestation:
    """A person's statement that a guided setting has been done, kept in history."""

    tenant: str
    control: str
    setting: str
    by: str
    note: str
    at: datetime


@dataclass(frozen=True)
class ControlResult:
    """Everything one run learned about one control in one tenant."""

    control: str
    title: str
    findings: tuple[Finding, ...] = ()
    changes: tuple[Change, ...] = ()
    score: SecureScore | None = None
    error: str = ""
    restorations: tuple[Restoration, ...] = ()  # a rollback's result, one per change it looked at

    def to_dict(self) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = {
            "control": self.control,
            "title": self.title,
            "score": self.score.score if self.score else None,
            "max_score": self.score.max_score if self.score else None,
            "error": self.error,
            "findings": [f.to_dict() for f in self.findings],
            "changes": [c.to_dict() for c in self.changes],
        }
        if self.restorations:
            data["restorations"] = [r.to_dict() for r in self.restorations]
        return data


@dataclass(frozen=True)
class Actor:
    """Who acted in a run: the OS account and machine that ran it, and the identity its token names.

    ``identity`` is what the tenant itself would log: an app registration's id for app-only
    tokens (``app 1111…``) or the signed-in user's UPN for delegated ones; empty when no token
    was issued (the run never reached the tenant).
    """

    os_user: str = ""
    host: str = ""
    identity: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        return {"os_user": self.os_user, "host": self.host, "identity": self.identity}

    def __str__(self) -> str:
        where = "@".join(p for p in (self.os_user, self.host) if p) or "unknown"
        return f"{where} as {self.identity}" if self.identity else where


@dataclass(frozen=True)
class Organization:
    """The tenant's organisation as ``GET /organization`` named it during a run (for reports).

    ``unread`` says why the names are unknown (a missing permission, say); "" when they were read.
    """

    display_name: str | None = None
    primary_domain: str | None = None
    unread: str = ""

    def to_dict(self) -> dict[str, JSONValue]:
        """The ``--json`` shape: the names (null: not in the answer) and why they are unknown (null: read)."""
        return {"display_name": self.display_name, "primary_domain": self.primary_domain, "unread": self.unread or None}


@dataclass(frozen=True)
class RunResult:
    """The outcome of one engine operation on one tenant, as recorded in history."""

    run_id: int
    tenant: str
    kind: str  # assess | remediate | verify | rollback
    controls: tuple[ControlResult, ...]
    started_at: datetime
    finished_at: datetime
    status: str = "completed"  # completed | failed | interrupted
    actor: Actor | None = None
    versions: dict[str, str] | None = None  # scorekeeper + plugin distributions used; None: not recorded
    organization: Organization | None = None  # the tenant's names as this run read them; None: not read
    #: Why the tenant could not be reached at all (sign-in or network), one line; "" when it was.
    unreachable: str = ""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.controls for f in c.findings)

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(ch for c in self.controls for ch in c.changes)

    @property
    def restorations(self) -> tuple[Restoration, ...]:
        return tuple(r for c in self.controls for r in c.restorations)

    @property
    def failed(self) -> bool:
        return any(f.status is Status.FAIL and not f.excepted for f in self.findings)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "run_id": self.run_id,
            "tenant": self.tenant,
            "kind": self.kind,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "actor": self.actor.to_dict() if self.actor else None,
            **self.recorded_facts(),
            **({"unreachable": self.unreachable} if self.unreachable else {}),
            "controls": [c.to_dict() for c in self.controls],
        }

    def recorded_facts(self) -> dict[str, JSONValue]:
        """What history and reports hold about the run beside its results: null = not recorded.

        ``versions``: null for runs before history migration 0007; ``organization``: null for runs
        that read none (every kind but an assessment) and runs before 0008.
        """
        return {
            "versions": dict(self.versions) if self.versions is not None else None,
            "organization": self.organization.to_dict() if self.organization is not None else None,
        }


@dataclass(frozen=True)
class ProgressEvent:
    """One step of work, for the CLI's progress bar, the TUI and the scheduler's log alike."""

    tenant: str
    control: str
    phase: str  # assess | plan | remediate | verify | rollback
    setting: str = ""
    status: str = ""  # a Status value, "started", "done" or an Outcome value
    message: str = ""
    completed: int = 0
    total: int = 0

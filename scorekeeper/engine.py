"""The engine: assess, plan, remediate, verify and roll back controls across tenants.

It asks plugins through their hooks, applies what only it knows (accepted-risk exceptions,
attestations, which plugin owns which control), records everything in history, and reports
progress as events that the CLI, TUI and scheduler render in their own way. It never prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scorekeeper.config import Config, ConfigError, ExceptionRule, ExceptionTarget, validate_control_config
from scorekeeper.errors import EngineError, NotFound, PlanViolation, WritesStopped
from scorekeeper.model import (
    Change,
    Control,
    ControlResult,
    Finding,
    Organization,
    Plan,
    PlanItem,
    ProgressEvent,
    RemediationKind,
    Restoration,
    RestoreStatus,
    RunResult,
    SecureScore,
    Status,
)
from scorekeeper.pending import with_pending_score
from scorekeeper.plugins import Plugins
from scorekeeper.runversions import run_versions
from scorekeeper.session import TenantSession, open_session
from scorekeeper.store.loopwrites import HistoryWrites
from scorekeeper.suggest import did_you_mean
from scorekeeper.tenant import Assessment, TenantContext
from scorekeeper.throttle import TenantThrottled
from scorekeeper.writegate import WriteGate

log = logging.getLogger("scorekeeper.engine")

__all__ = ["Engine", "EngineError", "PlanViolation", "WriteGate", "WritesStopped", "plan_for"]


#: A key of every ``[controls.<id>]`` table that the engine reads and the plugin never sees:
#: whether scheduled jobs may remediate this control unattended.
AUTO_REMEDIATE = "auto_remediate"


#: Phases that only read: their controls share the tenant's reads (assessment never writes).
ASSESSING_PHASES = frozenset({"assess", "plan"})


def plugin_values(values: dict[str, Any]) -> dict[str, Any]:
    """A control's config table without the keys the engine reserves for itself."""
    return {k: v for k, v in values.items() if k != AUTO_REMEDIATE}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _StoreSink:
    """Persists each change before its write, refuses writes outside the plan, and after a stop, all."""

    store: Any
    run_id: int
    control: str
    allowed: frozenset[str]
    gate: WriteGate = field(default_factory=WriteGate)
    changes: list[Change] = field(default_factory=list)

    @property
    def stop_reason(self) -> str:
        """Why no new write may start (empty while writes may go on): what the write helper checks."""
        return self.gate.reason if self.gate.closed else ""

    def started(self, change: Change) -> int:
        self.gate.check()  # stopping (a signal, a lost lease): refuse before recording or sending
        if change.setting not in self.allowed:
            raise PlanViolation(f"setting {change.setting!r} is not in the confirmed plan; nothing was written")
        change_id = self.store.change_started(self.run_id, self.control, change)
        self.changes.append(replace(change, id=change_id))
        return change_id

    def finished(self, change: Change) -> None:
        self.store.change_finished(change)
        self.changes = [change if c.id == change.id else c for c in self.changes]


def _reconcile(returned: list[Change], recorded: list[Change]) -> tuple[list[Change], str]:
    """The changes to verify: what ``remediate`` returned, checked against what was recorded.

    A returned change the engine never recorded (built by hand) is refused; a recorded one the
    plugin forgot to return is kept (it is in history and must be verifiable and rollback-able).
    """
    by_id = {c.id: c for c in recorded}
    unknown = [c.setting for c in returned if c.id not in by_id]
    ids = [c.id for c in returned if c.id in by_id]
    forgotten = [c for c in recorded if c.id not in ids]
    changes = [by_id[i] for i in dict.fromkeys(ids)] + forgotten
    problem = ""
    if unknown:
        problem = (
            f"remediate returned changes that were never recorded ({', '.join(unknown)}); write through tenant.write"
        )
    elif forgotten and returned:
        problem = f"remediate did not return {len(forgotten)} recorded change(s); they are kept"
    return changes, problem


def order_by_dependencies(items: Iterable[PlanItem], control: Control) -> list[PlanItem]:
    """Put each item after the settings it depends on (methods before methods-required...)."""
    items = list(items)
    by_id = {i.setting: i for i in items}
    ordered: list[PlanItem] = []
    visiting: set[str] = set()

    def visit(setting_id: str) -> None:
        if setting_id not in by_id or by_id[setting_id] in ordered or setting_id in visiting:
            return
        visiting.add(setting_id)
        try:
            deps = control.setting(setting_id).depends_on
        except KeyError:
            deps = ()
        for dep in deps:
            visit(dep)
        ordered.append(by_id[setting_id])

    for item in items:
        visit(item.setting)
    return ordered


def plan_for(tenant: str, control: Control, findings: Iterable[Finding], settings: set[str] | None = None) -> Plan:
    """The plan that would bring every failing, non-excepted setting to its desired value."""
    items = []
    for finding in findings:
        if settings is not None and finding.setting not in settings:
            continue
        if finding.excepted or finding.status not in (Status.FAIL, Status.MANUAL):
            continue
        if finding.remediation is RemediationKind.NONE:
            continue
        try:
            setting = control.setting(finding.setting)
            api, title = setting.write_api, setting.title
        except KeyError:
            api, title = "", finding.title
        items.append(
            PlanItem(
                setting=finding.setting,
                current=finding.current,
                desired=finding.desired,
                kind=finding.remediation,
                api=api,
                title=title or finding.title,
                steps=finding.steps,
                consequence=str((finding.evidence or {}).get("consequence") or ""),
            )
        )
    return Plan(tenant=tenant, control=control.id, items=tuple(order_by_dependencies(items, control)))


def control_problems(plugins: Plugins, controls: dict[str, dict[str, Any]]) -> list[str]:
    """Problems in the ``[controls.*]`` tables, checked against the installed plugins' models."""
    problems: list[str] = []
    for control_id, values in controls.items():
        if not isinstance(values, dict):
            problems.append(f"controls.{control_id}: must be a table")
            continue
        if control_id not in plugins.controls:
            hint = did_you_mean(control_id, plugins.controls)
            problems.append(f"controls.{control_id}: no installed plugin provides this control{hint}")
            continue
        _, found = validate_control_config(control_id, plugins.controls[control_id].config_model, plugin_values(values))
        problems += found
        if not isinstance(values.get(AUTO_REMEDIATE, False), bool):
            problems.append(f"controls.{control_id}.{AUTO_REMEDIATE}: must be true or false")
    return problems


def exception_problems(plugins: Plugins, targets: Iterable[ExceptionTarget]) -> list[str]:
    """``[[exceptions]]`` that name a control or setting no installed plugin has (with a did-you-mean)."""
    problems: list[str] = []
    for target in targets:
        where = f"exceptions[{target.index}]"
        control = plugins.controls.get(target.control)
        if control is None:
            hint = did_you_mean(target.control, plugins.controls)
            problems.append(f"{where}.control: unknown control {target.control!r}{hint}")
        elif target.setting not in control.setting_ids:
            hint = did_you_mean(target.setting, control.setting_ids)
            problems.append(f"{where}.setting: control {target.control} has no setting {target.setting!r}{hint}")
    return problems


def expired_exceptions(targets: Iterable[ExceptionTarget], today: date) -> list[str]:
    """Warnings for ``[[exceptions]]`` already past their date: they no longer excuse anything."""
    return [
        f"exceptions[{target.index}]: {rule.control}/{rule.setting}"
        + (f" for {rule.tenant}" if rule.tenant else "")
        + f" expired on {rule.expires}; the setting counts as failing again (renew or remove it)"
        for target in targets
        if (rule := target.rule) is not None and rule.expired(today)
    ]


def override_problems(
    plugins: Plugins, controls: dict[str, dict[str, Any]], overrides: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    """Problems in ``[tenants.X.controls.Y]``: each tenant's effective table is validated whole.

    A problem caused by a key the tenant overrides is reported at that tenant's path; one the
    shared ``[controls.Y]`` table already has is left to :func:`control_problems` (no repeats);
    one that only the combination causes (a model-level rule) is reported at the tenant's table.
    """
    problems: list[str] = []
    shared = set(control_problems(plugins, controls))
    for tenant, tables in overrides.items():
        for control_id, values in tables.items():
            where = f"tenants.{tenant}.controls.{control_id}"
            if control_id not in plugins.controls:
                problems.append(f"{where}: no installed plugin provides this control")
                continue
            merged = {**controls.get(control_id, {}), **values}
            for line in control_problems(plugins, {control_id: merged}):
                path = line.split(":", 1)[0]
                key = path.removeprefix(f"controls.{control_id}").lstrip(".").split(".", 1)[0]
                if key in values or line not in shared:
                    problems.append(f"tenants.{tenant}.{line}")
    return problems


def select_controls(plugins: Plugins, control_ids: Iterable[str] | None, source: Path | None = None) -> list[Control]:
    """The installed controls named (all of them, in id order, when none is named).

    A function of the plugins alone, so commands that only describe controls (``permissions``)
    never open the history database.
    """
    ids = list(control_ids or [])
    if not ids:
        return [plugins.controls[c] for c in sorted(plugins.controls)]
    try:
        return [plugins.control(c) for c in ids]
    except KeyError as exc:
        raise ConfigError([str(exc.args[0])], source) from None


@dataclass
class Engine:
    """Runs operations for the front ends; one instance per command, TUI session or daemon."""

    config: Config
    plugins: Plugins
    store: Any  # scorekeeper.store.HistoryStore
    data_dir: Path
    on_progress: Callable[[ProgressEvent], None] = lambda event: None
    today: Callable[[], date] = date.today
    simulators: dict[str, Any] = field(default_factory=dict)  # tenant name → in-memory simulator
    #: Closed by a signal or a lost writer lease: no new write starts (see ``writegate.py``).
    #: ``engine.write_gate.close(reason)`` is the one switch; the write helper checks it first.
    write_gate: WriteGate = field(default_factory=WriteGate)
    _desired: dict[str, Any] = field(default_factory=dict)
    #: (tenant, control) pairs with any attestation, read once per fleet assessment; None: ask per control.
    _attested: set[tuple[str, str]] | None = None
    #: Tenants whose whole Secure Score history holds anything, read once per fleet assessment; None: ask.
    _scored: set[str] | None = None
    #: What every run of this engine records as the code it used (plugins do not change once loaded).
    _versions: dict[str, str] | None = None
    _history_writes: HistoryWrites | None = None

    def _history(self) -> HistoryWrites:
        """Where this engine's history writes run without the loop waiting for a lock (``store/loopwrites.py``)."""
        if self._history_writes is None:
            self._history_writes = HistoryWrites(self.store.one_writer_at_a_time)
        return self._history_writes

    # ----------------------------------------------------------------- configuration
    def check(self) -> list[str]:
        """Every problem with plugins and control settings, as lines; empty when all is well."""
        from scorekeeper.configcheck import config_problems

        return config_problems(self.config, self.plugins)

    def desired(self, control: Control, tenant: str | None = None) -> Any:
        """The validated desired values of ``control`` for ``tenant`` (its overrides laid over
        ``[controls.<id>]``); raises :class:`ConfigError` if invalid."""
        key = f"{tenant or ''}\0{control.id}"
        if key not in self._desired:
            values = plugin_values(self.config.control_values(control.id, tenant))
            value, problems = validate_control_config(control.id, control.config_model, values)
            if problems:
                where = f"tenants.{tenant}." if tenant and self.config.overrides.get(tenant, {}).get(control.id) else ""
                raise ConfigError([where + p for p in problems], self.config.source)
            self._desired[key] = value
        return self._desired[key]

    def auto_remediate_allowed(self, control_id: str, tenant: str | None = None) -> bool:
        """True when ``auto_remediate = true`` in ``[controls.<id>]`` (or the tenant's override of it):
        scheduled jobs may then write."""
        return self.config.control_values(control_id, tenant).get(AUTO_REMEDIATE) is True

    def select(self, control_ids: Iterable[str] | None = None) -> list[Control]:
        return select_controls(self.plugins, control_ids, self.config.source)

    # ----------------------------------------------------------------- helpers
    def _emit(self, tenant: str, control: str, phase: str, status: str, message: str = "", **kw: Any) -> None:
        try:
            self.on_progress(
                ProgressEvent(tenant=tenant, control=control, phase=phase, status=status, message=message, **kw)
            )
        except Exception:  # a front end's rendering bug must not break a run
            log.exception("progress listener failed")

    def _context(self, session: TenantSession, control: Control, phase: str, sink: Any = None) -> TenantContext:
        extra = {"change_sink": sink} if sink is not None else {}
        return TenantContext(
            name=session.config.name,
            tenant_id=session.tenant_id,
            control=control.id,
            desired=self.desired(control, session.config.name),
            graph_factory=session.graph_factory,
            portal=session.portal,
            portal_unavailable=session.portal_unavailable,
            on_progress=self.on_progress,
            logger=logging.getLogger(f"scorekeeper.plugin.{control.plugin}"),
            phase=phase,
            declaration=control,
            _shared_reads=session.reads if phase in ASSESSING_PHASES else None,
            **extra,
        )

    def _failed_control(
        self, control: Control, phase: str, exc: BaseException, status: Status = Status.ERROR
    ) -> ControlResult:
        reason = f"plugin {control.plugin} failed in {phase}: {type(exc).__name__}: {exc}"
        log.error("%s", reason, exc_info=exc)
        findings = tuple(
            Finding(
                control=control.id, setting=s.id, title=s.title, status=status, reason=reason, remediation=s.remediation
            )
            for s in control.settings
        )
        return ControlResult(control=control.id, title=control.title, findings=findings, error=reason)

    def _apply_policy(self, tenant: str, control: Control, findings: list[Finding]) -> tuple[Finding, ...]:
        """Fill titles, apply exceptions and attestations: the parts only the engine knows."""
        today = self.today()
        attested = self._attestations(tenant, control.id, findings)
        out = []
        for finding in findings:
            if not finding.title:
                with contextlib.suppress(KeyError):
                    finding = replace(finding, title=control.setting(finding.setting).title)
            if finding.status is Status.MANUAL and finding.setting in attested:
                att = attested[finding.setting]
                finding = finding.with_status(Status.PASS, f"attested by {att.by} on {att.at:%Y-%m-%d}: {att.note}")
            rule = self._exception_for(tenant, control.id, finding.setting)
            # An accepted risk covers a failing setting, or one deliberately left unread (say, a
            # tenant with no portal sign-in): either way it stops counting against the exit code.
            if rule is not None and finding.status in (Status.FAIL, Status.UNKNOWN):
                if rule.expired(today):
                    finding = replace(
                        finding, reason=f"{finding.reason} (accepted-risk exception expired {rule.expires})"
                    )
                else:
                    finding = replace(finding, excepted=f"accepted risk until {rule.expires}: {rule.reason}")
            out.append(finding)
        return tuple(out)

    def _attestations(self, tenant: str, control: str, findings: list[Finding]) -> dict[str, Any]:
        """Setting → newest attestation, read only when a finding could use one (a manual one)."""
        if not any(f.status is Status.MANUAL for f in findings):
            return {}
        if self._attested is not None and (tenant, control) not in self._attested:
            return {}
        return {a.setting: a for a in self.store.attestations(tenant, control)}

    def _exception_for(self, tenant: str, control: str, setting: str) -> ExceptionRule | None:
        return next((r for r in self.config.exceptions if r.covers(tenant, control, setting)), None)

    async def _assess_control(self, session: TenantSession, control: Control, phase: str = "assess") -> ControlResult:
        name = session.config.name
        self._emit(name, control.id, phase, "started", total=len(control.settings))
        try:
            answer = await self.plugins.call("assess", control, tenant=self._context(session, control, phase))
            if answer is None:
                raise EngineError("the plugin returned nothing from assess")
            assessment = answer if isinstance(answer, Assessment) else Assessment(findings=list(answer))
            findings = with_pending_score(self._apply_policy(name, control, assessment.findings), assessment.score)
            result = ControlResult(control=control.id, title=control.title, findings=findings, score=assessment.score)
        except Exception as exc:
            result = self._failed_control(control, phase, exc)
        self._emit(name, control.id, phase, "done", completed=len(result.findings), total=len(control.settings))
        return result

    async def _assess_all(
        self, session: TenantSession, controls: list[Control], kind: str
    ) -> tuple[list[ControlResult], Organization | None, Any]:
        """Every control concurrently and, beside them, the tenant's whole Secure Score for history
        and its organisation's names for reports (in the controls' shared ``$batch``; ``None``
        for a plan).

        Returns the results, the organisation and the whole score, which the run keeps in its
        one commit (the score is ``None`` when it could not be read).
        """
        if kind != "assess":  # a plan (remediation's own read) keeps its writes' timing: no extra reads
            results = await asyncio.gather(*(self._assess_control(session, c, kind) for c in controls))
            return list(results), None, None
        from scorekeeper.organization import read_organization

        organization, results, score = await asyncio.gather(
            read_organization(session.graph_factory(), session.reads),  # first: joins this turn's batch
            asyncio.gather(*(self._assess_control(session, c, kind) for c in controls)),
            self._read_secure_score(session),
        )
        return list(results), organization, score

    async def _read_secure_score(self, session: TenantSession) -> Any:
        from scorekeeper.securescore.service import assessed_score

        name = session.config.name
        first = None if self._scored is None else name not in self._scored
        try:
            return await assessed_score(session.graph_factory(), self.store, name, session.reads, first=first)
        except Exception:  # the total is history's extra; the controls' own results must not suffer
            log.exception("reading the Secure Score of %s failed", name)
            return None

    async def _with_session(
        self,
        tenant: str,
        work: Callable[[TenantSession], Any],
        run_id: int | None = None,
        *,
        opened: list[TenantSession] | None = None,
    ) -> Any:
        """Run ``work`` in a session of ``tenant``; with ``run_id``, record who acted when it ends.

        ``opened`` receives the session instead, for a caller that records the identity itself
        (an assessment keeps it in the run's one commit, see :meth:`_finish`).
        """
        session = open_session(self.config.tenant(tenant), self.data_dir, simulator=self.simulators.get(tenant))
        if opened is not None:
            opened.append(session)
        try:
            return await work(session)
        finally:
            if run_id is not None:
                self._record_who(run_id, session)
            await session.close()

    def _record_who(self, run_id: int, session: TenantSession) -> None:
        """Who the tenant saw act, beside the OS user start_run recorded, and which directory it was."""
        with contextlib.suppress(Exception):
            self.store.record_identity(run_id, session.identity)
        with contextlib.suppress(Exception):  # which directory it was, for reports
            self.store.record_tenant_id(session.config.name, session.tenant_id)

    def _finish(
        self,
        run_id: int,
        tenant: str,
        kind: str,
        started: datetime,
        results: list[ControlResult],
        status: str = "completed",
        error: str = "",
        *,
        detect_drift: bool = False,
        session: TenantSession | None = None,
        tenant_score: Any = None,
        organization: Organization | None = None,
    ) -> RunResult:
        now = _now()
        stored = [
            replace(r, score=replace(r.score, taken_at=now)) if r.score is not None and r.score.taken_at is None else r
            for r in results
        ]
        who = {"identity": session.identity, "tenant_id": session.tenant_id} if session is not None else {}
        if self._versions is None:
            self._versions = run_versions(self.plugins)
        versions = self._versions
        # One transaction for the whole run (results, pointers, finish, drift, who acted, the code
        # and organisation, the tenant's whole score), not seven.
        actor = self.store.record_run(
            run_id,
            stored,
            status,
            error,
            detect_drift=detect_drift,
            versions=versions,
            organization=organization,
            tenant_score=tenant_score,
            **who,
        )
        return RunResult(run_id, tenant, kind, tuple(results), started, _now(), status, actor, versions, organization)

    # ----------------------------------------------------------------- operations
    async def assess_tenant(
        self, tenant: str, controls: list[Control], *, kind: str = "assess", scheduled: bool = False
    ) -> RunResult:
        """Assess ``controls`` in one tenant as one recorded run."""
        for control in controls:
            self.desired(control, tenant)  # bad config stops before anything is read
        started = _now()
        # On SQLite the write runs here, on the loop, but never waits here for the lock (store/loopwrites.py).
        ids = [c.id for c in controls]
        starting = asyncio.ensure_future(
            self._history().run(self.store.start_run, tenant, kind, controls=ids, scheduled=scheduled)
        )
        try:
            run_id = await asyncio.shield(starting)
        except asyncio.CancelledError:  # the row is being written anyway: close it, then give up
            with contextlib.suppress(Exception):
                self.store.finish_run(await starting, "interrupted", "cancelled before it finished")
            raise
        opened: list[TenantSession] = []
        try:
            results, organization, score = await self._with_session(
                tenant, lambda session: self._assess_all(session, controls, kind), opened=opened
            )
        except asyncio.CancelledError:
            self._finish_interrupted(run_id, opened, "cancelled before it finished")
            raise
        except TenantThrottled as exc:  # a fleet worker gives the tenant back to the queue (scorekeeper.throttle)
            self._finish_interrupted(run_id, opened, f"{exc}; the queue runs it again after that")
            raise
        except Exception as exc:  # credentials unusable: nothing could be read
            reason = f"could not open tenant {tenant}: {exc}"
            failed = [self._failed_control(c, kind, exc, Status.UNKNOWN) for c in controls]
            failed = [replace(r, error=reason) for r in failed]
            session = opened[0] if opened else None
            return await self._history().run(
                self._finish, run_id, tenant, kind, started, failed, "failed", reason, session=session
            )
        # Drift is a fact about the tenant, whoever looked: a manual assessment records it just as a
        # scheduled one does (idempotent, so the scheduler's own call returns the same events).
        finish = functools.partial(  # who acted, the organisation and the whole score: in the run's one commit
            self._finish, detect_drift=True, session=opened[0], tenant_score=score, organization=organization
        )
        return await self._history().run(finish, run_id, tenant, kind, started, results)

    def _finish_interrupted(self, run_id: int, opened: list[TenantSession], reason: str) -> None:
        if opened:
            self._record_who(run_id, opened[0])
        self.store.finish_run(run_id, "interrupted", reason)

    async def assess(
        self, tenants: Iterable[str], control_ids: Iterable[str] | None = None, *, scheduled: bool = False
    ) -> list[RunResult]:
        """Assess many tenants concurrently, at most ``[scorekeeper] concurrency`` at a time."""
        controls = self.select(control_ids)
        names = list(tenants)
        for name in names:
            self.config.tenant(name)
        from scorekeeper.graph.pool import PoolSlots

        # At most `concurrency` tenants at a time, each in a slot whose HTTP clients (and kept-alive
        # connections) the next tenant reuses (graph/pool.py).
        slots = PoolSlots(self.config.settings.concurrency)

        async def one(name: str) -> RunResult:
            async with slots.slot():
                return await self.assess_tenant(name, controls, scheduled=scheduled)

        # One query each for the fleet instead of one per tenant (× control): most tenants attest
        # nothing, and only a tenant never assessed before imports its Secure Score history.
        self._attested = await asyncio.to_thread(self.store.attested_pairs)
        self._scored = await asyncio.to_thread(self.store.scored_tenants)
        try:
            return list(await asyncio.gather(*(one(n) for n in names)))
        finally:
            self._attested = self._scored = None
            await slots.aclose()

    async def plan(
        self, tenant: str, control_ids: Iterable[str] | None = None, settings: set[str] | None = None
    ) -> tuple[RunResult, list[Plan]]:
        """Assess afresh (recorded as a ``plan`` run) and derive what remediation would do."""
        controls = self.select(control_ids)
        if settings:
            known = {s for c in controls for s in c.setting_ids}
            unknown = sorted(settings - known)
            if unknown:
                raise ConfigError([f"unknown setting {s!r} (known: {', '.join(sorted(known))})" for s in unknown])
        run = await self.assess_tenant(tenant, controls, kind="plan")
        plans = [plan_for(tenant, self.plugins.controls[r.control], r.findings, settings) for r in run.controls]
        return run, [p for p in plans if p.items]

    async def remediate(
        self,
        tenant: str,
        plans: list[Plan],
        *,
        parent_run_id: int | None = None,
        scheduled: bool = False,
        kind: str = "remediate",
    ) -> RunResult:
        """Carry out the automated items of confirmed ``plans``, then verify them by reading back.

        Holds the tenant's writer lease throughout (joining the caller's when it holds one);
        raises :class:`~scorekeeper.lease.LeaseHeld` before recording anything when another
        process writes to the tenant.
        """
        from scorekeeper.lease import writer_lease

        plans = [p for p in plans if p.automated]
        controls = [self.plugins.control(p.control) for p in plans]
        for control in controls:
            self.desired(control, tenant)
        purpose = f"scheduled {kind}" if scheduled else kind
        with writer_lease(self.store, tenant, purpose) as lease:
            unsubscribe = lease.on_lost(self.write_gate.close)
            try:
                return await self._remediate_leased(tenant, plans, controls, lease, parent_run_id, scheduled, kind)
            finally:
                unsubscribe()
                self.write_gate.reopen()  # the next operation of a long-lived engine (TUI) starts afresh

    async def _remediate_leased(
        self,
        tenant: str,
        plans: list[Plan],
        controls: list[Control],
        lease: Any,
        parent_run_id: int | None,
        scheduled: bool,
        kind: str,
    ) -> RunResult:
        started = _now()
        run_id = self.store.start_run(
            tenant, kind, controls=[c.id for c in controls], scheduled=scheduled, parent_run_id=parent_run_id
        )
        lease.attach(run_id)

        async def work(session: TenantSession) -> list[ControlResult]:
            results = []
            for control, plan in zip(controls, plans, strict=True):  # one control at a time: writes stay ordered
                if self.write_gate.closed:
                    break
                results.append(
                    await self._remediate_control(session, control, replace(plan, items=plan.automated), run_id, kind)
                )
            return results

        try:
            results = await self._with_session(tenant, work, run_id)
        except asyncio.CancelledError:
            self.store.finish_run(run_id, "interrupted", "cancelled; recorded changes can be rolled back")
            raise
        except Exception as exc:
            return self._finish(run_id, tenant, kind, started, [], "failed", f"could not open tenant {tenant}: {exc}")
        if self.write_gate.closed:
            reason = f"{self.write_gate.reason}; recorded changes can be rolled back"
            return self._finish(run_id, tenant, kind, started, results, "interrupted", reason)
        failed = any(not c.applied for r in results for c in r.changes) or any(r.error for r in results)
        return self._finish(run_id, tenant, kind, started, results, "failed" if failed else "completed")

    async def _remediate_control(
        self, session: TenantSession, control: Control, plan: Plan, run_id: int, phase: str
    ) -> ControlResult:
        name = session.config.name
        sink = _StoreSink(self.store, run_id, control.id, frozenset(i.setting for i in plan.items), self.write_gate)
        self._emit(name, control.id, phase, "started", total=len(plan.items))
        error = ""
        returned: list[Change] = []
        try:
            returned = list(
                await self.plugins.call(
                    "remediate", control, tenant=self._context(session, control, phase, sink), plan=plan
                )
            )
        except WritesStopped as exc:  # a stop was requested: what was written stays recorded
            error = f"stopped before every write was made: {exc}"
        except Exception as exc:  # changes already recorded stay recorded, and can be rolled back
            error = f"plugin {control.plugin} failed in {phase}: {type(exc).__name__}: {exc}"
            log.error("%s", error, exc_info=exc)
        changes, problem = _reconcile(returned, sink.changes)
        if problem and not error:
            error = f"plugin {control.plugin}: {problem}"
        # Stopping: the rollback re-reads everything anyway, and the person wants the prompt back.
        verify = changes and not self.write_gate.closed
        findings = await self._verify_control(session, control, changes) if verify else []
        self._emit(name, control.id, phase, "done", completed=len(changes), total=len(plan.items))
        return ControlResult(
            control=control.id, title=control.title, findings=tuple(findings), changes=tuple(changes), error=error
        )

    async def _verify_control(
        self, session: TenantSession, control: Control, changes: list[Change], phase: str = "verify"
    ) -> tuple[Finding, ...]:
        name = session.config.name
        self._emit(name, control.id, phase, "started", total=len(changes))
        context = self._context(session, control, phase)
        try:
            findings = await self.plugins.call("verify", control, tenant=context, changes=changes)
            if findings is None:  # the plugin relies on the default: re-assess, and re-read each write
                findings = await self._default_verify(control, context, changes)
            result = self._apply_policy(name, control, list(findings))
        except Exception as exc:
            result = self._failed_control(control, "verify", exc).findings
            touched = {c.setting for c in changes}
            result = tuple(f for f in result if f.setting in touched)
        self._emit(name, control.id, phase, "done", completed=len(result), total=len(changes))
        return result

    async def _default_verify(self, control: Control, context: TenantContext, changes: list[Change]) -> list[Finding]:
        from scorekeeper.verify_default import default_verify

        answer = await self.plugins.call("assess", control, tenant=context)
        findings = answer.findings if isinstance(answer, Assessment) else list(answer or [])
        return await default_verify(context, findings, changes)

    async def verify(self, run_id: int) -> RunResult:
        """Re-read every setting a past remediation or rollback changed, as a new ``verify`` run."""
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFound(f"no run {run_id} in history")
        by_control: dict[str, list[Change]] = {}
        for control_id, change in self.store.changes_for_run(run_id):
            if change.may_have_applied:
                by_control.setdefault(control_id, []).append(change)
        if not by_control:
            raise EngineError(f"run {run_id} ({run.kind}) made no changes to verify")
        controls = [self.plugins.control(c) for c in by_control]
        started = _now()
        new_id = self.store.start_run(run.tenant, "verify", controls=list(by_control), parent_run_id=run_id)

        async def work(session: TenantSession) -> list[ControlResult]:
            return [
                ControlResult(
                    control=c.id, title=c.title, findings=await self._verify_control(session, c, by_control[c.id])
                )
                for c in controls
            ]

        results = await self._with_session(run.tenant, work, new_id)
        return self._finish(new_id, run.tenant, "verify", started, results)

    def rollback_plans(self, run_id: int) -> tuple[str, list[Plan]]:
        """Plans that restore every change of ``run_id`` not yet rolled back, newest first.

        Every change counts — applied, failed, ambiguous, or started and never finished — since
        only a fresh read can say whether it reached the tenant; rollback re-reads each one.
        """
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFound(f"no run {run_id} in history")
        items: dict[str, list[PlanItem]] = {}
        for control_id, change in reversed(self.store.changes_for_run(run_id)):
            if change.rolled_back_by is not None:
                continue
            items.setdefault(control_id, []).append(
                PlanItem(
                    setting=change.setting,
                    current=change.after,
                    desired=change.before,
                    kind=RemediationKind.AUTOMATED,
                    api=f"restore {change.resource.get('type') or change.setting}"
                    + (" (delete what it created)" if change.created else "")
                    + ("" if change.applied else f" — recorded {change.outcome.value}, re-read first"),
                    title=change.setting,
                    undo=change,
                )
            )
        plans = [Plan(tenant=run.tenant, control=c, items=tuple(i)) for c, i in items.items()]
        if not plans:
            raise EngineError(f"run {run_id} has no changes left to roll back")
        return run.tenant, plans

    async def rollback(self, run_id: int, plans: list[Plan]) -> RunResult:
        """Make every change of ``plans`` (from :meth:`rollback_plans`) equal to its before-value again.

        Each change's :class:`~scorekeeper.Restoration` is restored, already as before, or could not
        restore (with the reason and what to do by hand); the run is ``failed`` when any could not.
        Restored and already-as-before changes are marked rolled back; the others stay open, so
        running the rollback again retries exactly them. Holds the tenant's writer lease, as
        remediation does.
        """
        from scorekeeper.lease import writer_lease

        tenant = plans[0].tenant
        controls = [self.plugins.control(p.control) for p in plans]
        for control in controls:
            self.desired(control, tenant)
        with writer_lease(self.store, tenant, "rollback") as lease:
            unsubscribe = lease.on_lost(self.write_gate.close)
            try:
                return await self._rollback_leased(tenant, run_id, plans, controls, lease)
            finally:
                unsubscribe()
                self.write_gate.reopen()

    async def _rollback_leased(
        self, tenant: str, run_id: int, plans: list[Plan], controls: list[Control], lease: Any
    ) -> RunResult:
        started = _now()
        new_id = self.store.start_run(tenant, "rollback", controls=[c.id for c in controls], parent_run_id=run_id)
        lease.attach(new_id)

        async def work(session: TenantSession) -> list[ControlResult]:
            return [
                await self._rollback_control(session, c, p, run_id, new_id)
                for c, p in zip(controls, plans, strict=True)
            ]

        try:
            results = await self._with_session(tenant, work, new_id)
        except asyncio.CancelledError:
            self.store.finish_run(new_id, "interrupted", "cancelled; run the rollback again to finish it")
            raise
        except Exception as exc:
            return self._finish(
                new_id, tenant, "rollback", started, [], "failed", f"could not open tenant {tenant}: {exc}"
            )
        done = [
            r.change.id
            for result in results
            for r in result.restorations
            if r.status is not RestoreStatus.FAILED and r.change.id is not None
        ]
        if done:
            self.store.mark_rolled_back(done, new_id)
        left = [r for result in results for r in result.restorations if r.status is RestoreStatus.FAILED]
        if self.write_gate.closed:
            reason = f"{self.write_gate.reason}; run the rollback again to finish it"
            return self._finish(new_id, tenant, "rollback", started, results, "interrupted", reason)
        error = f"{len(left)} change(s) could not be restored" if left else ""
        return self._finish(new_id, tenant, "rollback", started, results, "failed" if left else "completed", error)

    async def _rollback_control(
        self, session: TenantSession, control: Control, plan: Plan, run_id: int, rollback_run: int
    ) -> ControlResult:
        from scorekeeper.restore import restore

        name = session.config.name
        settings = frozenset(i.setting for i in plan.items)
        sink = _StoreSink(self.store, rollback_run, control.id, settings, self.write_gate)
        context = self._context(session, control, "rollback", sink)
        self._emit(name, control.id, "rollback", "started", total=len(plan.items))
        created = frozenset(
            str(c.resource["path"])
            for _, c in self.store.changes_for_run(run_id)
            if c.created and c.resource.get("path")
        )
        restorations: list[Restoration] = []
        for item in plan.items:
            change = item.undo
            if change is None:
                continue
            if self.write_gate.closed:
                restorations.append(
                    Restoration(
                        change, RestoreStatus.FAILED, f"not attempted: {self.write_gate.reason}; run the rollback again"
                    )
                )
                continue
            try:
                answer = await self.plugins.call("rollback", control, tenant=context, change=change)
                restoration = answer if answer is not None else await restore(context, change, run_id, created)
            except WritesStopped as exc:
                restoration = Restoration(change, RestoreStatus.FAILED, f"not attempted: {exc}; run the rollback again")
            except Exception as exc:
                log.error("rollback of change %s failed", change.id, exc_info=exc)
                restoration = Restoration(
                    change, RestoreStatus.FAILED, f"plugin {control.plugin} failed: {type(exc).__name__}: {exc}"
                )
            restorations.append(restoration)
            self._emit(name, control.id, "rollback", restoration.status.value, restoration.detail)
        writes = list(sink.changes)
        findings = await self._verify_control(session, control, writes) if writes else ()
        self._emit(name, control.id, "rollback", "done", completed=len(restorations), total=len(plan.items))
        left = [r for r in restorations if r.status is RestoreStatus.FAILED]
        return ControlResult(
            control=control.id,
            title=control.title,
            findings=tuple(findings),
            changes=tuple(writes),
            error=f"{len(left)} change(s) could not be restored" if left else "",
            restorations=tuple(restorations),
        )

    # ----------------------------------------------------------------- scores
    def latest_scores(self, tenant: str) -> list[SecureScore]:
        return [s for c in self.plugins.controls for s in self.store.score_history(tenant, c, limit=1)]

    def coverage(self) -> dict[str, str]:
        """Secure Score control id → the installed plugin that assesses and remediates it."""
        return {control_id: control.plugin for control_id, control in self.plugins.controls.items()}

    async def state_plans(
        self, tenants: Iterable[str], controls: list[str], state: str, reason: str, assigned_to: str | None = None
    ) -> list[Plan]:
        """Plans that set control profiles' Secure Score state in each tenant (``score set-state``).

        Each tenant's profiles are read now, so a plan shows the current state beside the new
        one; carry the plans out with :meth:`remediate` (one run per tenant), undo with
        :meth:`rollback`. ``ValueError`` names an unknown state or control id.
        """
        from scorekeeper.securescore.read import read_control_profiles
        from scorekeeper.securescore.states import plan_states

        async def one(tenant: str) -> Plan:
            profiles = await self._with_session(tenant, lambda session: read_control_profiles(session.graph_factory()))
            return plan_states(tenant, profiles, controls, state, reason, assigned_to)

        return list(await asyncio.gather(*(one(t) for t in tenants)))

    async def secure_score(self, tenant: str, only: Any = None) -> Any:
        """``tenant``'s whole Secure Score read now (a ``ScoreOverview``), trend from history.

        ``only`` is a ``scorekeeper.securescore.overview.ControlFilter``. A tenant never seen
        before gets Microsoft's kept daily history imported first. Raises
        ``SecureScoreReadError`` (naming the permission on a 403) when it cannot be read.
        """
        from scorekeeper.securescore.service import read_overview

        self.config.tenant(tenant)
        return await self._with_session(
            tenant,
            lambda session: read_overview(
                session.graph_factory(), self.store, tenant, session.tenant_id, self.coverage(), only
            ),
        )

"""The engine: assess, plan, remediate, verify and roll back controls across tenants.

It asks plugins through their hooks, applies what only it knows (accepted-risk exceptions,
attestations, which plugin owns which control), records everything in history, and reports
progress as events that the CLI, TUI and scheduler render in their own way. It never prints.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scorekeeper.config.model import Config, ConfigError, ExceptionRule, validate_control_config
from scorekeeper.domain.model import (
    Control,
    ControlResult,
    Finding,
    Organization,
    ProgressEvent,
    RunResult,
    Status,
)
from scorekeeper.engine.controls import AUTO_REMEDIATE, plugin_values, select_controls
from scorekeeper.engine.session import TenantSession, open_session
from scorekeeper.engine.versions import run_versions
from scorekeeper.plugin.context import TenantContext
from scorekeeper.plugin.manager import Plugins
from scorekeeper.safety.gate import WriteGate
from scorekeeper.store.loopwrites import HistoryWrites
from scorekeeper.store.results import RunRecord

log = logging.getLogger("scorekeeper.engine")

#: Phases that only read: their controls share the tenant's reads (assessment never writes).
ASSESSING_PHASES = frozenset({"assess", "plan"})


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EngineBase:
    """What every operation shares: configuration, sessions, plugin contexts, policy, recording a run."""

    config: Config
    plugins: Plugins
    store: Any  # scorekeeper.store.HistoryStore
    data_dir: Path
    on_progress: Callable[[ProgressEvent], None] = lambda event: None
    today: Callable[[], date] = date.today
    simulators: dict[str, Any] = field(default_factory=dict)  # tenant name → in-memory simulator
    #: Closed by a signal or a lost writer lease: no new write starts (see ``safety/gate.py``).
    #: ``engine.write_gate.close(reason)`` is the one switch; the write helper checks it first.
    write_gate: WriteGate = field(default_factory=WriteGate)
    _desired: dict[str, Any] = field(default_factory=dict)
    #: (tenant, control) pairs with any attestation, read once per fleet assessment; None: ask per control.
    _attested: set[tuple[str, str]] | None = None
    #: Tenants with a drift baseline, read once by a fleet's assessment (``None``: not read, ask each).
    _baselined: set[str] | None = None
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
        from scorekeeper.engine.preflight import config_problems

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

    def lease_key(self, tenant: str) -> str:
        """The writer-lease row of ``tenant``: its directory (cloud and tenant id) when configured, else its name.

        Every writer of this engine passes it, so one tenant configured under two names has one writer.
        """
        from scorekeeper.safety.lease import lease_key

        config = self.config.tenant(tenant)
        return lease_key(tenant, config.tenant_id, config.graph_url)

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

    def _context(
        self, session: TenantSession, control: Control, phase: str, sink: Any = None, wire: Any = None
    ) -> TenantContext:
        """``wire``: the tenant's ``safety.wire.TenantWire`` while it is changed (requests in waves)."""
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
            _wire=wire,
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
        attested = self._attestations(tenant, control, findings)
        out = []
        for finding in findings:
            if not finding.title:
                with contextlib.suppress(KeyError):
                    finding = replace(finding, title=control.setting(finding.setting).title)
            if finding.setting in attested and _attestation_applies(control, finding):
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

    def _attestations(self, tenant: str, control: Control, findings: list[Finding]) -> dict[str, Any]:
        """Setting → newest attestation, read only when a finding could use one (see :func:`_attestation_applies`)."""
        if not any(_attestation_applies(control, f) for f in findings):
            return {}
        if self._attested is not None and (tenant, control.id) not in self._attested:
            return {}
        return {a.setting: a for a in self.store.attestations(tenant, control.id)}

    def _exception_for(self, tenant: str, control: str, setting: str) -> ExceptionRule | None:
        return next((r for r in self.config.exceptions if r.covers(tenant, control, setting)), None)

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
        session: TenantSession | None = None,
    ) -> RunResult:
        """Record a run that ended here (no drift, score or organisation to add) in one commit."""
        record = self._run_record(run_id, results, status, error, session=session)
        return self._commit(record, tenant, kind, started, results)

    def _commit(
        self, record: RunRecord, tenant: str, kind: str, started: datetime, results: list[ControlResult]
    ) -> RunResult:
        """Commit ``record`` on its own (a fleet's assessments are committed in groups instead)."""
        # One transaction for the whole run (results, pointers, finish, drift, who acted, the code
        # and organisation, the tenant's whole score), not seven.
        actor = self.store.record_run(record.run_id, record.results, record.status, record.error, **record.options)
        return self._run_result(record, tenant, kind, started, results, actor)

    def _run_record(
        self,
        run_id: int,
        results: list[ControlResult],
        status: str = "completed",
        error: str = "",
        *,
        detect_drift: bool = False,
        session: TenantSession | None = None,
        tenant_score: Any = None,
        organization: Organization | None = None,
        drift_authors: Any = None,
    ) -> RunRecord:
        """What :meth:`_finish` hands the store, held as one record (a fleet commits several together)."""
        now = _now()
        stored = [
            replace(r, score=replace(r.score, taken_at=now)) if r.score is not None and r.score.taken_at is None else r
            for r in results
        ]
        who = {"identity": session.identity, "tenant_id": session.tenant_id} if session is not None else {}
        if self._versions is None:
            self._versions = run_versions(self.plugins)
        options = {
            "detect_drift": detect_drift,
            "versions": self._versions,
            "organization": organization,
            "tenant_score": tenant_score,
            "drift_authors": drift_authors,
            **who,
        }
        return RunRecord(run_id, stored, status, error, options)

    def _run_result(
        self, record: RunRecord, tenant: str, kind: str, started: datetime, results: list[ControlResult], actor: Any
    ) -> RunResult:
        """The run as the engine reports it, once ``record`` is committed (``actor`` as the store returned it)."""
        versions, organization = record.options["versions"], record.options["organization"]
        return RunResult(
            record.run_id, tenant, kind, tuple(results), started, _now(), record.status, actor, versions, organization
        )

    def _finish_interrupted(self, run_id: int, opened: list[TenantSession], reason: str) -> None:
        if opened:
            self._record_who(run_id, opened[0])
        self.store.finish_run(run_id, "interrupted", reason)


def _attestation_applies(control: Control, finding: Finding) -> bool:
    """Whether an attestation turns ``finding`` into a pass: a manual one, or one that reads fail or
    advice of a setting a person may attest (declared guided, or ``attestable``: done another way no
    API reads, such as a GPO) — else attesting such a setting would change nothing anywhere."""
    from scorekeeper.domain.attestation import can_attest

    if finding.status is Status.MANUAL:
        return True
    if finding.status not in (Status.FAIL, Status.ADVICE):
        return False
    try:
        return can_attest(control, finding.setting)
    except KeyError:
        return False

"""Assessment and planning: read every control of a tenant as one recorded run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from scorekeeper.config.model import ConfigError
from scorekeeper.domain.advice import with_advice
from scorekeeper.domain.model import (
    Control,
    ControlResult,
    Organization,
    Plan,
    RunResult,
    Status,
)
from scorekeeper.domain.pending import with_pending_score
from scorekeeper.engine import base
from scorekeeper.engine.base import EngineBase
from scorekeeper.engine.planning import drift_plan, plan_for
from scorekeeper.engine.reach import HeldWarnings, Unreachable, connect, sign_in
from scorekeeper.engine.session import TenantSession
from scorekeeper.errors import EngineError
from scorekeeper.graph.throttle import TenantThrottled
from scorekeeper.plugin.context import Assessment

log = logging.getLogger("scorekeeper.engine")


class Assessing(EngineBase):
    """Assessment and planning operations of the engine (see :class:`scorekeeper.engine.Engine`)."""

    async def _assess_control(self, session: TenantSession, control: Control, phase: str = "assess") -> ControlResult:
        name = session.config.name
        self._emit(name, control.id, phase, "started", total=len(control.settings))
        try:
            answer = await self.plugins.call("assess", control, tenant=self._context(session, control, phase))
            if answer is None:
                raise EngineError("the plugin returned nothing from assess")
            assessment = answer if isinstance(answer, Assessment) else Assessment(findings=list(answer))
            findings = self._apply_policy(name, control, assessment.findings)
            # Levels before the score: advice never keeps a score row from reading as pending.
            findings = with_advice(findings, control, self.config.remediation(name).requirements)
            findings = with_pending_score(findings, assessment.score)
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
        from scorekeeper.graph.organization import read_organization

        organization, results, score = await asyncio.gather(
            read_organization(session.graph_factory(), session.reads),  # first: joins this turn's batch
            asyncio.gather(*(self._assess_control(session, c, kind) for c in controls)),
            self._read_secure_score(session),
        )
        return list(results), organization, score

    async def _drift_authors(self, session: TenantSession, results: list[ControlResult]) -> dict[Any, Any]:
        """Who moved each setting newly off its baseline, from the tenant's audit log (``engine/driftwho.py``)."""
        from scorekeeper.engine.driftwho import drift_authors

        name = session.config.name
        if self._baselined is not None and name not in self._baselined:  # a fleet read them once: none here
            return {}
        try:
            held = await asyncio.to_thread(self.store.baselines_by_setting, name)
            if not held:
                return {}
            identity = session.identity
            own = session.config.client_id or (identity[4:] if identity.startswith("app ") else None)
            return await drift_authors(session.graph_factory(), session.reads, held, results, own)
        except Exception:  # who changed it is drift's extra; the assessment must not suffer
            log.exception("reading who changed the drifted settings of %s failed", name)
            return {}

    async def _read_secure_score(self, session: TenantSession) -> Any:
        from scorekeeper.securescore.service import assessed_score

        name = session.config.name
        first = None if self._scored is None else name not in self._scored
        try:
            return await assessed_score(session.graph_factory(), self.store, name, session.reads, first=first)
        except Exception:  # the total is history's extra; the controls' own results must not suffer
            log.exception("reading the Secure Score of %s failed", name)
            return None

    # ----------------------------------------------------------------- operations
    async def assess_tenant(
        self, tenant: str, controls: list[Control], *, kind: str = "assess", scheduled: bool = False
    ) -> RunResult:
        """Assess ``controls`` in one tenant as one recorded run."""
        for control in controls:
            self.desired(control, tenant)  # bad config stops before anything is read
        started = base._now()
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

            async def work(session: TenantSession) -> tuple[list[ControlResult], Organization | None, Any, Any]:
                await sign_in(session)  # one line for a tenant never reached, not one error per setting
                held = HeldWarnings("scorekeeper.securescore", tenant)
                try:
                    results, organization, score = await self._assess_all(session, controls, kind)
                    # A read that got no answer is ``unknown``; a plugin's own failure (``error``) is no
                    # network's, and a setting left unread under an accepted-risk exception asks nothing.
                    if any(f.status is Status.UNKNOWN and not f.excepted for r in results for f in r.findings):
                        await connect(session)  # a read failed: was the tenant reached at all?
                except Unreachable:
                    held.drop()
                    raise
                except BaseException:
                    held.release()
                    raise
                held.release()
                return results, organization, score, await self._drift_authors(session, results)

            results, organization, score, authors = await self._with_session(tenant, work, opened=opened)
        except asyncio.CancelledError:
            self._finish_interrupted(run_id, opened, "cancelled before it finished")
            raise
        except TenantThrottled as exc:  # a fleet worker gives the tenant back to the queue (scorekeeper.graph.throttle)
            self._finish_interrupted(run_id, opened, f"{exc}; the queue runs it again after that")
            raise
        except Unreachable as exc:  # sign-in or network failed: the run is failed, with no findings
            session = opened[0] if opened else None
            never_reached = await self._history().run(
                self._finish, run_id, tenant, kind, started, [], "failed", str(exc), session=session
            )
            return replace(never_reached, unreachable=str(exc))
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
        # Who acted, the organisation and the whole score: in the run's one commit.
        record = self._run_record(
            run_id,
            results,
            detect_drift=True,
            session=opened[0],
            tenant_score=score,
            organization=organization,
            drift_authors=authors,
        )
        if kind != "assess":  # a plan precedes writes: committed by its own call, never in a group
            return await self._history().run(self._commit, record, tenant, kind, started, results)
        # An assessment's results join the tenants finishing in this loop turn in one commit
        # (group commit, store/loopwrites.py); its run was started, and committed, above.
        actor = await self._history().record_in_group(self.store, record)
        return self._run_result(record, tenant, kind, started, results, actor)

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
        self._attested, self._baselined = await asyncio.to_thread(self.store.attested_and_baselined)
        self._scored = await asyncio.to_thread(self.store.scored_tenants)
        try:
            return list(await asyncio.gather(*(one(n) for n in names)))
        finally:
            self._attested = self._scored = self._baselined = None
            await slots.aclose()

    async def plan(
        self,
        tenant: str,
        control_ids: Iterable[str] | None = None,
        settings: set[str] | None = None,
        *,
        promotions_only: bool = False,
        drift: bool = False,
    ) -> tuple[RunResult, list[Plan]]:
        """Assess afresh (recorded as a ``plan`` run) and derive what remediation would do.

        The tenant's ``[remediation]`` decides what a blocking impact and a staged setting may
        become (``engine/planning.py``); ``promotions_only`` plans only stages moving on (``promote``);
        ``drift`` plans only settings off their baseline, back to it (``remediate --drift``).
        """
        controls = self.select(control_ids)
        if settings:
            known = {s for c in controls for s in c.setting_ids}
            unknown = sorted(settings - known)
            if unknown:
                raise ConfigError([f"unknown setting {s!r} (known: {', '.join(sorted(known))})" for s in unknown])
        run = await self.assess_tenant(tenant, controls, kind="plan")
        if drift:
            held = await asyncio.to_thread(self.store.baselines_by_setting, tenant)
            found = [
                drift_plan(tenant, self.plugins.controls[r.control], r.findings, held, settings) for r in run.controls
            ]
            return run, [p for p in found if p.items]
        rules = self.config.remediation(tenant)
        plans = [
            plan_for(
                tenant, self.plugins.controls[r.control], r.findings, settings, rules, promotions_only=promotions_only
            )
            for r in run.controls
        ]
        return run, [p for p in plans if p.items]

"""Rollback: restore every change of a run to its recorded before-value, proven by a read."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scorekeeper.domain.model import (
    Control,
    ControlResult,
    Plan,
    PlanItem,
    RemediationKind,
    Restoration,
    RestoreStatus,
    RunResult,
)
from scorekeeper.engine import base
from scorekeeper.engine.remediate import Remediating
from scorekeeper.engine.session import TenantSession
from scorekeeper.errors import NotFound, NothingToRollBack, WritesStopped
from scorekeeper.safety.recorder import StoreSink

log = logging.getLogger("scorekeeper.engine")


class RollingBack(Remediating):
    """Rollback operations of the engine (see :class:`scorekeeper.engine.Engine`)."""

    def rollback_plans(self, run_id: int) -> tuple[str, list[Plan]]:
        """Plans that restore every change of ``run_id`` not yet rolled back, newest first.

        Every change counts — applied, failed, ambiguous, or started and never finished — since
        only a fresh read can say whether it reached the tenant; rollback re-reads each one.
        Raises :class:`~scorekeeper.errors.NothingToRollBack` (exit 0, not a failure) when every
        change was already rolled back, or the run made none: rolling back twice is harmless.
        """
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFound(f"no run {run_id} in history")
        items: dict[str, list[PlanItem]] = {}
        recorded = self.store.changes_for_run(run_id)
        for control_id, change in reversed(recorded):
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
            by = sorted({c.rolled_back_by for _, c in recorded if c.rolled_back_by is not None})
            done = (
                f"all {len(recorded)} change(s) were restored by rollback run {', '.join(map(str, by))}"
                if recorded
                else "it recorded no change"
            )
            raise NothingToRollBack(run_id, f"run {run_id} has no changes left to roll back: {done}; nothing to do")
        return run.tenant, plans

    async def rollback(self, run_id: int, plans: list[Plan]) -> RunResult:
        """Make every change of ``plans`` (from :meth:`rollback_plans`) equal to its before-value again.

        Each change's :class:`~scorekeeper.Restoration` is restored, already as before, or could not
        restore (with the reason and what to do by hand); the run is ``failed`` when any could not.
        Restored and already-as-before changes are marked rolled back; the others stay open, so
        running the rollback again retries exactly them. Holds the tenant's writer lease, as
        remediation does.
        """
        from scorekeeper.safety.lease import writer_lease

        tenant = plans[0].tenant
        controls = [self.plugins.control(p.control) for p in plans]
        for control in controls:
            self.desired(control, tenant)
        with writer_lease(self.store, tenant, "rollback", key=self.lease_key(tenant)) as lease:
            unsubscribe = lease.on_lost(self.write_gate.close)
            try:
                return await self._rollback_leased(tenant, run_id, plans, controls, lease)
            finally:
                unsubscribe()
                self.write_gate.reopen()

    async def _rollback_leased(
        self, tenant: str, run_id: int, plans: list[Plan], controls: list[Control], lease: Any
    ) -> RunResult:
        started = base._now()
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
        from scorekeeper.safety.restore import restore

        name = session.config.name
        settings = frozenset(i.setting for i in plan.items)
        sink = StoreSink(self.store, rollback_run, control.id, settings, self.write_gate)
        context = self._context(session, control, "rollback", sink)
        self._emit(name, control.id, "rollback", "started", total=len(plan.items))
        created = frozenset(
            str(path)
            for _, c in self.store.changes_for_run(run_id)
            if c.created
            for path in [c.resource.get("path"), *(c.resource.get("paths") or [])]
            if path
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

"""Rollback: restore every change of a run to its recorded before-value, proven by a read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from scorekeeper.domain.model import (
    Change,
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
        tenant = self.store.run_tenant(run_id)
        if tenant is None:
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
        plans = [Plan(tenant=tenant, control=c, items=tuple(i)) for c, i in items.items()]
        if not plans:
            by = sorted({c.rolled_back_by for _, c in recorded if c.rolled_back_by is not None})
            done = (
                f"all {len(recorded)} change(s) were restored by rollback run {', '.join(map(str, by))}"
                if recorded
                else "it recorded no change"
            )
            raise NothingToRollBack(run_id, f"run {run_id} has no changes left to roll back: {done}; nothing to do")
        return tenant, plans

    async def rollback(self, run_id: int, plans: list[Plan], *, reopen: bool = True) -> RunResult:
        """Make every change of ``plans`` (from :meth:`rollback_plans`) equal to its before-value again.

        Each change's :class:`~scorekeeper.Restoration` is restored, already as before, or could not
        restore (with the reason and what to do by hand); the run is ``failed`` when any could not.
        Restored and already-as-before changes are marked rolled back; the others stay open, so
        running the rollback again retries exactly them. Holds the tenant's writer lease, as
        remediation does. ``reopen=False``: leave the write gate closed after a stop (a fleet's
        other tenants are still running; :meth:`rollback_fleet` reopens it at its end).
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
                if reopen:
                    self.write_gate.reopen()

    async def rollback_fleet(
        self, batches: list[tuple[int, list[Plan]]], on_done: Callable[[int, RunResult], None] | None = None
    ) -> list[RunResult]:
        """Roll back several runs (one per tenant, as ``rollback --fleet`` finds them) concurrently.

        At most ``[scorekeeper] concurrency`` tenants at a time; each holds its own writer lease (one
        writer per tenant). ``on_done(run_id, result)`` hears each tenant as it finishes. After a
        stop no new tenant starts and each one running starts no new write; the results are in
        ``batches``' order. Each tenant runs in a slot of the operation's shared HTTP clients
        (``graph/pool.py``), as a fleet assessment does: connections kept alive from one tenant to
        the next, and idle ones closed before a server's own keep-alive timeout can close them
        under a restore (a tenant's clients of its own kept them as long as uvicorn does, 5 s).
        """
        from scorekeeper.graph.pool import PoolSlots
        from scorekeeper.safety.lease import by_lease

        slots = PoolSlots(self.config.settings.concurrency)

        done: dict[int, RunResult] = {}
        plans_of = dict(batches)
        tenant_of = {run_id: plans[0].tenant for run_id, plans in batches}
        runs_of: dict[str, list[int]] = {}
        for run_id, _ in batches:
            runs_of.setdefault(tenant_of[run_id], []).append(run_id)

        async def in_turn(tenants: list[str]) -> None:
            for run_id in [r for t in tenants for r in runs_of[t]]:  # one writer per tenant (lease)
                async with slots.slot():
                    done[run_id] = await self.rollback(run_id, plans_of[run_id], reopen=False)
                if on_done is not None:
                    on_done(run_id, done[run_id])

        # Which tenants attest anything, once for the fleet (as change_fleet): each verification asked it.
        self._attested, self._baselined = await asyncio.to_thread(self.store.attested_and_baselined)
        try:
            await asyncio.gather(*(in_turn(group) for group in by_lease(list(runs_of), self.lease_key)))
        finally:
            self._attested = self._baselined = None
            self.write_gate.reopen()
            await slots.aclose()
        return [done[run_id] for run_id, _ in batches]

    async def _rollback_leased(
        self, tenant: str, run_id: int, plans: list[Plan], controls: list[Control], lease: Any
    ) -> RunResult:
        started = base._now()
        new_id = self.store.start_run(tenant, "rollback", controls=[c.id for c in controls], parent_run_id=run_id)
        lease.attach(new_id)

        async def work(session: TenantSession) -> list[ControlResult]:
            return await self._restore_all(session, controls, plans, run_id, new_id)

        opened: list[TenantSession] = []  # who acted goes into the run's one commit (_finish), as remediation's
        try:
            results = await self._with_session(tenant, work, opened=opened)
        except asyncio.CancelledError:
            if opened:
                self._record_who(new_id, opened[0])
            self.store.finish_run(new_id, "interrupted", "cancelled; run the rollback again to finish it")
            raise
        except Exception as exc:
            reason = f"could not open tenant {tenant}: {exc}"
            return self._finish(
                new_id, tenant, "rollback", started, [], "failed", reason, session=opened[0] if opened else None
            )
        session = opened[0]
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
            return self._finish(new_id, tenant, "rollback", started, results, "interrupted", reason, session=session)
        error = f"{len(left)} change(s) could not be restored" if left else ""
        status = "failed" if left else "completed"
        return self._finish(new_id, tenant, "rollback", started, results, status, error, session=session)

    async def _restore_all(
        self, session: TenantSession, controls: list[Control], plans: list[Plan], run_id: int, rollback_run: int
    ) -> list[ControlResult]:
        """Restore every change of ``plans``: resources concurrently, in waves (``safety/restoreorder.py``).

        Independent resources are restored at once and their requests share the tenant's waves
        (``safety/wire.py``): every re-read in one ``$batch``, restores of one resource merged,
        every read-back together; then each control's restored settings are verified, together.
        """
        from scorekeeper.safety.restore import restore
        from scorekeeper.safety.restoreorder import restore_order
        from scorekeeper.safety.wire import TenantWire

        name = session.config.name
        wire = TenantWire(session.graph_factory, session.portal)
        contexts, sinks = {}, {}
        for control, plan in zip(controls, plans, strict=True):
            sinks[control.id] = StoreSink(
                self.store, rollback_run, control.id, frozenset(i.setting for i in plan.items), self.write_gate
            )
            contexts[control.id] = self._context(session, control, "rollback", sinks[control.id], wire=wire)
            self._emit(name, control.id, "rollback", "started", total=len(plan.items))
        created = frozenset(
            str(path)
            for _, c in self.store.changes_for_run(run_id)
            if c.created
            for path in [c.resource.get("path"), *(c.resource.get("paths") or [])]
            if path
        )
        pairs = [
            (control, item.undo)
            for control, plan in zip(controls, plans, strict=True)
            for item in plan.items
            if item.undo is not None
        ]
        pairs.sort(key=lambda pair: -(pair[1].id or 0))  # newest first, across controls
        done: dict[int, Restoration] = {}

        async def one(control: Control, change: Change) -> None:
            if self.write_gate.closed:
                reason = f"not attempted: {self.write_gate.reason}; run the rollback again"
                done[id(change)] = Restoration(change, RestoreStatus.FAILED, reason)
                return
            context = contexts[control.id]
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
            done[id(change)] = restoration
            self._emit(name, control.id, "rollback", restoration.status.value, restoration.detail)

        async def resource(steps: list[list[tuple[Control, Change]]]) -> None:
            for step in steps:  # one after another, newest first; a step's changes together
                await asyncio.gather(*(one(control, change) for control, change in step))

        order = restore_order(
            pairs,
            lambda pair: pair[1],
            created,
            lambda pair: self.plugins.controller(pair[0]).implements("rollback"),
        )
        await asyncio.gather(*(resource(steps) for steps in order))

        async def finish(control: Control, plan: Plan) -> ControlResult:
            restorations = [done[id(i.undo)] for i in plan.items if i.undo is not None and id(i.undo) in done]
            writes = list(sinks[control.id].changes)
            findings = await self._verify_control(session, control, writes, wire=wire) if writes else ()
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

        return list(await asyncio.gather(*(finish(c, p) for c, p in zip(controls, plans, strict=True))))

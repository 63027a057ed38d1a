"""Remediation: carry out a confirmed plan under the tenant's writer lease, then verify."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from scorekeeper.domain.model import (
    Change,
    Control,
    ControlResult,
    Plan,
    RunResult,
)
from scorekeeper.engine import base
from scorekeeper.engine.session import TenantSession
from scorekeeper.engine.verify import Verifying
from scorekeeper.errors import WritesStopped
from scorekeeper.safety.recorder import StoreSink

log = logging.getLogger("scorekeeper.engine")


def _first(opened: list[TenantSession]) -> TenantSession | None:
    """The session ``_with_session`` opened (``None`` when opening it failed)."""
    return opened[0] if opened else None


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


class Remediating(Verifying):
    """Remediation operations of the engine (see :class:`scorekeeper.engine.Engine`)."""

    async def remediate(
        self,
        tenant: str,
        plans: list[Plan],
        *,
        parent_run_id: int | None = None,
        scheduled: bool = False,
        kind: str = "remediate",
        reopen: bool = True,
    ) -> RunResult:
        """Carry out the automated items of confirmed ``plans``, then verify them by reading back.

        Holds the tenant's writer lease throughout (joining the caller's when it holds one);
        raises :class:`~scorekeeper.safety.lease.LeaseHeld` before recording anything when another
        process writes to the tenant. ``reopen=False``: leave the write gate as it is afterwards
        (a fleet operation, whose other tenants still write, reopens it once at its end).
        """
        from scorekeeper.safety.lease import writer_lease

        plans = [p for p in plans if p.automated]
        controls = [self.plugins.control(p.control) for p in plans]
        for control in controls:
            self.desired(control, tenant)
        purpose = f"scheduled {kind}" if scheduled else kind
        with writer_lease(self.store, tenant, purpose, key=self.lease_key(tenant)) as lease:
            unsubscribe = lease.on_lost(self.write_gate.close)
            try:
                return await self._remediate_leased(tenant, plans, controls, lease, parent_run_id, scheduled, kind)
            finally:
                unsubscribe()
                if reopen:
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
        started = base._now()
        run_id = self.store.start_run(
            tenant, kind, controls=[c.id for c in controls], scheduled=scheduled, parent_run_id=parent_run_id
        )
        lease.attach(run_id)

        async def work(session: TenantSession) -> list[ControlResult]:
            from scorekeeper.safety.wire import TenantWire

            # The controls write concurrently, their requests in shared waves (safety/wire.py): every
            # before-value read in one wave, writes to one resource merged, independent ones together.
            # Each control's own writes keep their order (its plugin awaits them in turn).
            wire = TenantWire(session.graph_factory, session.portal)
            written = await asyncio.gather(
                *(
                    self._write_control(session, control, replace(plan, items=plan.automated), run_id, kind, wire)
                    for control, plan in zip(controls, plans, strict=True)
                )
            )
            # Then every control's read-back together, once no write is left in flight.
            return list(
                await asyncio.gather(
                    *(
                        self._verify_written(session, control, changes, error, wire)
                        for control, changes, error in written
                    )
                )
            )

        # Who acted (the token's identity, the directory) goes into the run's one commit (_finish),
        # as an assessment's does, not two transactions of its own when the session closes.
        opened: list[TenantSession] = []
        try:
            results = await self._with_session(tenant, work, opened=opened)
        except asyncio.CancelledError:
            if opened:
                self._record_who(run_id, opened[0])
            self.store.finish_run(run_id, "interrupted", "cancelled; recorded changes can be rolled back")
            raise
        except Exception as exc:
            reason = f"could not open tenant {tenant}: {exc}"
            return self._finish(run_id, tenant, kind, started, [], "failed", reason, session=_first(opened))
        session = opened[0]
        if self.write_gate.closed:
            reason = f"{self.write_gate.reason}; recorded changes can be rolled back"
            return self._finish(run_id, tenant, kind, started, results, "interrupted", reason, session=session)
        failed = any(not c.applied for r in results for c in r.changes) or any(r.error for r in results)
        status = "failed" if failed else "completed"
        return self._finish(run_id, tenant, kind, started, results, status, session=session)

    async def _write_control(
        self, session: TenantSession, control: Control, plan: Plan, run_id: int, phase: str, wire: Any = None
    ) -> tuple[Control, list[Change], str]:
        """Call the control's ``remediate`` with a recording context: (the control, its changes, an error)."""
        name = session.config.name
        sink = StoreSink(self.store, run_id, control.id, frozenset(i.setting for i in plan.items), self.write_gate)
        self._emit(name, control.id, phase, "started", total=len(plan.items))
        error = ""
        returned: list[Change] = []
        if self.write_gate.closed:  # stopped before this control began: nothing of it is written
            return control, [], f"stopped before every write was made: {self.write_gate.reason}"
        try:
            context = self._context(session, control, phase, sink, wire=wire)
            returned = list(await self.plugins.call("remediate", control, tenant=context, plan=plan))
        except WritesStopped as exc:  # a stop was requested: what was written stays recorded
            error = f"stopped before every write was made: {exc}"
        except Exception as exc:  # changes already recorded stay recorded, and can be rolled back
            error = f"plugin {control.plugin} failed in {phase}: {type(exc).__name__}: {exc}"
            log.error("%s", error, exc_info=exc)
        changes, problem = _reconcile(returned, sink.changes)
        if problem and not error:
            error = f"plugin {control.plugin}: {problem}"
        self._emit(name, control.id, phase, "done", completed=len(changes), total=len(plan.items))
        return control, changes, error

    async def _verify_written(
        self, session: TenantSession, control: Control, changes: list[Change], error: str, wire: Any = None
    ) -> ControlResult:
        """Read back what the control wrote (unless stopping: rollback re-reads everything anyway)."""
        verify = changes and not self.write_gate.closed
        findings = await self._verify_control(session, control, changes, wire=wire) if verify else ()
        return ControlResult(
            control=control.id, title=control.title, findings=tuple(findings), changes=tuple(changes), error=error
        )

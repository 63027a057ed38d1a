"""Verification: read back what a remediation wrote, as its own recorded run."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scorekeeper.domain.advice import with_advice
from scorekeeper.domain.model import (
    Change,
    Control,
    ControlResult,
    Finding,
    RunResult,
)
from scorekeeper.engine import base
from scorekeeper.engine.assess import Assessing
from scorekeeper.engine.session import TenantSession
from scorekeeper.errors import EngineError, NotFound
from scorekeeper.plugin.context import Assessment, TenantContext

log = logging.getLogger("scorekeeper.engine")


class Verifying(Assessing):
    """Verification operations of the engine (see :class:`scorekeeper.engine.Engine`)."""

    async def _verify_control(
        self,
        session: TenantSession,
        control: Control,
        changes: list[Change],
        phase: str = "verify",
        wire: Any = None,
    ) -> tuple[Finding, ...]:
        """``wire``: the tenant's wave of requests (``safety/wire.py``), shared by the controls verified together."""
        name = session.config.name
        self._emit(name, control.id, phase, "started", total=len(changes))
        context = self._context(session, control, phase, wire=wire)
        try:
            findings = await self.plugins.call("verify", control, tenant=context, changes=changes)
            if findings is None:  # the plugin relies on the default: re-assess, and re-read each write
                findings = await self._default_verify(control, context, changes)
            result = self._apply_policy(name, control, list(findings))
            # The same levels as the assessment: a setting this configuration does not require never fails a verify.
            result = with_advice(result, control, self.config.remediation(name).requirements)
        except Exception as exc:
            result = self._failed_control(control, "verify", exc).findings
            touched = {c.setting for c in changes}
            result = tuple(f for f in result if f.setting in touched)
        self._emit(name, control.id, phase, "done", completed=len(result), total=len(changes))
        return result

    async def _default_verify(self, control: Control, context: TenantContext, changes: list[Change]) -> list[Finding]:
        from scorekeeper.safety.default_verify import combine, read_backs

        # The fresh assessment and the read-back of every write go out together (one wave).
        answer, checks = await asyncio.gather(
            self.plugins.call("assess", control, tenant=context), read_backs(context, changes)
        )
        findings = answer.findings if isinstance(answer, Assessment) else list(answer or [])
        return combine(context, findings, changes, checks)

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
        started = base._now()
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

"""The tenant's whole Secure Score and the engine's coverage of it; control state changes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import (
    Plan,
    SecureScore,
)
from scorekeeper.engine.rollback import RollingBack

if TYPE_CHECKING:
    from scorekeeper.domain.coverage import Coverage
    from scorekeeper.domain.securescore import ScoreOverview

log = logging.getLogger("scorekeeper.engine")


class Scoring(RollingBack):
    """Secure Score operations of the engine (see :class:`scorekeeper.engine.Engine`)."""

    # ----------------------------------------------------------------- scores
    def latest_scores(self, tenant: str) -> list[SecureScore]:
        return [s for c in self.plugins.controls for s in self.store.score_history(tenant, c, limit=1)]

    def coverage(self) -> dict[str, str]:
        """Secure Score control id → the installed plugin that assesses and remediates it."""
        return {control_id: control.plugin for control_id, control in self.plugins.controls.items()}

    def score_coverage(self, overview: ScoreOverview) -> Coverage:
        """Which plugin covers each control of ``overview`` (a ``ScoreOverview``) and how it is
        remediated, with the points covered and covered by automated remediation (a
        ``scorekeeper.domain.coverage.Coverage``)."""
        from scorekeeper.domain.coverage import judge_coverage

        distributions = {name: dist for name, (dist, _version) in self.plugins.distributions.items()}
        return judge_coverage(
            overview.controls, self.plugins.controls, distributions, self.latest_statuses(overview.tenant)
        )

    def latest_statuses(self, tenant: str) -> dict[tuple[str, str], str]:
        """The finding statuses per ``(control, setting)`` of ``tenant``'s newest assessment (empty
        when it has none): what coverage judges a tenant's guided settings by."""
        run_id = self.store.latest_run_ids([tenant]).get(tenant)
        return self.store.finding_statuses([run_id]).get(run_id, {}) if run_id is not None else {}

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

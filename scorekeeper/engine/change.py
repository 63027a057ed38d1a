"""The one way every front end changes a tenant: the lease, a fresh plan, a confirmation, writes, verification.

The order is the safety rule and lives only here. The tenant's writer lease is taken *before*
the plan is read, so no plan is ever made while another process (a manual ``remediate``, a
rollback, a scheduled fire, a fleet worker) writes to the same tenant; the plan is derived from
a fresh read under that lease; the front end's confirmation comes between plan and writes; the
engine's :meth:`~scorekeeper.engine.remediate.Remediating.remediate` then writes and verifies.

:meth:`ChangingTenants.changing` is a context manager holding the lease; inside it the front end
awaits :meth:`LeasedChange.plan`, asks its person in its own way, and awaits
:meth:`LeasedChange.apply`. The CLI confirms with a blocking prompt between two event-loop runs
(a signal cancels the plan's reads, but only closes the write gate during writes); the dashboard
holds the lease across its confirmation screen, between two jobs; the scheduler and the fleet
worker assess under it and let :meth:`ChangingTenants.change_unattended` apply the one
unattended rule (:func:`unattended_plans`) instead of a person.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scorekeeper.domain.model import Plan, RunResult
from scorekeeper.engine.planning import plan_for
from scorekeeper.engine.score import Scoring
from scorekeeper.safety.lease import by_lease, writer_lease

if TYPE_CHECKING:
    from scorekeeper.safety.lease import TenantLease as Lease


@dataclass(frozen=True)
class TenantChange:
    """What one unattended change of a tenant did: the run it planned from, its plans, the remediation.

    ``result`` is ``None`` when nothing was written (nothing automated that ``auto_remediate``
    allows). ``refused`` names the controls left alone because their ``auto_remediate`` is not ``true``.
    """

    plan_run: RunResult
    plans: list[Plan]
    result: RunResult | None = None
    refused: tuple[str, ...] = ()


def unattended_plans(engine: Scoring, run: RunResult) -> tuple[list[Plan], tuple[str, ...]]:
    """The plans an unattended change may carry out, and the controls it must leave alone.

    The one rule for the scheduler and the fleet worker alike: only a control whose
    ``auto_remediate = true`` (for this tenant) is written, never one that could not be assessed,
    and only its automated items. The plan is the one a person would see (``plan_for`` with the
    tenant's ``[remediation]``): a change that locks someone out is a guided step unless
    ``accept_impact`` names it, so it is never written unattended; a staged setting moves on only
    when ``promote`` names it and the tenant's evidence says it is ready.
    """
    plans: list[Plan] = []
    refused: list[str] = []
    rules = engine.config.remediation(run.tenant)
    for result in run.controls:
        control = engine.plugins.controls.get(result.control)
        if control is None or result.error:
            continue
        plan = plan_for(run.tenant, control, result.findings, rules=rules)
        if not plan.automated:
            continue
        if not engine.auto_remediate_allowed(control.id, run.tenant):
            refused.append(control.id)
            continue
        plans.append(plan)
    return plans, tuple(refused)


@dataclass
class LeasedChange:
    """A change of one tenant while its writer lease is held; see the module docstring."""

    engine: Scoring
    tenant: str
    lease: Lease
    purpose: str
    scheduled: bool = False
    planned: RunResult | None = field(default=None, init=False)

    async def plan(
        self,
        control_ids: Iterable[str] | None = None,
        settings: set[str] | None = None,
        *,
        promotions_only: bool = False,
        drift: bool = False,
    ) -> tuple[RunResult, list[Plan]]:
        """Assess afresh under the lease (a ``plan`` run) and derive what remediation would do.

        ``promotions_only``: only staged settings moving to their next stage (``scorekeeper promote``);
        ``drift``: only settings off their baseline, back to it (``remediate --drift``).
        """
        run, plans = await self.engine.plan(
            self.tenant, control_ids, settings, promotions_only=promotions_only, drift=drift
        )
        self.planned = run
        return run, plans

    async def apply(self, plans: list[Plan]) -> RunResult:
        """Write the automated items of confirmed ``plans`` and verify them (joins the held lease)."""
        parent = self.planned.run_id if self.planned is not None else None
        return await self.engine.remediate(self.tenant, plans, parent_run_id=parent, scheduled=self.scheduled)


@dataclass(frozen=True)
class FleetChange:
    """One tenant of :meth:`ChangingTenants.change_fleet`: its plan run and plans, and what was written.

    ``result`` is ``None`` when nothing automated was planned (or a stop came first); ``refused``
    holds the one line of a tenant whose lease another writer held (nothing of it was read).
    """

    tenant: str
    plan_run: RunResult | None = None
    plans: list[Plan] = field(default_factory=list)
    result: RunResult | None = None
    refused: str = ""
    refused_code: int = 0


class ChangingTenants(Scoring):
    """The engine's entry for changing a tenant (see the module docstring)."""

    @contextlib.contextmanager
    def changing(self, tenant: str, purpose: str = "remediate", *, scheduled: bool = False) -> Iterator[LeasedChange]:
        """Hold ``tenant``'s writer lease for a plan and its writes.

        Raises :class:`~scorekeeper.safety.lease.LeaseHeld` before anything is read when another
        process writes to the tenant.
        """
        self.config.tenant(tenant)  # an unknown tenant is a usage error before any lease is taken
        with writer_lease(self.store, tenant, purpose, key=self.lease_key(tenant)) as lease:
            yield LeasedChange(self, tenant, lease, purpose, scheduled)

    async def change_unattended(
        self,
        run: RunResult,
        *,
        scheduled: bool = True,
        announce: Callable[[list[Plan], tuple[str, ...]], None] | None = None,
    ) -> TenantChange:
        """Carry out what :func:`unattended_plans` allows from ``run``, an assessment made under the lease.

        The caller holds the tenant's lease from before ``run`` was read (see :meth:`changing`):
        the scheduler and the fleet worker assess, notify, then call this. ``announce`` hears the
        plans and the refused controls before anything is written (the scheduler logs them).
        """
        plans, refused = unattended_plans(self, run)
        if announce is not None:
            announce(plans, refused)
        if not plans:
            return TenantChange(run, plans, refused=refused)
        result = await self.remediate(run.tenant, plans, parent_run_id=run.run_id, scheduled=scheduled)
        return TenantChange(run, plans, result, refused=refused)

    async def change_fleet(
        self,
        tenants: list[str],
        control_ids: Iterable[str] | None = None,
        settings: set[str] | None = None,
        *,
        drift: bool = False,
        on_done: Callable[[FleetChange], None] | None = None,
    ) -> list[FleetChange]:
        """Plan and write many tenants, confirmed beforehand (``remediate --yes``), concurrently.

        At most ``[scorekeeper] concurrency`` tenants at a time. Each tenant goes the one way
        :meth:`changing` sets: its writer lease before its plan is read (another writer is refused
        in one line and nothing of that tenant is read), a fresh plan, then its writes and their
        read-back (one writer per tenant, as ever). ``on_done`` hears each tenant as it finishes;
        the list is in ``tenants``' order. After a stop (the write gate closed) no new tenant
        starts and those running start no new write; the gate is reopened at the end. Each tenant
        runs in a slot of the operation's shared HTTP clients (``graph/pool.py``), as a fleet
        assessment does: a tenant's clients of its own kept idle connections 5 s, as long as
        uvicorn does, and under load a write went out on one the server had just closed.
        """
        from scorekeeper.graph.pool import PoolSlots
        from scorekeeper.safety.lease import LeaseHeld

        slots = PoolSlots(self.config.settings.concurrency)
        wanted = list(control_ids) if control_ids is not None else None

        async def one(tenant: str) -> FleetChange:
            async with slots.slot():
                if self.write_gate.closed:  # stopped: this tenant is not started
                    return FleetChange(tenant, refused=f"not started: {self.write_gate.reason}", refused_code=1)
                try:
                    with self.changing(tenant) as change:
                        run, plans = await change.plan(wanted, settings, drift=drift)
                        if not any(p.automated for p in plans) or self.write_gate.closed:
                            return FleetChange(tenant, run, plans)
                        result = await self.remediate(tenant, plans, parent_run_id=run.run_id, reopen=False)
                        return FleetChange(tenant, run, plans, result)
                except LeaseHeld as exc:
                    return FleetChange(tenant, refused=str(exc), refused_code=exc.exit_code)

        done: dict[str, FleetChange] = {}

        async def in_turn(names: list[str]) -> None:
            for tenant in names:  # tenants sharing one directory (lease) are changed one after another
                done[tenant] = await one(tenant)
                if on_done is not None:
                    on_done(done[tenant])

        # One read each for the fleet, as a fleet assessment does (engine/assess.py), instead of one
        # per tenant and control in every plan and verification: which tenants attest anything, and
        # which hold baselines. Read when the operation starts, which the person confirmed as a whole.
        self._attested, self._baselined = await asyncio.to_thread(self.store.attested_and_baselined)
        try:
            await asyncio.gather(*(in_turn(names) for names in by_lease(tenants, self.lease_key)))
        finally:
            self._attested = self._baselined = None
            self.write_gate.reopen()
            await slots.aclose()
        return [done[t] for t in tenants]

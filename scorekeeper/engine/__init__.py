"""The engine: assess, plan, remediate, verify and roll back controls across tenants.

It asks plugins through their hooks, applies what only it knows (accepted-risk exceptions,
attestations, which plugin owns which control), records everything in history, and reports
progress as events that the CLI, TUI and scheduler render in their own way. It never prints.

One module per operation, each a layer of the one :class:`Engine` (pyinfra keeps plan and apply
apart the same way): :mod:`.base` (configuration, sessions, plugin contexts, policy, recording a
run) ← :mod:`.assess` (and plan) ← :mod:`.verify` ← :mod:`.remediate` ← :mod:`.rollback` ←
:mod:`.score` ← :mod:`.change` (the one entry every front end uses to change a tenant).
"""

from scorekeeper.engine.change import ChangingTenants, TenantChange
from scorekeeper.engine.planning import order_by_dependencies, plan_for
from scorekeeper.errors import EngineError, PlanViolation, WritesStopped
from scorekeeper.safety.gate import WriteGate


class Engine(ChangingTenants):
    """Runs operations for the front ends; one instance per command, TUI session or daemon."""


__all__ = [
    "Engine",
    "EngineError",
    "PlanViolation",
    "TenantChange",
    "WriteGate",
    "WritesStopped",
    "order_by_dependencies",
    "plan_for",
]

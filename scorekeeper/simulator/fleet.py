"""Many simulated tenants behind one port, and the config that reaches them.

A request picks its tenant the way Graph does: by the ``tid`` claim of its bearer token. So a
fleet needs no routing of its own; each ``[tenants.NAME]`` table of the config carries the static
token of its own tenant, and every table shares the same loopback ``graph_url``. That is exactly
what a real client config expresses for a real fleet (one credential per tenant, one Graph).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scorekeeper.simulator.core import Simulator

#: Tenant names in a fleet snippet: ``sim-0001`` … (zero-padded so they sort in order).
NAME_FORMAT = "sim-{:04d}"


def build_fleet(count: int, profile: str = "weak-cloud") -> Simulator:
    """One simulator holding ``count`` independent tenants of ``profile``, each with its own id and state."""
    from scorekeeper.simulator.core import Simulator

    if count < 1:
        raise ValueError("a fleet needs at least one tenant")
    return Simulator.from_profiles(*([profile] * count))


def tenant_names(sim: Simulator) -> dict[str, str]:
    """Config name → tenant id, in the simulator's order."""
    return {NAME_FORMAT.format(i + 1): tid for i, tid in enumerate(sim.tenant_ids)}


def config_snippet(sim: Simulator, base_url: str, names: Iterable[tuple[str, str]] | None = None) -> str:
    """``[tenants.*]`` tables (TOML) for every tenant of ``sim`` served at ``base_url``.

    Tokens are issued now and valid for one hour, like Entra ID's; run ``serve`` again (or
    ``scorekeeper simulator token --tenant ID --state FILE``) for fresh ones.
    """
    base = base_url.rstrip("/")
    lines: list[str] = []
    for name, tid in names if names is not None else tenant_names(sim).items():
        lines += [
            f"[tenants.{name}]",
            f"tenant_id = {json.dumps(tid)}",
            'auth = "static"',
            f"token = {json.dumps(sim.issue_token(tid))}",
            'portal_auth = "static"',
            f"portal_token = {json.dumps(sim.issue_delegated_token(tid))}",
            f"graph_url = {json.dumps(base)}",
            f"portal_url = {json.dumps(base + '/api')}",
            "",
        ]
    return "\n".join(lines)

"""A fleet's remediation and rollback send through the operation's shared HTTP clients, as assessment does.

Each tenant used to build clients of its own, whose idle connections were kept 5 s — as long as
uvicorn keeps them (and a server may close one at any time). Under load a tenant's next wave
came about 5 s after its last one, and a write went out on a connection the server had just
closed: 14–21 remediation writes per 200-tenant run were recorded "outcome unknown", and 54
tenants' restores failed before rollback resent them (docs/performance.md). In a slot of
``graph/pool.py`` a tenant reuses the connection another tenant just freed, and an idle one is
closed after 2 s, before a server's own timeout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorekeeper.graph.pool import ClientPool, current_pool
from tests.safety.test_fleet_changes import _fleet, store  # noqa: F401 (the fixture)


def _watch_pools(engine: Any) -> list[ClientPool | None]:
    """Wrap the engine's per-tenant remediate and rollback: the client pool each one ran in."""
    seen: list[ClientPool | None] = []
    remediate, rollback = engine.remediate, engine.rollback

    async def remediating(*args: Any, **kwargs: Any) -> Any:
        seen.append(current_pool())
        return await remediate(*args, **kwargs)

    async def rolling_back(*args: Any, **kwargs: Any) -> Any:
        seen.append(current_pool())
        return await rollback(*args, **kwargs)

    engine.remediate, engine.rollback = remediating, rolling_back
    return seen


async def test_each_tenant_of_a_fleet_change_and_its_rollback_runs_in_a_pool_slot(
    store: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    names = ["alpha", "bravo", "charlie", "delta", "echo"]
    engine, sim = _fleet(names, store, tmp_path)  # concurrency 4
    sim.mark()
    seen = _watch_pools(engine)

    changed = await engine.change_fleet(names)
    runs = [c.result.run_id for c in changed if c.result is not None]
    assert len(runs) == len(names)
    rolled = await engine.rollback_fleet([(run, engine.rollback_plans(run)[1]) for run in runs])

    assert len(seen) == 2 * len(names)
    assert all(pool is not None for pool in seen), "a tenant built HTTP clients of its own"
    assert len({id(pool) for pool in seen[: len(names)]}) <= 4  # at most `concurrency` slots
    assert all(r.status == "completed" for r in rolled), [(r.tenant, r.status, r.error) for r in rolled]
    assert sim.state_diff() == []
    assert current_pool() is None  # the slots are the operation's, gone after it

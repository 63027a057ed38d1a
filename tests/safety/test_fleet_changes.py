"""Tenants remediated and rolled back concurrently (issue 30), one writer per tenant, rolled back exactly.

Simulated tenants served in-process; each simulator's state is compared with what it held before.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.safety.lease import writer_lease
from scorekeeper.store import HistoryStore


def _fleet(names: list[str], store: Any, tmp_path: Path, *, same: tuple[str, str] | None = None) -> tuple[Any, Any]:
    """An engine over one simulator serving a tenant per name (``same``: two names of one tenant)."""
    from scorekeeper.config.model import parse_config
    from scorekeeper.engine import Engine
    from scorekeeper.plugin.manager import load_plugins
    from scorekeeper.simulator.fleet import build_fleet

    sim = build_fleet(len(names))
    ids = dict(zip(names, sim.tenant_ids, strict=True))
    if same is not None:
        ids[same[1]] = ids[same[0]]
    tenants = {name: {"simulator": True, "tenant_id": tid} for name, tid in ids.items()}
    config = parse_config({"tenants": tenants, "scorekeeper": {"concurrency": 4}}, None, data_dir=tmp_path)
    engine = Engine(config, load_plugins(), store, tmp_path, simulators=dict.fromkeys(names, sim))
    return engine, sim


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = HistoryStore.open(str(tmp_path / "history.db"))
    yield opened
    opened.close()


def _watch_writers(engine: Any) -> dict[str, Any]:
    """Wrap the engine's remediate: how many tenants write at once, and whether one lease ever had two."""
    seen: dict[str, Any] = {"active": {}, "most": 0, "doubled": []}
    original = engine.remediate

    async def remediate(tenant: str, plans: Any, **kwargs: Any) -> Any:
        key = engine.lease_key(tenant)
        active = seen["active"]
        if active.get(key):
            seen["doubled"].append(tenant)
        active[key] = active.get(key, 0) + 1
        seen["most"] = max(seen["most"], sum(active.values()))
        try:
            await asyncio.sleep(0.05)  # overlap, if the fleet runs tenants together
            return await original(tenant, plans, **kwargs)
        finally:
            active[key] -= 1

    engine.remediate = remediate
    return seen


async def test_a_fleet_is_remediated_concurrently_and_rolled_back_exactly(store: Any, tmp_path: Path) -> None:
    names = ["alpha", "bravo", "charlie"]
    engine, sim = _fleet(names, store, tmp_path)
    sim.mark()
    seen = _watch_writers(engine)

    changed = await engine.change_fleet(names)

    assert [c.tenant for c in changed] == names
    assert all(c.result is not None and c.result.status == "completed" for c in changed), [
        (c.tenant, c.result and c.result.status, c.refused) for c in changed
    ]
    assert seen["most"] >= 2 and not seen["doubled"]  # tenants together, never two writers of one
    assert {change.tenant_id for change in sim.state_diff()} == set(sim.tenant_ids)  # every tenant written

    runs = [c.result.run_id for c in changed if c.result is not None]
    rolled = await engine.rollback_fleet([(run, engine.rollback_plans(run)[1]) for run in runs])

    assert [r.tenant for r in rolled] == names
    assert all(r.status == "completed" for r in rolled), [(r.tenant, r.status, r.error) for r in rolled]
    assert sim.state_diff() == [], "the fleet does not read as before the remediation"
    assert not engine.write_gate.closed


async def test_two_names_of_one_tenant_are_changed_one_after_another(store: Any, tmp_path: Path) -> None:
    engine, _ = _fleet(["one", "again", "other"], store, tmp_path, same=("one", "again"))
    assert engine.lease_key("one") == engine.lease_key("again") != engine.lease_key("other")
    seen = _watch_writers(engine)

    changed = await engine.change_fleet(["one", "again", "other"])

    assert not seen["doubled"]
    assert seen["most"] >= 2  # "other" still went alongside
    assert changed[0].result is not None and changed[0].result.changes
    assert changed[1].result is None  # the second name found nothing left to write in the same tenant


async def test_a_tenant_another_writer_holds_is_refused_and_nothing_of_it_is_read(store: Any, tmp_path: Path) -> None:
    engine, sim = _fleet(["alpha", "bravo"], store, tmp_path)
    bravo_id = sim.tenant_ids[1]

    # Another process's writer: a second history handle on the same database (leases join per handle).
    elsewhere = HistoryStore.open(str(tmp_path / "history.db"))
    try:
        with writer_lease(elsewhere, "bravo", "manual remediate", key=engine.lease_key("bravo")):
            changed = await asyncio.wait_for(engine.change_fleet(["alpha", "bravo"]), 120)
    finally:
        elsewhere.close()

    alpha, bravo = changed
    assert alpha.result is not None and alpha.result.status == "completed"
    assert bravo.result is None and bravo.plan_run is None and "being changed" in bravo.refused
    assert bravo.refused_code == 1
    assert not [r for r in sim.request_log if r.tenant_id == bravo_id]

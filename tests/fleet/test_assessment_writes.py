"""What one assessed tenant costs the history: two write transactions, and no read of its own.

A fleet pays these once per tenant, so each is counted here: the run's start, and one commit
with everything else (results, pointers, drift, who acted, the directory id, the tenant's whole
Secure Score, and on a first run its imported history). The fleet-wide reads (attestations,
which tenants have a score history) happen once per assessment, not once per tenant.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.testing import make_engine

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


def _watch(store: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The store's transactions of one kind (``_write`` or ``_read``): the thread each one ran in."""
    original, threads = getattr(store, name), []

    @contextmanager
    def noted() -> Iterator[Any]:
        threads.append(threading.current_thread().name)
        with original() as session:
            yield session

    monkeypatch.setattr(store, name, noted)
    return threads


async def test_each_assessed_tenant_costs_two_write_transactions(
    history_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sims = {f"t{i}": Simulator.from_profiles("weak-cloud") for i in range(3)}
    store = history_store
    engine = make_engine(sims, store, tmp_path)
    writes, reads = _watch(store, "_write", monkeypatch), _watch(store, "_read", monkeypatch)
    for _ in range(2):  # the first assessment imports each tenant's Secure Score history, the second does not
        writes.clear()
        reads.clear()
        runs = await engine.assess(list(sims), CONTROLS)
        assert all(r.status == "completed" and not any(c.error for c in r.controls) for r in runs)
        assert len(writes) == 2 * len(sims), "start_run and record_run per tenant, nothing else"
        assert len(reads) == 2, "attested pairs and scored tenants, once for the whole fleet"
    for run, (name, sim) in zip(runs, sims.items(), strict=True):
        actor = store.run_actor(run.run_id)
        assert actor is not None and actor.identity.startswith("app ")
        assert store.tenant_ids()[name] == sim.tenant_id
        assert len(store.score_trend(name)) > 1, "the first run imported Microsoft's kept days"
        latest = store.latest_tenant_score(name)
        assert latest is not None and latest[1], "the control profiles are kept with the run"


async def test_on_sqlite_a_fleet_s_writes_run_on_the_loop_and_on_postgresql_in_the_pool(
    history_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second Python thread doing the writes cost more CPU than the writes (store/loopwrites.py)."""
    sims = {f"t{i}": Simulator.from_profiles("weak-cloud") for i in range(6)}
    store = history_store
    engine = make_engine(sims, store, tmp_path)
    threads = _watch(store, "_write", monkeypatch)
    runs = await engine.assess(list(sims), CONTROLS)
    assert all(r.status == "completed" for r in runs)
    assert len(threads) == 2 * len(sims)
    loop_thread = threading.current_thread().name
    if store.one_writer_at_a_time:
        assert set(threads) == {loop_thread}, threads
    else:
        assert loop_thread not in threads, "PostgreSQL round trips stay off the event loop"

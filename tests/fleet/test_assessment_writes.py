"""What one assessed tenant costs the history: its run's start, a share of one group commit, no read of its own.

A fleet pays these once per tenant, so each is counted here: the run's start, and one commit
(shared with the other tenants finishing in the same loop turn: group commit) with everything
else (results, pointers, drift, who acted, the directory id, the tenant's whole Secure Score, and
on a first run its imported history). The fleet-wide reads (attestations, which tenants have a
score history) happen once per assessment, not once per tenant.
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


def _watch(store: Any, name: str, monkeypatch: pytest.MonkeyPatch, threads: list[str] | None = None) -> list[str]:
    """The store's transactions of one kind (``_write``, ``_write_connection`` or ``_read``): the thread each ran in."""
    original, threads = getattr(store, name), threads if threads is not None else []

    @contextmanager
    def noted() -> Iterator[Any]:
        threads.append(threading.current_thread().name)
        with original() as session:
            yield session

    monkeypatch.setattr(store, name, noted)
    return threads


def _watch_writes(store: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write transaction, with a session or on a bare connection (the write path's)."""
    return _watch(store, "_write_connection", monkeypatch, _watch(store, "_write", monkeypatch))


async def test_each_assessed_tenant_costs_its_start_and_a_share_of_a_group_commit(
    history_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sims = {f"t{i}": Simulator.from_profiles("weak-cloud") for i in range(3)}
    store = history_store
    engine = make_engine(sims, store, tmp_path)
    writes, reads = _watch_writes(store, monkeypatch), _watch(store, "_read", monkeypatch)
    for _ in range(2):  # the first assessment imports each tenant's Secure Score history, the second does not
        writes.clear()
        reads.clear()
        groups = engine._history().group_sizes
        groups.clear()
        runs = await engine.assess(list(sims), CONTROLS)
        assert all(r.status == "completed" and not any(c.error for c in r.controls) for r in runs)
        assert sum(groups) == len(sims), "every run recorded in a group commit"
        assert len(writes) == len(sims) + len(groups), "start_run per tenant and one commit per group, nothing else"
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
    threads = _watch_writes(store, monkeypatch)
    runs = await engine.assess(list(sims), CONTROLS)
    assert all(r.status == "completed" for r in runs)
    assert len(threads) == len(sims) + len(engine._history().group_sizes)
    loop_thread = threading.current_thread().name
    if store.one_writer_at_a_time:
        assert set(threads) == {loop_thread}, threads
    else:
        assert loop_thread not in threads, "PostgreSQL round trips stay off the event loop"

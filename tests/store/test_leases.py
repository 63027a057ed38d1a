"""The writer lease: one holder per tenant, across processes; dead holders taken over; a lost lease noticed."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from scorekeeper.safety.lease import LeaseHeld, held_lease, writer_lease
from scorekeeper.store import HistoryStore
from scorekeeper.store.leases import LeaseHolder
from scorekeeper.store.liveness import ProcessIdentity
from scorekeeper.store.tables import RunRow, TenantLeaseRow

from .helpers import release_all, spawn, wait_ready

ELSEWHERE = ProcessIdentity("host-b", 4242, "other-boot/pid:[4026531836]")


def _set(store: HistoryStore, table: Any, **values: Any) -> None:
    """Write rows directly, as another process would have (works on SQLite and PostgreSQL)."""
    with store._write() as session:
        session.execute(update(table).values(**values))


def _ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def _age(store: HistoryStore, seconds: float) -> None:
    """As if the holder had not beaten for ``seconds``."""
    _set(store, TenantLeaseRow, heartbeat_at=_ago(seconds))


def test_a_second_writer_is_refused_with_the_holders_line(store: HistoryStore) -> None:
    assert store.leases.try_acquire("contoso", "tok-b", "remediate", ELSEWHERE, 10.0).acquired

    with pytest.raises(LeaseHeld) as refused, writer_lease(store, "contoso", "rollback"):
        pytest.fail("the lease was given twice")

    message = str(refused.value)
    assert message.startswith(
        "tenant contoso is being changed by remediate (planning, no run yet) (pid 4242 on host-b)"
    )
    assert " since 20" in message and "UTC" in message
    assert refused.value.exit_code == 1
    assert "\n" not in message


def test_the_holder_line_names_its_run_once_attached(store: HistoryStore) -> None:
    with writer_lease(store, "contoso", "scheduled remediate") as lease:
        run_id = store.start_run("contoso", "remediate", controls=["X"])
        lease.attach(run_id)
        holder = store.leases.holder("contoso")
        assert holder is not None
        assert holder.describe().startswith(f"scheduled remediate run {run_id} (pid {os.getpid()} on ")
    assert store.leases.holder("contoso") is None  # released on the way out


def test_a_lease_is_reentrant_in_one_process_and_per_tenant(store: HistoryStore) -> None:
    with writer_lease(store, "contoso", "remediate") as outer:
        with writer_lease(store, "contoso", "remediate") as inner:
            assert inner is outer
        assert held_lease(store, "contoso") is outer  # the inner block did not release it
        with writer_lease(store, "fabrikam", "remediate"):
            assert len(store.leases.all()) == 2
    assert store.leases.all() == []


def test_a_dead_holders_lease_is_taken_over_and_its_run_interrupted(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "remediate", controls=["X"])
    store.heartbeat.remove_run(run_id)
    assert store.leases.try_acquire("contoso", "tok-dead", "remediate", ELSEWHERE, 10.0).acquired
    assert store.leases.attach_run("contoso", "tok-dead", run_id)
    _set(store, RunRow, process_key="other", heartbeat_at=_ago(60))
    with pytest.raises(LeaseHeld), writer_lease(store, "contoso", "rollback"):  # a fresh lease: alive
        pass

    _age(store, 60)  # four intervals of 10 s without a beat: dead
    with writer_lease(store, "contoso", "rollback") as lease:
        holder = store.leases.holder("contoso")
        assert holder is not None and holder.token == lease.token and holder.purpose == "rollback"
    [run] = store.runs()
    assert run.status == "interrupted" and "no heartbeat" in run.error


def test_take_over_is_a_compare_and_swap_on_what_was_read(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A holder that beats between our read and our update keeps its lease."""
    assert store.leases.try_acquire("contoso", "tok-old", "remediate", ELSEWHERE, 10.0).acquired
    _age(store, 60)
    read = store.leases.holder

    def read_then_the_holder_beats(tenant: str) -> LeaseHolder | None:
        seen = read(tenant)
        _age(store, 0)
        return seen

    monkeypatch.setattr(store.leases, "holder", read_then_the_holder_beats)
    taken = store.leases.try_acquire("contoso", "tok-new", "rollback", ProcessIdentity("h", 1, "k"), 10.0)
    assert not taken.acquired
    monkeypatch.undo()
    assert store.leases.holder("contoso").token == "tok-old"  # type: ignore[union-attr]


def test_a_holder_whose_lease_was_taken_over_learns_it_at_its_next_heartbeat(store: HistoryStore) -> None:
    lost: list[str] = []
    with writer_lease(store, "contoso", "remediate") as lease:
        lease.on_lost(lost.append)
        _set(store, TenantLeaseRow, token="someone-else")  # another process judged us dead and took over
        store.heartbeat.beat()
        assert lost == ["the writer lease on tenant contoso was taken over by another process"]
        assert lease.lost
    assert store.leases.holder("contoso").token == "someone-else"  # type: ignore[union-attr]  # not deleted


def test_the_heartbeat_keeps_runs_and_leases_fresh(store: HistoryStore) -> None:
    from sqlalchemy import select

    run_id = store.start_run("contoso", "remediate", controls=["X"])
    with writer_lease(store, "contoso", "remediate"):
        long_ago = datetime(2000, 1, 1, tzinfo=UTC)
        _set(store, RunRow, heartbeat_at=long_ago)
        _set(store, TenantLeaseRow, heartbeat_at=long_ago)
        store.heartbeat.beat()
        with store._read() as session:
            run_beat = session.execute(select(RunRow.heartbeat_at)).scalar_one()
            lease_beat = session.execute(select(TenantLeaseRow.heartbeat_at)).scalar_one()
        assert run_beat > long_ago and lease_beat > long_ago
    store.finish_run(run_id)
    assert store.interrupt_stale_runs() == 0


def test_two_processes_racing_for_one_tenant_get_exactly_one_lease(history_url: str) -> None:
    workers = [spawn("lease", history_url, "contoso") for _ in range(3)]
    for worker in workers:
        wait_ready(worker)
    release_all(workers)
    answers = []
    for worker in workers:
        assert worker.stdout is not None
        answers.append(json.loads(worker.stdout.readline()))
    winners = [a for a in answers if a["acquired"]]
    losers = [a for a in answers if not a["acquired"]]
    assert len(winners) == 1, answers
    for loser in losers:
        assert loser["message"].startswith(
            f"tenant contoso is being changed by test writer (planning, no run yet) (pid {winners[0]['pid']} on "
        )
    for worker in workers:
        _, err = worker.communicate("", timeout=60)  # closing stdin releases the winner's lease
        assert worker.returncode == 0, err
    with HistoryStore.open(history_url) as store:
        assert store.leases.all() == []  # the winner released it

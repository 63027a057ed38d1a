"""One writer per tenant, across processes and machines: the writer lease.

Everything that writes to a tenant — ``remediate``, ``rollback``, a scheduled remediation, a
queue worker — holds the tenant's lease while it plans and writes. The lease is a row in the
history database (``tenant_leases``; the SQL is in ``scorekeeper/store/leases.py``), so it works
wherever history is shared: one SQLite file on one machine, or PostgreSQL for a fleet. Reading
(assessment) takes no lease.

Use it like this (the only API; queue workers and any other writer must use it too)::

    from scorekeeper.safety.lease import LeaseHeld, writer_lease

    try:
        with writer_lease(store, "contoso", "remediate") as lease:
            ...plan, confirm, engine.remediate(...)   # the engine attaches its run to the lease
    except LeaseHeld as exc:
        print(exc)            # one line naming the holder: purpose, run, pid, host, since when
        exit(exc.exit_code)   # 1

* **Acquire never waits.** A second writer gets :class:`LeaseHeld` at once, naming the holder.
* **Reentrant within a process.** ``Engine.remediate`` takes the lease itself; when the caller
  already holds it (the CLI takes it before planning, so a plan is never made while another
  process writes), the engine's call joins the held lease instead of refusing itself.
* **Dead holders are taken over safely.** The holder's process keeps the lease's heartbeat fresh
  (``scorekeeper/store/heartbeat.py``); a lease whose heartbeat is older than a few intervals —
  or whose process is gone, when that can be known — is replaced by a compare-and-swap on the
  old token, and the dead holder's runs are marked ``interrupted`` first.
* **A lease can be lost.** If a live but stalled holder was judged dead and taken over, its next
  heartbeat finds the row gone and calls every ``on_lost`` callback: the engine closes its write
  gate, so no further write starts.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from scorekeeper.errors import (
    LeaseHeld,  # defined in the one error tree
)
from scorekeeper.store.leases import LeaseHolder
from scorekeeper.store.liveness import this_process

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

__all__ = ["LeaseHeld", "LeaseHolder", "TenantLease", "by_lease", "held_lease", "writer_lease"]


@dataclass
class TenantLease:
    """A lease this process holds. Made by :func:`writer_lease`; never construct one yourself."""

    store: Any
    tenant: str
    token: str
    purpose: str
    lost: str = ""  # why the lease was lost, once it was
    _callbacks: list[Callable[[str], None]] = field(default_factory=list)
    _depth: int = 1

    def attach(self, run_id: int) -> None:
        """Name the run writing under this lease, so a second writer's message can say which."""
        if not self.store.leases.attach_run(self.tenant, self.token, run_id) and not self.lost:
            self._lose(f"the writer lease on tenant {self.tenant} was taken over by another process")

    def on_lost(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(reason)`` if the lease is lost (at once if it already was); returns an unsubscribe."""
        self._callbacks.append(callback)
        if self.lost:
            callback(self.lost)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def _lose(self, reason: str) -> None:
        self.lost = reason
        for callback in list(self._callbacks):
            callback(reason)


_held: dict[tuple[int, str], TenantLease] = {}
_held_lock = threading.Lock()


def held_lease(store: Any, tenant: str) -> TenantLease | None:
    """The lease this process holds on ``tenant`` in ``store``, if any."""
    with _held_lock:
        return _held.get((id(store), tenant))


def lease_key(tenant: str, tenant_id: str = "", graph_url: str = "") -> str:
    """The row a tenant's lease lives in: its directory when the config names one, else its config name.

    The same directory (tenant id) configured under two names is one tenant: keyed by the name, two
    writers held "different" leases and both wrote. The key is the Graph endpoint's host and port
    (the cloud, or one simulator) and the tenant id, lower-cased: ``graph.microsoft.com/<id>``.
    """
    if not tenant_id:
        return tenant
    from urllib.parse import urlsplit

    where = urlsplit(graph_url).netloc.lower() if graph_url else ""
    return f"{where or 'graph'}/{tenant_id.strip().lower()}"


@contextmanager
def writer_lease(store: Any, tenant: str, purpose: str, *, key: str | None = None) -> Iterator[TenantLease]:
    """Hold ``tenant``'s writer lease for the block; raises :class:`LeaseHeld` if another writer has it.

    ``purpose`` names the operation in the holder line another writer sees ("remediate",
    "rollback", "scheduled remediate", "queue worker"...). ``key`` is the tenant's
    :func:`lease_key` (its directory); without it the config name is the key. Nested use in one
    process joins the lease already held.
    """
    row = key or tenant
    key_held = (id(store), row)
    with _held_lock:
        existing = _held.get(key_held)
        if existing is not None:
            existing._depth += 1
    if existing is not None:
        try:
            yield existing
        finally:
            with _held_lock:
                existing._depth -= 1
        return

    # The dead holder's runs become "interrupted" before anyone writes over them.
    store.interrupt_stale_runs()
    token = uuid.uuid4().hex
    result = store.leases.try_acquire(row, token, purpose, this_process(), store.heartbeat.interval)
    if not result.acquired:
        assert result.holder is not None
        raise LeaseHeld(tenant, result.holder)
    lease = TenantLease(store, row, token, purpose)
    if result.previous is not None:
        import logging

        logging.getLogger("scorekeeper.lease").warning(
            "took over the writer lease on tenant %s from %s: %s",
            tenant,
            result.previous.describe(),
            result.previous_reason,
        )
    with _held_lock:
        _held[key_held] = lease
    store.heartbeat.add_lease(row, token, lease._lose)
    try:
        yield lease
    finally:
        with _held_lock:
            _held.pop(key_held, None)
        store.heartbeat.remove_lease(row, token)
        store.leases.release(row, token)


def by_lease(tenants: Iterable[str], key: Callable[[str], str]) -> list[list[str]]:
    """``tenants`` grouped by writer lease (``key``: the engine's ``lease_key``), in order.

    A fleet operation runs the groups concurrently and the tenants of one group one after another:
    two configured names of one directory are one tenant, with one writer at a time.
    """
    groups: dict[str, list[str]] = {}
    for tenant in tenants:
        groups.setdefault(key(tenant), []).append(tenant)
    return list(groups.values())

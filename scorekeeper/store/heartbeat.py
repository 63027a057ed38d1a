"""The heartbeat: one background thread per store that tells history "these runs and leases are alive".

A thread, not an asyncio task, because the process is alive whatever its event loop does: the
CLI runs several short ``asyncio.run`` calls and waits for a person's confirmation in between,
and a lease must stay fresh through all of it. The thread runs only while something is
registered, and writes one short transaction per beat. When a lease's row no longer carries our
token, another writer took it over (it judged us dead): the lease's ``on_lost`` callback is
called so the engine stops issuing writes at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from scorekeeper.store.liveness import heartbeat_seconds
from scorekeeper.store.tables import RunRow, TenantLeaseRow

log = logging.getLogger("scorekeeper.store.heartbeat")

WriteSession = Callable[[], AbstractContextManager[Any]]


class Heartbeat:
    """Refreshes ``heartbeat_at`` of registered runs and leases every :attr:`interval` seconds."""

    def __init__(self, write: WriteSession, interval: float | None = None) -> None:
        self.interval = interval or heartbeat_seconds()
        self._write = write
        self._runs: set[int] = set()
        self._leases: dict[tuple[str, str], Callable[[str], None]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    # ------------------------------------------------------------------ registration
    def add_run(self, run_id: int) -> None:
        with self._lock:
            self._runs.add(run_id)
            self._start()

    def remove_run(self, run_id: int) -> None:
        with self._lock:
            self._runs.discard(run_id)

    def add_lease(self, tenant: str, token: str, on_lost: Callable[[str], None]) -> None:
        with self._lock:
            self._leases[(tenant, token)] = on_lost
            self._start()

    def remove_lease(self, tenant: str, token: str) -> None:
        with self._lock:
            self._leases.pop((tenant, token), None)

    def close(self) -> None:
        """Stop the thread (the store is closing); registered runs simply stop beating."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    # ------------------------------------------------------------------ the thread
    def _start(self) -> None:
        if self._closed or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self._loop, name="scorekeeper-heartbeat", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._wake.wait(self.interval):
            with self._lock:
                if self._closed or (not self._runs and not self._leases):
                    self._thread = None
                    return
            try:
                self.beat()
            except Exception as exc:  # a locked or unreachable database: try again next interval
                log.warning("heartbeat not recorded: %s", exc)
        with self._lock:
            self._thread = None

    def beat(self) -> None:
        """One refresh of everything registered (the thread calls this; tests may too)."""
        with self._lock:
            runs = sorted(self._runs)
            leases = dict(self._leases)
        if not runs and not leases:
            return
        now = datetime.now(UTC)
        lost: list[tuple[tuple[str, str], Callable[[str], None]]] = []
        with self._write() as session:
            if runs:
                session.execute(
                    update(RunRow).where(RunRow.id.in_(runs), RunRow.status == "running").values(heartbeat_at=now)
                )
            for (tenant, token), on_lost in leases.items():
                done = session.execute(
                    update(TenantLeaseRow)
                    .where(TenantLeaseRow.tenant == tenant, TenantLeaseRow.token == token)
                    .values(heartbeat_at=now)
                )
                if done.rowcount != 1:
                    lost.append(((tenant, token), on_lost))
        for key, on_lost in lost:
            self.remove_lease(*key)
            try:
                on_lost(f"the writer lease on tenant {key[0]} was taken over by another process")
            except Exception:
                log.exception("lease-lost callback failed")

"""The engine's "no new writes" flag: once closed, no write to the tenant starts any more.

Why a gate and not cancellation: cancelling the task that is awaiting a write would abandon the
request in flight and leave its outcome unknown. Closing the gate lets the write in flight
finish and be recorded, and refuses every *next* one before it is recorded or sent
(:class:`WritesStopped`). Who closes it: the CLI's signal handling (SIGINT/SIGTERM,
``scorekeeper/safety/signals.py``) and a writer lease that was lost to another process
(``scorekeeper/safety/lease.py``). The engine checks it where every write starts.
"""

from __future__ import annotations

import threading

from scorekeeper.errors import WritesStopped

__all__ = ["WriteGate", "WritesStopped"]


class WriteGate:
    """Thread-safe: signal handlers run on the event loop, a lost lease is seen by the heartbeat thread."""

    def __init__(self) -> None:
        self._closed = threading.Event()
        self._reason = ""

    def close(self, reason: str) -> None:
        """Refuse every write from now on; the first reason given is the one kept."""
        if not self._closed.is_set():
            self._reason = reason
            self._closed.set()

    def reopen(self) -> None:
        """Allow writes again: the engine calls this when the operation the gate stopped has ended."""
        self._reason = ""
        self._closed.clear()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def reason(self) -> str:
        return self._reason

    def check(self) -> None:
        """Raise :class:`WritesStopped` if the gate is closed; call it before a write is recorded or sent."""
        if self._closed.is_set():
            raise WritesStopped(f"no new write started: {self._reason}")

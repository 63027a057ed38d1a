"""The engine's "no new writes" flag: once closed, no write to the tenant starts any more.

Why a gate and not cancellation: cancelling the task that is awaiting a write would abandon the
request in flight and leave its outcome unknown. Closing the gate lets the write in flight
finish and be recorded, and refuses every *next* one before it is recorded or sent
(:class:`WritesStopped`). Who closes it: the CLI's signal handling (SIGINT/SIGTERM,
``scorekeeper/safety/signals.py``) and a writer lease that was lost to another process
(``scorekeeper/safety/lease.py``). The engine checks it where every write starts.
"""

from __future__ import annotations

from scorekeeper.errors import WritesStopped

__all__ = ["WriteGate", "WritesStopped"]


class WriteGate:
    """Thread-safe and safe inside a signal handler: no lock is taken, so nothing can deadlock.

    The heartbeat thread closes it when the lease is lost, and the CLI's Python-level signal
    handler closes it in the main thread *between any two bytecodes* — possibly while that thread
    is inside :meth:`reopen` or :meth:`check`. A ``threading.Event`` takes a lock in ``set`` and
    ``clear``; a handler interrupting ``clear`` would wait for that lock forever. Here the state
    is one list, replaced or appended to atomically under the GIL.
    """

    def __init__(self) -> None:
        self._reasons: list[str] = []

    def close(self, reason: str) -> None:
        """Refuse every write from now on; the first reason given is the one kept."""
        reasons = self._reasons
        if not reasons:
            reasons.append(reason)  # two closers racing both append: the first one's reason stays first

    def reopen(self) -> None:
        """Allow writes again: the engine calls this when the operation the gate stopped has ended."""
        self._reasons = []

    @property
    def closed(self) -> bool:
        return bool(self._reasons)

    @property
    def reason(self) -> str:
        reasons = self._reasons
        return reasons[0] if reasons else ""

    def check(self) -> None:
        """Raise :class:`WritesStopped` if the gate is closed; call it before a write is recorded or sent."""
        reasons = self._reasons
        if reasons:
            raise WritesStopped(f"no new write started: {reasons[0]}")

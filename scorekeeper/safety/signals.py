"""SIGINT and SIGTERM for the CLI: stop writing at once, finish what is in flight, exit 130 / 143.

During a **remediation or rollback** the first signal closes the engine's write gate
(``scorekeeper/safety/gate.py``): no new write starts, the request in flight finishes and is
recorded, the engine marks the run ``interrupted`` and returns, and the CLI prints the rollback
command. The in-flight request gets at most :data:`STOP_GRACE_SECONDS`; after that — or at a
second signal — the operation is cancelled (the engine still records the run as interrupted).

During anything else (an **assessment**, a plan's assessment) the first signal cancels at once:
nothing is written, so there is nothing to wait for.

Either way the command then exits ``128 + signal number``: 130 for SIGINT, 143 for SIGTERM.
Handlers are installed by scorekeeper itself, which also matters in containers: as PID 1 a
process gets no default action for SIGTERM, so without a handler ``docker stop`` would wait and
then SIGKILL it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import Interrupted as Interrupted
from scorekeeper.safety.gate import WriteGate
from scorekeeper.util import eventloop

T = TypeVar("T")

#: Seconds a write in flight may take to finish after SIGINT/SIGTERM before it is cancelled.
STOP_GRACE_SECONDS = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)




class SignalStop:
    """Runs coroutines with SIGINT/SIGTERM handled as the module docstring says; see :func:`stop_on_signals`."""

    def __init__(self, gate: WriteGate | None, grace: float) -> None:
        self.gate = gate
        self.grace = grace
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the command's event loop (``eventloop.run``); raises :class:`Interrupted` on a signal."""
        if self.signum is not None:  # stopped between two steps of one command
            coro.close()
            raise Interrupted(self.signum)
        try:
            return eventloop.run(self._guarded(coro))
        except asyncio.CancelledError:
            if self.signum is not None:
                raise Interrupted(self.signum) from None
            raise

    async def _guarded(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = asyncio.get_running_loop()
        inner = asyncio.ensure_future(coro)

        def on_signal(signum: int) -> None:
            first = self.signum is None
            if first:
                self.signum = signum
            if self.gate is None or not first:
                inner.cancel()
                return
            self.gate.close(f"stopped by {signal.Signals(signum).name}")
            loop.call_later(self.grace, inner.cancel)

        installed = []
        for sig in STOP_SIGNALS:
            try:
                loop.add_signal_handler(sig, on_signal, sig)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                pass
        try:
            return await inner
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)


@contextmanager
def stop_on_signals(gate: WriteGate | None = None, grace: float = STOP_GRACE_SECONDS) -> Iterator[SignalStop]:
    """Handle SIGINT/SIGTERM for the coroutines run with the yielded object's ``run``.

    Pass the engine's write gate for an operation that writes; leave it out for one that only
    reads. The process's own handlers are restored afterwards (asyncio resets them to defaults).
    """
    saved = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        yield SignalStop(gate, grace)
    finally:
        for sig, handler in saved.items():
            with contextlib.suppress(ValueError, TypeError):  # not the main thread, or a handler set from C
                signal.signal(sig, handler)


def raise_on_sigterm() -> None:
    """Turn SIGTERM outside an event loop (a confirmation prompt, opening history) into :class:`Interrupted`.

    SIGINT already raises ``KeyboardInterrupt`` there, which the CLI turns into exit 130.
    """

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    with contextlib.suppress(ValueError):  # not the main thread (the CLI run from a test's worker thread)
        signal.signal(signal.SIGTERM, handler)

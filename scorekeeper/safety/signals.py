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

**A signal is never lost.** A command that plans, asks and then writes runs two event loops
with a prompt between them; a signal may come at any moment of that — while the plan's loop is
winding down, between the two loops, as the last step of a coroutine finishes. So:

* The handler is a plain Python-level handler (``signal.signal``), installed for the whole
  command by :func:`stop_on_signals` (an inner :func:`stop_on_signals` — ``run_async``'s,
  ``run_writing``'s — joins the outer one). The first thing it does is *remember* the signal;
  only then does it act on the operation that is running (close its gate, cancel it).
  asyncio's ``loop.add_signal_handler`` was not enough: a signal it had not read from its
  self-pipe before the loop stopped was dropped, and one read after the coroutine had finished
  cancelled nothing.
* :meth:`SignalStop.run` refuses to start a coroutine once a signal is remembered (the
  coroutine is closed unstarted: nothing written), and a read-only run whose coroutine finished
  while a signal came raises :class:`Interrupted` instead of handing back its result.
* :func:`prompting` marks a blocking prompt: a signal remembered before it stops there, and one
  at the prompt raises there (SIGINT as ``KeyboardInterrupt``, which a prompt turns into "not
  confirmed"). Anywhere else outside a loop the handler only remembers — it never raises into
  arbitrary code, where a ``KeyboardInterrupt`` could be swallowed (a finaliser, a callback).
* While a loop runs, a wake-up socket (``signal.set_wakeup_fd``) makes the loop return to Python
  at once, whichever thread the kernel delivered the signal to, so the handler runs promptly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
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

#: The memory of the command running in the main thread (set while its handlers are installed).
_command: _Memory | None = None


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _name(signum: int) -> str:
    return signal.Signals(signum).name


class _Running:
    """The :meth:`SignalStop.run` in progress: its loop, its task, its gate."""

    def __init__(self, loop: asyncio.AbstractEventLoop, gate: WriteGate | None, grace: float) -> None:
        self.loop = loop
        self.gate = gate
        self.grace = grace
        self.task: asyncio.Future[Any] | None = None

    def signalled(self, signum: int, first: bool) -> None:
        """Called from the signal handler: close the gate now, cancel through the loop (never directly)."""
        if self.gate is not None:
            self.gate.close(f"stopped by {_name(signum)}")  # lock-free: safe inside a handler
        action = self._cancel_later if self.gate is not None and first else self._cancel
        with contextlib.suppress(RuntimeError):  # the loop is closed: run() finds the signal remembered
            self.loop.call_soon_threadsafe(action)

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _cancel_later(self) -> None:
        self.loop.call_later(self.grace, self._cancel)


class _Memory:
    """One command's memory of signals, shared by every :class:`SignalStop` of the command."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.running: _Running | None = None
        self.prompting = False
        self.installed = False

    def handle(self, signum: int, frame: Any) -> None:
        """The Python-level handler of SIGINT and SIGTERM: remember first, then act."""
        first = self.signum is None
        if first:
            self.signum = signum
        running = self.running
        if running is not None:
            running.signalled(signum, first)
        elif self.prompting:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise Interrupted(signum)
        # Otherwise remembered only: the next SignalStop.run (or prompt) stops on it.


@contextmanager
def _installed(memory: _Memory) -> Iterator[None]:
    """``memory``'s handler for SIGINT and SIGTERM while the block runs (main thread only; re-entrant)."""
    global _command
    if memory.installed or not _main_thread():
        yield
        return
    saved: dict[signal.Signals, Any] = {}
    for sig in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, memory.handle)
    memory.installed = True
    outer, _command = _command, memory
    try:
        yield
    finally:
        for restored, handler in saved.items():
            with contextlib.suppress(ValueError, TypeError):  # a handler set from C reads back as None
                signal.signal(restored, handler if handler is not None else signal.SIG_DFL)
        _command = outer
        memory.installed = False


class _Wakeup:
    """While a loop runs: a signal on any thread makes the loop's thread run Python (and the handler) now.

    Python runs a signal's handler in the main thread the next time that thread runs Python code;
    a loop blocked in ``epoll`` (libuv's, which retries on EINTR by itself, or one whose signal
    went to another thread) would not, until some I/O came. The wake-up descriptor is written by
    the C-level handler; reading it is a Python callback, and entering it runs the handler.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous = -1
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        if not _main_thread():
            return
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            self._previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        except (ValueError, OSError):
            reader.close()
            writer.close()
            return
        try:
            loop.add_reader(reader.fileno(), self._drain)
        except (NotImplementedError, RuntimeError, OSError):  # a loop without add_reader (Windows)
            signal.set_wakeup_fd(self._previous, warn_on_full_buffer=False)
            reader.close()
            writer.close()
            return
        self._sockets = (reader, writer)

    def _drain(self) -> None:
        if self._sockets is None:
            return
        with contextlib.suppress(OSError):  # BlockingIOError: drained
            while self._sockets[0].recv(512):
                pass

    def close(self) -> None:
        if self._sockets is None:
            return
        reader, writer = self._sockets
        self._sockets = None
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(self._previous, warn_on_full_buffer=False)
        with contextlib.suppress(Exception):
            self._loop.remove_reader(reader.fileno())
        reader.close()
        writer.close()


class SignalStop:
    """Runs coroutines with SIGINT/SIGTERM handled as the module docstring says; see :func:`stop_on_signals`.

    ``gate``: the engine's write gate for an operation that writes (a signal closes it); ``None``
    for one that only reads (a signal cancels it). Every ``SignalStop`` of one command shares the
    command's memory of signals: :attr:`signum` is the first signal the command received.
    """

    def __init__(
        self, gate: WriteGate | None = None, grace: float = STOP_GRACE_SECONDS, *, memory: _Memory | None = None
    ) -> None:
        self.gate = gate
        self.grace = grace
        self._memory = memory if memory is not None else _Memory()
        #: Whether the last :meth:`run` started its coroutine (``False``: refused before anything ran).
        self.started = False

    @property
    def signum(self) -> int | None:
        return self._memory.signum

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum

    @property
    def name(self) -> str:
        """``SIGINT`` or ``SIGTERM`` (empty when no signal came)."""
        return "" if self.signum is None else _name(self.signum)

    def check(self) -> None:
        """Raise :class:`Interrupted` if the command has received a signal (before a step that must not start)."""
        if self.signum is not None:
            raise Interrupted(self.signum, _before_start(self.signum))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the command's event loop (``eventloop.run``); raises :class:`Interrupted` on a signal.

        A signal remembered before the call: ``coro`` is closed unstarted. With a gate, a signal
        during the run closes it and the run's result comes back (:attr:`exit_code` says 130/143);
        without one, a signal at any moment of the run — its last step included — raises.
        """
        self.started = False
        with _installed(self._memory):
            if self.signum is not None:  # stopped between two steps of one command
                coro.close()
                self.check()
            try:
                result = eventloop.run(self._guarded(coro))
            except asyncio.CancelledError:
                if self.signum is None:
                    raise
                raise Interrupted(self.signum, "" if self.started else _before_start(self.signum)) from None
            except Exception as exc:  # a read broken by the stop: the stop is what the command reports
                if self.signum is None or self.gate is not None:
                    raise
                raise Interrupted(self.signum) from exc
        if self.signum is not None and self.gate is None:  # came as the coroutine finished: still a stop
            raise Interrupted(self.signum)
        return result

    async def _guarded(self, coro: Coroutine[Any, Any, T]) -> T:
        memory = self._memory
        running = _Running(asyncio.get_running_loop(), self.gate, self.grace)
        wakeup = _Wakeup(running.loop)
        memory.running = running
        try:
            if memory.signum is not None:  # came while the loop was being made: never start
                coro.close()
                raise asyncio.CancelledError
            running.task = inner = asyncio.ensure_future(coro)
            self.started = True
            return await inner
        finally:
            memory.running = None
            wakeup.close()


def _before_start(signum: int) -> str:
    return f"interrupted by {_name(signum)} before the next step started"


@contextmanager
def stop_on_signals(gate: WriteGate | None = None, grace: float = STOP_GRACE_SECONDS) -> Iterator[SignalStop]:
    """Handle SIGINT/SIGTERM for the coroutines run with the yielded object's ``run``.

    Pass the engine's write gate for an operation that writes; leave it out for one that only
    reads. Inside another ``stop_on_signals`` block (a command that plans, asks, then writes
    opens one around all three) the yielded object shares that block's memory of signals, so a
    signal anywhere between the steps stops the next one. The process's own handlers are
    restored when the outermost block ends.
    """
    memory = _command if _command is not None and _main_thread() else _Memory()
    with _installed(memory):
        yield SignalStop(gate, grace, memory=memory)


@contextmanager
def prompting() -> Iterator[None]:
    """A blocking prompt inside a command's :func:`stop_on_signals` block.

    A signal the command already received stops here (:class:`Interrupted`); one that comes
    during the prompt raises at once — SIGINT as ``KeyboardInterrupt`` (click's prompt turns it
    into "not confirmed"), SIGTERM as :class:`Interrupted`. Outside such a block it does nothing:
    the process's own handlers raise there anyway.
    """
    memory = _command if _main_thread() else None
    if memory is None:
        yield
        return
    if memory.signum is not None:
        raise Interrupted(memory.signum, _before_start(memory.signum))
    memory.prompting = True
    try:
        yield
    finally:
        memory.prompting = False
    if memory.signum is not None:  # answered, but a signal came as the answer was read
        raise Interrupted(memory.signum, _before_start(memory.signum))


def raise_on_sigterm() -> None:
    """Turn SIGTERM outside an event loop (a confirmation prompt, opening history) into :class:`Interrupted`.

    SIGINT already raises ``KeyboardInterrupt`` there, which the CLI turns into exit 130.
    """

    def handler(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    with contextlib.suppress(ValueError):  # not the main thread (the CLI run from a test's worker thread)
        signal.signal(signal.SIGTERM, handler)

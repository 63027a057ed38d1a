"""Engine operations run off the UI thread, with progress and a cancel that the engine can honour.

Each job runs in a Textual thread worker with an event loop of its own, so neither a plugin's
CPU work, the in-process simulator nor a synchronous SQLite write can stall the interface.
Cancelling cancels the job's asyncio task inside that loop: the engine sees an ordinary
``CancelledError`` and records the run as ``interrupted`` (see ``Engine.assess_tenant``) —
nothing is left half-recorded.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

from textual.message import Message

from scorekeeper.tui.progress import ProgressFold
from scorekeeper.util import eventloop

if TYPE_CHECKING:
    from scorekeeper.engine import Engine

_ids = count(1)


@dataclass(frozen=True)
class Job:
    """One engine operation as the UI starts it.

    ``cancellable`` is False for operations that write (remediate, rollback) or whose run the
    engine does not yet close on cancellation (verify): those finish on their own.
    ``on_done`` runs on the UI thread with the operation's result.
    """

    kind: str
    label: str
    work: Callable[[Engine], Coroutine[Any, Any, Any]]
    cancellable: bool = True
    on_done: Callable[[Any], None] | None = None
    id: int = field(default_factory=lambda: next(_ids))


class JobStarted(Message):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


class JobFinished(Message):
    """The job ended: with a result, an error (one line) or because it was cancelled."""

    def __init__(self, job: Job, result: Any = None, error: str = "", cancelled: bool = False) -> None:
        super().__init__()
        self.job = job
        self.result = result
        self.error = error
        self.cancelled = cancelled


class JobHandle:
    """The bridge between the UI thread and a job's event loop in its worker thread."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self.cancel_requested = False
        #: The engine's progress events of this job, folded in its thread and drawn per frame.
        self.progress = ProgressFold()

    def run(self, engine: Engine) -> Any:
        """Run the job to its end in the calling (worker) thread; raises ``CancelledError`` if cancelled."""

        async def main() -> Any:
            with self._lock:
                self._loop = asyncio.get_running_loop()
                self._task = asyncio.current_task()
                if self.cancel_requested:
                    raise asyncio.CancelledError
            return await self.job.work(engine)

        return eventloop.run(main())

    def cancel(self) -> bool:
        """Ask the job's task to stop; False when the job may not be cancelled."""
        if not self.job.cancellable:
            return False
        with self._lock:
            self.cancel_requested = True
            if self._loop is not None and self._task is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._task.cancel)
        return True


def one_line(exc: BaseException) -> str:
    """An exception as the one line the admin sees (the traceback goes to the log, not the screen)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

"""An exclusive lock on a file that waits its turn: one ``scorekeeper demo`` per data folder at a time.

Two checkouts running ``make demo`` at once share the per-user data folder (the demo tenant's
simulated state and history); the second used to fail half-way. Waiting for the first is what a
person expects. ``fcntl.flock`` is released by the kernel when the holder exits, however it ends,
so a killed demo never leaves a stale lock. Where ``fcntl`` does not exist (Windows) the lock is a
no-op and the old behaviour stays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def waiting_lock(path: Path, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block, calling ``on_wait`` once if another holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

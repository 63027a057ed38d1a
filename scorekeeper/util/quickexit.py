"""Ending the ``scorekeeper`` process without tearing the interpreter down.

When a command has finished, Python's normal exit still joins threads, runs the ``atexit``
handlers, flushes the standard streams — and then finalises the interpreter: one last garbage
collection over the whole heap and the teardown of every module (more than a thousand for an
assessment: SQLAlchemy, the msgraph SDK, pydantic models). Nobody sees that last part, and it
cost 0.2–0.3 s of CPU per process, a quarter of a one-tenant ``assess`` (docs/performance.md,
"Start-up and sessions").

:func:`leaving_quickly` wraps the console script's run: it notes the exit code the command
ended with, and an ``atexit`` handler registered before the command ran — so it runs after every
handler the command registered (temporary directories, weak finalizers) — closes what was
registered with :func:`close_at_exit` (the history store: SQLite checkpoints its WAL then, as it
did when the interpreter closed it), shuts logging down, flushes stdout and stderr, and calls
``os._exit`` with that code. Threads were already joined by then. Handlers registered before the
command started do not run: at the console script's start the only one is logging's, called
here. When anything in that goes
wrong (a stream that cannot be flushed, a store that fails to close) or the command ended
without an integer code (an exception's traceback), or a tracer or profiler is set (coverage, a
debugger: their own ``atexit`` handlers, registered before the command, must run), the handler
steps aside and Python exits as it always has. Only the process's own entry point uses it: a
caller that runs ``main(argv)`` in-process (the tests) keeps its interpreter.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_closers: list[Callable[[], None]] = []
_code: list[int] = []
_armed: list[bool] = []


def close_at_exit(closer: Callable[[], None]) -> None:
    """Run ``closer`` before a quick exit (what the interpreter's teardown would otherwise have closed).

    Kept only in a process that will leave quickly: an in-process caller's objects are not held.
    """
    if _armed:
        _closers.append(closer)


@contextmanager
def leaving_quickly() -> Iterator[None]:
    """Within: the process ends with the command's exit code without the interpreter's teardown."""
    if not _armed:
        _armed.append(True)
        atexit.register(_leave)
    try:
        yield
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            _code[:] = [exc.code or 0]
        raise


def _leave() -> None:
    """The last ``atexit`` handler of the command: close, flush, and end the process with its code."""
    if not _code or sys.gettrace() is not None or sys.getprofile() is not None:
        return  # no code to end with, or a tracer (coverage, a debugger) whose own exit handler must run
    try:
        while _closers:
            _closers.pop()()
        import logging

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # whatever the normal exit would report, it reports: step aside
        return
    os._exit(_code[0])


__all__ = ["close_at_exit", "leaving_quickly"]

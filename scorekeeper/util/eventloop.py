"""Which event loop the ``scorekeeper`` command runs its coroutines on: uvloop where it is installed.

A fleet assessment is a few hundred small HTTP exchanges per second, and asyncio's own loop was
a sixth of py-spy's samples of the client (selector polling, handles, and the thread-safe
wake-ups of the history thread the writes then ran in; docs/performance.md).
uvloop runs the same loop on libuv in C: the loop's share of py-spy's samples halved, and quiet
pairs of 100-tenant runs used about 2 ms less CPU per tenant; at 1,000 tenants the difference is
within the benchmark's run-to-run spread (docs/performance.md). It implements asyncio's whole
event-loop API (signal handlers, executors, TLS, subprocesses), so nothing above this module
knows which loop it runs on.

uvloop has no Windows build; there, or when ``SCOREKEEPER_EVENT_LOOP=asyncio`` asks for it (to
rule the loop out when chasing a fault), the standard loop runs. A library caller that runs the
engine on its own loop keeps that loop: only the command's entry points call :func:`run`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from scorekeeper.errors import (
    UnknownEventLoop,  # defined in the one error tree
)

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

T = TypeVar("T")

#: Environment variable naming the loop: ``uvloop`` (the default where installed) or ``asyncio``.
LOOP_VARIABLE = "SCOREKEEPER_EVENT_LOOP"
LOOPS = ("uvloop", "asyncio")




def chosen_loop() -> str:
    """The loop the environment asks for (``uvloop`` unless told otherwise); checked before anything runs."""
    wanted = os.environ.get(LOOP_VARIABLE, "").strip().lower() or "uvloop"
    if wanted not in LOOPS:
        raise UnknownEventLoop(f"{LOOP_VARIABLE}={wanted!r} is not one of: {', '.join(LOOPS)}")
    return wanted


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory :func:`run` builds its loop with; ``None`` for asyncio's default loop."""
    if chosen_loop() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # Windows, or an install without it: the standard loop does the same work
        return None
    return uvloop.new_event_loop


def loop_name() -> str:
    """``uvloop`` or ``asyncio``: the loop :func:`run` uses here, without starting one."""
    return "asyncio" if loop_factory() is None else "uvloop"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` on the loop :func:`loop_factory` chooses."""
    factory = loop_factory()
    if factory is None:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)

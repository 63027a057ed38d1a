"""The command's event loop: uvloop where installed, the standard loop when asked, a typo refused."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from scorekeeper.safety.signals import stop_on_signals
from scorekeeper.util import eventloop

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


async def running_loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop has no build for this platform")
def test_commands_run_on_uvloop_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(eventloop.LOOP_VARIABLE, raising=False)
    assert eventloop.run(running_loop_module()) == "uvloop"
    with stop_on_signals() as stop:  # the path every CLI command's coroutine takes
        assert stop.run(running_loop_module()) == "uvloop"
    assert eventloop.loop_name() == "uvloop"


def test_the_standard_loop_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.LOOP_VARIABLE, " AsyncIO ")
    assert eventloop.run(running_loop_module()) == "asyncio"
    assert eventloop.loop_name() == "asyncio"


def test_an_unknown_loop_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.LOOP_VARIABLE, "trio")
    with pytest.raises(eventloop.UnknownEventLoop, match="trio"):
        eventloop.chosen_loop()
    coro = running_loop_module()
    with pytest.raises(eventloop.UnknownEventLoop):
        eventloop.run(coro)
    coro.close()


def test_uvloop_carries_exceptions_and_cancellation_like_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the engine relies on: an exception and a cancellation come out of ``run`` unchanged, on either loop."""

    async def fails() -> None:
        await asyncio.sleep(0)
        raise LookupError("kept")

    async def cancelled() -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().call_soon(task.cancel)
        await asyncio.Event().wait()

    for loop in eventloop.LOOPS:
        monkeypatch.setenv(eventloop.LOOP_VARIABLE, loop)
        with pytest.raises(LookupError, match="kept"):
            eventloop.run(fails())
        with pytest.raises(asyncio.CancelledError):
            eventloop.run(cancelled())

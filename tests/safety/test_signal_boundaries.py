"""A signal is never lost: at the end of a coroutine, as a loop winds down, between plan and writes.

The signal is sent in-process (``signal.raise_signal`` / ``os.kill(os.getpid(), …)``) from the
exact step where it used to be lost — the last step of the plan's coroutine, an async generator
the loop closes while it shuts down, the rendering of the plan between the two event loops — so
each boundary is hit on every run, with no sleep and no race. ``remediate`` must then send no
write at all and exit 130 (143 for SIGTERM), on uvloop and on asyncio's own loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from scorekeeper.engine.change import LeasedChange
from scorekeeper.safety.gate import WriteGate
from scorekeeper.safety.signals import Interrupted, SignalStop, prompting, stop_on_signals
from scorekeeper.util import eventloop
from tests.safety.harness import TENANT, Lab

WRITES = ("POST", "PATCH", "PUT", "DELETE")
LOOPS = pytest.mark.parametrize("loop", eventloop.LOOPS)


@pytest.fixture(autouse=True)
def stray_signals() -> Iterator[list[int]]:
    """Signals that reached no scorekeeper handler are recorded here, never raised into pytest.

    Also puts back the process's handlers afterwards (the in-process CLI installs a SIGTERM one).
    """
    stray: list[int] = []

    def record(signum: int, frame: Any) -> None:
        stray.append(signum)

    saved = {sig: signal.signal(sig, record) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield stray
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    assert stray == [], "a signal reached no scorekeeper handler"


@pytest.fixture
def on_loop(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    loop = request.node.callspec.params["loop"]
    monkeypatch.setenv(eventloop.LOOP_VARIABLE, loop)
    return str(loop)


# ----------------------------------------------------------------- SignalStop itself


@LOOPS
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_as_the_coroutine_finishes_is_not_lost(on_loop: str, loop: str, signum: int, code: int) -> None:
    async def planned() -> str:
        await asyncio.sleep(0)
        os.kill(os.getpid(), signum)  # the last step: nothing is awaited after it
        return "plan"

    with stop_on_signals() as stop, pytest.raises(Interrupted) as stopped:
        stop.run(planned())
    assert stopped.value.exit_code == code and stop.exit_code == code


@LOOPS
def test_a_signal_while_the_loop_winds_down_is_not_lost(on_loop: str, loop: str) -> None:
    """The loop closes a suspended async generator at shutdown: its ``finally`` sends the signal."""
    kept: list[Any] = []

    async def ticking() -> AsyncIterator[None]:
        try:
            yield
        finally:
            signal.raise_signal(signal.SIGINT)  # after the coroutine returned, before the loop is gone

    async def planned() -> str:
        generator = ticking()
        await generator.__anext__()
        kept.append(generator)  # alive until the loop's shutdown_asyncgens closes it
        return "plan"

    with stop_on_signals() as stop, pytest.raises(Interrupted):
        stop.run(planned())
    assert stop.exit_code == 130


@LOOPS
def test_a_signal_between_two_loops_refuses_the_next_step_before_it_starts(on_loop: str, loop: str) -> None:
    started: list[str] = []

    async def step(name: str) -> str:
        started.append(name)
        return name

    with stop_on_signals() as command:
        assert command.run(step("plan")) == "plan"
        signal.raise_signal(signal.SIGINT)  # between the two event loops: remembered, not raised
        with stop_on_signals(WriteGate()) as writing:  # joins the command's memory (run_writing's)
            write = step("write")
            with pytest.raises(Interrupted, match="before the next step started"):
                writing.run(write)
            assert not writing.started
        assert write.cr_frame is None  # closed unstarted: no "never awaited" warning either
    assert started == ["plan"]


@LOOPS
def test_a_signal_delivered_to_another_thread_wakes_the_idle_loop(on_loop: str, loop: str) -> None:
    """The kernel may hand the signal to any thread; the loop, waiting on nothing but an event, still stops."""

    def signal_from_this_thread() -> None:
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    async def waits() -> None:
        threading.Thread(target=signal_from_this_thread).start()
        await asyncio.wait_for(asyncio.Event().wait(), 60)  # only the signal ends this in time

    began = time.monotonic()
    with stop_on_signals() as stop, pytest.raises(Interrupted):
        stop.run(waits())
    assert time.monotonic() - began < 30


def test_while_writing_the_first_signal_closes_the_gate_and_a_second_cancels() -> None:
    gate = WriteGate()

    async def writes() -> list[str]:
        done = ["first"]
        signal.raise_signal(signal.SIGINT)
        assert gate.closed and gate.reason == "stopped by SIGINT"  # closed at once, not a loop turn later
        done.append("refused" if gate.closed else "second")
        return done

    stop = SignalStop(gate, grace=60)
    assert stop.run(writes()) == ["first", "refused"]  # the operation ends itself; its result comes back
    assert stop.exit_code == 130

    async def hangs() -> None:
        signal.raise_signal(signal.SIGTERM)  # the first: the gate closes, the write in flight gets 60 s
        assert gate.closed
        signal.raise_signal(signal.SIGINT)  # the second: cancelled now
        await asyncio.Event().wait()

    gate.reopen()
    again = SignalStop(gate, grace=60)
    with pytest.raises(Interrupted) as stopped:
        again.run(hangs())
    assert stopped.value.exit_code == 143 and again.started


def test_a_prompt_raises_at_a_signal_and_stops_on_one_already_received() -> None:
    with stop_on_signals(), pytest.raises(KeyboardInterrupt), prompting():  # click: "not confirmed"
        signal.raise_signal(signal.SIGINT)
    with stop_on_signals():
        with pytest.raises(Interrupted) as stopped, prompting():
            signal.raise_signal(signal.SIGTERM)
        assert stopped.value.exit_code == 143
    with stop_on_signals():
        signal.raise_signal(signal.SIGINT)  # during output, say: remembered
        with pytest.raises(Interrupted), prompting():
            pytest.fail("the prompt must not be shown after a signal")


# ----------------------------------------------------------------- the remediate command


def _signal_as_the_plan_finishes(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    original = LeasedChange.plan

    async def plan(self: LeasedChange, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, *args, **kwargs)
        os.kill(os.getpid(), signum)  # the plan coroutine's last step
        return result

    monkeypatch.setattr(LeasedChange, "plan", plan)


def _signal_as_the_plans_loop_winds_down(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    original = LeasedChange.plan
    kept: list[Any] = []

    async def ticking() -> AsyncIterator[None]:
        try:
            yield
        finally:
            os.kill(os.getpid(), signum)  # closed by the loop's shutdown, after the plan returned

    async def plan(self: LeasedChange, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, *args, **kwargs)
        generator = ticking()
        await generator.__anext__()
        kept.append(generator)
        return result

    monkeypatch.setattr(LeasedChange, "plan", plan)


def _signal_between_plan_and_writes(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    """Sent while the plan is shown: after the plan's event loop, before the writes' one."""
    from scorekeeper.cli import render

    original = render.print_plans

    def print_plans(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(render, "print_plans", print_plans)


BOUNDARIES: dict[str, Callable[[pytest.MonkeyPatch, int], None]] = {
    "as-the-plan-finishes": _signal_as_the_plan_finishes,
    "as-the-plans-loop-winds-down": _signal_as_the_plans_loop_winds_down,
    "between-plan-and-writes": _signal_between_plan_and_writes,
}


def _writes_sent(lab: Lab) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in lab.sim.request_log if r.method in WRITES and not r.path.endswith("/$batch")]


@LOOPS
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_remediate_sends_no_write_after_a_signal_at_any_boundary(
    served: Lab, monkeypatch: pytest.MonkeyPatch, on_loop: str, loop: str, boundary: str
) -> None:
    served.env[eventloop.LOOP_VARIABLE] = loop
    served.sim.mark()
    BOUNDARIES[boundary](monkeypatch, signal.SIGINT)

    result = served.cli("remediate", "--tenant", TENANT, "--yes")

    assert result.code == 130, (result.code, result.err)
    assert "Traceback" not in result.err
    assert result.err.strip().splitlines()[-1].startswith("error: interrupted by SIGINT"), result.err
    assert _writes_sent(served) == [] and served.sim.state_diff() == []
    with served.store() as store:
        assert store.runs(kind="remediate") == []  # no write run was even started
        assert [r.kind for r in store.runs()] == ["plan"]
        assert store.leases.all() == []


def test_sigterm_between_plan_and_writes_exits_143_with_nothing_written(
    served: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    served.sim.mark()
    _signal_between_plan_and_writes(monkeypatch, signal.SIGTERM)
    result = served.cli("remediate", "--tenant", TENANT, "--yes")
    assert result.code == 143, result.err
    assert _writes_sent(served) == [] and served.sim.state_diff() == []


def test_rollback_sends_no_write_after_a_signal_between_its_plan_and_its_writes(
    served: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = served.cli("remediate", "--tenant", TENANT, "--yes")
    assert done.code in (0, 3), done.err
    with served.store() as store:
        remediated = store.runs(kind="remediate")[0].id
    served.sim.mark()
    before = len(served.sim.request_log)
    _signal_between_plan_and_writes(monkeypatch, signal.SIGINT)

    result = served.cli("rollback", str(remediated), "--yes")

    assert result.code == 130, result.err
    assert [r for r in served.sim.request_log[before:] if r.method in WRITES] == []
    assert served.sim.state_diff() == []
    with served.store() as store:
        assert store.runs(kind="rollback") == []


def test_a_signal_after_the_writes_still_ends_the_command_with_130(
    served: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent while the finished run is shown: nothing is cut short, and the exit code still says it came."""
    from scorekeeper.cli import render

    original = render.print_run

    def print_run(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(render, "print_run", print_run)
    result = served.cli("remediate", "--tenant", TENANT, "--yes")
    assert result.code == 130, result.err
    assert "interrupted by SIGINT: what is shown above was done" in result.err
    with served.store() as store:
        [summary] = store.runs(kind="remediate")
        run = store.get_run(summary.id)
        assert run is not None and run.status == "completed"
        assert run.changes and _writes_sent(served)  # every write of the plan was made

"""Reports pause Python's cycle collector while they build and render, and leave it as they found it."""

from __future__ import annotations

import gc

import pytest

from scorekeeper.reports.collector import collector_paused


def test_the_collector_is_paused_inside_and_restored_after_even_on_error() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner block does not turn it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_someone_else_paused_stays_paused() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_each_call_pauses_and_restores() -> None:
    seen = []

    @collector_paused()
    def work() -> None:
        seen.append(gc.isenabled())

    work()
    work()
    assert seen == [False, False] and gc.isenabled()

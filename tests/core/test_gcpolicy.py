"""The collector's policy: a fleet pass collects young garbage less often, and only while it runs."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from scorekeeper.util.gcpolicy import FLEET_YOUNG_THRESHOLD, fleet_collection, relax_collection


@pytest.fixture(autouse=True)
def kept_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_a_fleet_pass_raises_the_young_threshold_and_puts_the_previous_one_back() -> None:
    relax_collection()
    before = gc.get_threshold()
    with fleet_collection():
        assert gc.get_threshold() == (FLEET_YOUNG_THRESHOLD, before[1], before[2])
    assert gc.get_threshold() == before


def test_the_threshold_comes_back_when_the_pass_fails() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), fleet_collection():
        raise RuntimeError("a tenant's pass failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_process_that_already_collects_more_rarely_keeps_its_threshold() -> None:
    gc.set_threshold(FLEET_YOUNG_THRESHOLD * 2, 5, 5)
    with fleet_collection():
        assert gc.get_threshold() == (FLEET_YOUNG_THRESHOLD * 2, 5, 5)
    assert gc.get_threshold() == (FLEET_YOUNG_THRESHOLD * 2, 5, 5)


def test_overlapping_passes_in_two_threads_restore_the_threshold_only_when_the_last_ends() -> None:
    gc.set_threshold(700, 10, 10)
    first_in, first_may_leave = threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with fleet_collection():
            first_in.set()
            first_may_leave.wait(5)
        seen.append(gc.get_threshold())

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(5)
    with fleet_collection():  # a second pass (the TUI runs jobs in worker threads) starts while the first runs
        pass
    assert gc.get_threshold()[0] == FLEET_YOUNG_THRESHOLD  # the first pass is still under way
    first_may_leave.set()
    thread.join(5)
    assert seen == [(700, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)

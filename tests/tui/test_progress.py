"""Progress at fleet size: events are folded in the engine's thread and drawn once per frame."""

from __future__ import annotations

import threading

from scorekeeper.domain.model import ProgressEvent
from scorekeeper.tui.progress import ProgressFold
from scorekeeper.tui.widgets.activity import Activity
from tests.tui.conftest import SlowToyPlugin
from tests.tui.helpers import settle


def events(tenant: str, settings: int, control: str = "C") -> list[ProgressEvent]:
    out = [ProgressEvent(tenant, control, "assess", status="started", total=settings)]
    out += [ProgressEvent(tenant, control, "assess", setting=f"s{i}", status="pass") for i in range(settings)]
    return [*out, ProgressEvent(tenant, control, "assess", status="done", completed=settings, total=settings)]


def test_the_fold_tallies_as_the_cli_progress_bar_does() -> None:
    fold = ProgressFold()
    assert fold.snapshot().latest is None
    started, *settings, done = events("t1", 3)
    fold.add(started)
    assert (fold.snapshot().done, fold.snapshot().total) == (0, 3)
    for event in settings[:2]:
        fold.add(event)
    assert (fold.snapshot().done, fold.snapshot().total) == (2, 3)
    fold.add(started)  # a control announced again starts over
    assert (fold.snapshot().done, fold.snapshot().total) == (0, 3)
    fold.add(done)
    snapshot = fold.snapshot()
    assert (snapshot.done, snapshot.total, snapshot.latest, snapshot.events) == (3, 3, done, 5)
    # a setting beyond what was announced never counts past the total
    fold.add(settings[0])
    assert (fold.snapshot().done, fold.snapshot().total) == (3, 3)


def test_the_fold_is_exact_when_many_threads_add_at_once() -> None:
    fold = ProgressFold()
    barrier = threading.Barrier(8)

    def tenant(n: int) -> None:
        barrier.wait()
        for event in events(f"t{n}", 27):
            fold.add(event)

    threads = [threading.Thread(target=tenant, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = fold.snapshot()
    assert (snapshot.done, snapshot.total, snapshot.events) == (8 * 27, 8 * 27, 8 * 29)


async def test_a_running_job_shows_its_progress_and_no_message_per_event(make_app) -> None:
    plugin = SlowToyPlugin(hold=True)
    app = make_app(plugin)
    async with app.run_test() as pilot:
        await settle(pilot)
        posted: list[object] = []
        original = app.post_message

        def counting(message: object) -> bool:
            posted.append(message)
            return original(message)  # type: ignore[arg-type]

        app.post_message = counting  # type: ignore[method-assign]
        app.assess(["t1", "t2"])
        for _ in range(2000):  # bounded: each pause waits for the app to handle what is pending
            if plugin.entered.is_set() and app.job is not None and app.job.progress.snapshot().events:
                break
            await pilot.pause()
        else:
            raise AssertionError("the engine reported no progress")
        activity = app.screen.query_one(Activity)
        try:
            activity._draw()  # the frame the timer would draw next
            shown = activity.text
            # The engine reported progress, yet no message carried an event to the UI thread.
            carried = [m for m in posted if any(isinstance(v, ProgressEvent) for v in vars(m).values())]
        finally:
            app.action_cancel_job()  # the held plugin waits for this
        await settle(pilot)
        assert "assess t1, t2" in shown and "ToyControl" in shown and "started" in shown, shown
        assert app.job is None and not carried, carried
        assert "cancelled" in activity.text

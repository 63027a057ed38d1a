"""The live progress strip: which job runs, what the engine last reported, and how far it got.

It draws the :class:`~scorekeeper.tui.progress.ProgressFold` of the running job — the same
:class:`ProgressEvent` objects the CLI's rich progress bar renders, tallied the same way, but
folded in the engine's thread — at most once every :data:`FRAME_SECONDS`. Events can arrive
thousands per second (many tenants at once); the pane's work follows the frames, not the events.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from scorekeeper.model import Status
from scorekeeper.tui.progress import ProgressFold

#: How often a running job's progress is redrawn.
FRAME_SECONDS = 0.1


class Activity(Vertical):
    """Hidden while idle; shown with a progress bar while a job runs, then with its outcome."""

    DEFAULT_CLASSES = "idle"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._label = ""
        self._fold = ProgressFold()
        self._drawn = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="activity-text")
        yield ProgressBar(id="activity-bar", show_eta=False)

    def on_mount(self) -> None:
        """A screen opened while a job runs shows that job's progress too."""
        handle = getattr(self.app, "job", None)
        if handle is not None:
            self.start(handle.job.label, handle.job.cancellable, handle.progress)

    @property
    def text(self) -> str:
        """The status line as plain text (what a screen reader or a test sees)."""
        return str(self.query_one("#activity-text", Static).content)

    def start(self, label: str, cancellable: bool, fold: ProgressFold) -> None:
        """Show ``label`` and draw ``fold`` (which the job's engine feeds) every frame until :meth:`finish`."""
        self._fold = fold
        self._label = label
        self.remove_class("idle", "ended")
        self.add_class("running")
        hint = "  (x cancels)" if cancellable else "  (writes in progress: runs to the end)"
        self._show(Text(f"▶ {label}…{hint}"))
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        self._drawn = 0
        if self._timer is None:
            self._timer = self.set_interval(FRAME_SECONDS, self._draw)

    def _draw(self) -> None:
        snapshot = self._fold.snapshot()
        event = snapshot.latest
        if event is None or snapshot.events == self._drawn:
            return
        self._drawn = snapshot.events
        self.query_one(ProgressBar).update(total=snapshot.total or None, progress=snapshot.done)
        line = Text(f"▶ {self._label}  ")
        line.append(f"{event.phase} {event.tenant}/{event.control}")
        if event.setting:
            line.append(f"  {event.setting}: ")
            line.append(_status_word(event.status))
        elif event.status:
            line.append(f"  {event.status}")
        if event.message:
            line.append(f" — {event.message}")
        self._show(line)

    def finish(self, summary: Text) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.remove_class("running")
        self.add_class("ended")
        self._show(summary)

    def _show(self, text: Text) -> None:
        text.truncate(max(self.size.width, 20) - 1 if self.size.width else 200, overflow="ellipsis")
        self.query_one("#activity-text", Static).update(text)


def _status_word(status: str) -> str:
    try:
        value = Status(status)
    except ValueError:
        return status
    return f"{value.symbol} {value.value}"

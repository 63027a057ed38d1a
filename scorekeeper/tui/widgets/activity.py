"""The live progress strip: which job runs, what the engine last reported, and how far it got.

It is fed the same :class:`ProgressEvent` objects the CLI's rich progress bar renders, and
tallies them the same way: a control's ``started`` event announces how many settings follow,
each setting event advances by one, ``done`` completes the control. Events can arrive hundreds
per second (many tenants at once), so they are tallied as they come and drawn at most
:data:`FRAME_SECONDS` apart: redrawing per event would spend the time the keyboard needs.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from scorekeeper.model import ProgressEvent, Status

#: How often a running job's progress is redrawn.
FRAME_SECONDS = 0.1


class Activity(Vertical):
    """Hidden while idle; shown with a progress bar while a job runs, then with its outcome."""

    DEFAULT_CLASSES = "idle"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._tally: dict[tuple[str, str, str], list[int]] = {}
        self._label = ""
        self._latest: ProgressEvent | None = None
        self._drawn: ProgressEvent | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="activity-text")
        yield ProgressBar(id="activity-bar", show_eta=False)

    @property
    def text(self) -> str:
        """The status line as plain text (what a screen reader or a test sees)."""
        return str(self.query_one("#activity-text", Static).content)

    def start(self, label: str, cancellable: bool) -> None:
        self._tally.clear()
        self._label = label
        self.remove_class("idle", "ended")
        self.add_class("running")
        hint = "  (x cancels)" if cancellable else "  (writes in progress: runs to the end)"
        self._show(Text(f"▶ {label}…{hint}"))
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        self._latest = self._drawn = None
        if self._timer is None:
            self._timer = self.set_interval(FRAME_SECONDS, self._draw)

    def progress(self, event: ProgressEvent) -> None:
        """Tally one event; the next frame draws it."""
        key = (event.tenant, event.control, event.phase)
        done_total = self._tally.setdefault(key, [0, 0])
        if event.status == "started":
            done_total[:] = [0, max(event.total, 0)]
        elif event.status == "done":
            done_total[0] = done_total[1] = max(done_total[1], event.total, event.completed)
        elif event.setting:
            done_total[0] = min(done_total[0] + 1, done_total[1]) if done_total[1] else done_total[0] + 1
        self._latest = event

    def _draw(self) -> None:
        event = self._latest
        if event is None or event is self._drawn:
            return
        self._drawn = event
        total = sum(t for _, t in self._tally.values())
        done = sum(d for d, _ in self._tally.values())
        self.query_one(ProgressBar).update(total=total or None, progress=done)
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

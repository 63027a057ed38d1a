"""The live progress strip: which job runs, what the engine last reported, and how far it got.

It draws the :class:`~scorekeeper.tui.progress.ProgressFold` of the running job — the same
:class:`ProgressEvent` objects the CLI's rich progress bar renders, tallied the same way, but
folded in the engine's thread — at most once every :data:`FRAME_SECONDS`. Events can arrive
thousands per second (many tenants at once); the pane's work follows the frames, not the events.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widget import Widget

from scorekeeper.domain.model import Status
from scorekeeper.tui.progress import ProgressFold
from scorekeeper.tui.safe import safe_text

#: How often a running job's progress is redrawn.
FRAME_SECONDS = 0.1


class Line(Widget):
    """One line of text that redraws itself without asking the screen for a new layout.

    A ``Static``'s or ``ProgressBar``'s update re-lays out the whole screen (its size might have
    changed); at 10 frames a second beside a 3,000-row table that was most of what the TUI added
    to a fleet assessment. This line is one cell high and as wide as its parent, always.
    """

    DEFAULT_CSS = "Line { height: 1; width: 1fr; }"

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.content = Text()

    def set(self, text: Text) -> None:
        """Show ``text`` (cleaned: a job's error line and the engine's progress carry tenant text)."""
        self.content = safe_text(text)
        self.refresh()

    def render(self) -> RenderResult:
        return self.content


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
        yield Line(id="activity-text")
        yield Line(id="activity-bar")

    def on_mount(self) -> None:
        """A screen opened while a job runs shows that job's progress too."""
        handle = getattr(self.app, "job", None)
        if handle is not None:
            self.start(handle.job.label, handle.job.cancellable, handle.progress)

    @property
    def text(self) -> str:
        """The status line as plain text (what a screen reader or a test sees)."""
        return self.query_one("#activity-text", Line).content.plain

    def start(self, label: str, cancellable: bool, fold: ProgressFold) -> None:
        """Show ``label`` and draw ``fold`` (which the job's engine feeds) every frame until :meth:`finish`."""
        self._fold = fold
        self._label = label
        self.remove_class("idle", "ended")
        self.add_class("running")
        hint = "  (x cancels)" if cancellable else "  (writes in progress: runs to the end)"
        self._show(Text(f"▶ {label}…{hint}"))
        self.query_one("#activity-bar", Line).set(Text("waiting for the first result…", style="italic"))
        self._drawn = 0
        if self._timer is None:
            self._timer = self.set_interval(FRAME_SECONDS, self._draw)

    def _draw(self) -> None:
        snapshot = self._fold.snapshot()
        event = snapshot.latest
        if event is None or snapshot.events == self._drawn:
            return
        self._drawn = snapshot.events
        self.query_one("#activity-bar", Line).set(self._bar(snapshot.done, snapshot.total))
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

    def _bar(self, done: int, total: int) -> Text:
        """``━━━━━━━━╸──────  42% · 11,340 of 27,000 settings``, in the theme's accent colour."""
        palette = getattr(self.app, "palette", {})
        tail = f"  {done * 100 // total if total else 0:3d}% · {done:,} of {total:,} settings"
        width = max((self.size.width or 80) - 2 - len(tail), 10)
        filled = width * done // total if total else 0
        bar = Text("━" * filled, style=palette.get("accent", ""))
        bar.append("─" * (width - filled), style=palette.get("foreground-muted", ""))
        return bar.append(tail)

    def _show(self, text: Text) -> None:
        text.truncate(max(self.size.width, 20) - 1 if self.size.width else 200, overflow="ellipsis")
        self.query_one("#activity-text", Line).set(text)


def _status_word(status: str) -> str:
    try:
        value = Status(status)
    except ValueError:
        return status
    return f"{value.symbol} {value.value}"

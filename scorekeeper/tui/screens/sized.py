"""A screen built around one table whose columns follow the terminal's width.

The overview, history, control and Secure Score screens each show one table laid out for 80
columns and widened when there is room (:func:`scorekeeper.tui.format.sized_columns`). What
they share lives here once: the columns added at their current widths, a resize that lays them
out again only when the widths change. What differs stays on each screen: which columns take
the spare width (:meth:`SizedTableScreen._resize`) and whether rows are there to refill.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.screen import Screen
from textual.widgets import DataTable


class SizedTableScreen(Screen[None]):
    """A screen whose table ``TABLE_ID`` has the columns ``TABLE_COLUMNS`` (label, width at 80 columns)."""

    #: The table's selector (``"#overview"``).
    TABLE_ID: ClassVar[str]
    #: The columns in order, each with its width on an 80-column terminal.
    TABLE_COLUMNS: ClassVar[tuple[tuple[str, int], ...]]
    #: The widths the columns have now, by label.
    widths: dict[str, int]

    def _start_columns(self) -> None:
        """On mount: the columns at their 80-column widths, before the first resize or load."""
        self.widths = dict(self.TABLE_COLUMNS)
        self._add_columns()

    def _add_columns(self) -> None:
        table = self.query_one(self.TABLE_ID, DataTable)
        table.clear(columns=True)
        for label, _ in self.TABLE_COLUMNS:
            table.add_column(label, width=self.widths[label], key=label)

    def on_resize(self, event: events.Resize) -> None:
        self._resize(event.size.width)

    def _resize(self, width: int) -> None:
        """Lay the columns out for a terminal ``width`` wide (each screen shares the spare width its way)."""
        raise NotImplementedError

    def _set_widths(self, widths: dict[str, int]) -> bool:
        """Add the columns again at ``widths`` when they differ from the current ones; whether they did.

        The caller refills the rows when it has some (re-adding columns empties the table).
        """
        if widths == getattr(self, "widths", None):
            return False
        self.widths = widths
        self._add_columns()
        return True

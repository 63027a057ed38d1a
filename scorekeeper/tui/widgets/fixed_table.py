"""A DataTable whose columns all have a set width, so adding rows measures nothing and draws lazily.

Textual's DataTable measures every cell of every new row (to size auto-width columns) the next
time it is idle: for the overview's 2,000 rows at fleet size that was about 0.9 s of the first
screen, spent on widths the overview never uses — its columns are sized to the terminal by
:func:`scorekeeper.tui.format.sized_columns`, and each cell is cut to its column by ``fit``.
When every column has a fixed width and no row has a label or an automatic height, this table
skips the measuring and only updates the scrollable size; rows are still rendered lazily, line
by line, as they scroll into view. Anything else falls back to DataTable's own behaviour.

:meth:`FixedTable.add_rows_at_once` adds many keyed rows with the bookkeeping of
``DataTable.add_row`` done once for all of them (``add_row`` re-validates the cursor, a reactive
with watchers, after every row: a third of a 3,000-row refill). :class:`LazyCell` defers building a
cell's Rich text until the table draws it — only the rows on screen are ever drawn.

It overrides one private DataTable method (``_update_dimensions``) and fills DataTable's private
row maps as ``add_row`` does (Textual 8.2, pinned in constraints.txt);
``tests/tui/test_fixed_table.py`` checks the table lays out and behaves exactly as DataTable does.

Like every table of the dashboard it is a :class:`~scorekeeper.tui.safe.SafeTable`: its cells are
cleaned of terminal controls as they are added, and a :class:`LazyCell` cleans the text it builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.geometry import Size
from textual.widgets._data_table import DuplicateKey, Row, RowKey

from scorekeeper.tui.safe import SafeTable, safe_cell, safe_text


class LazyCell:
    """A table cell whose text is built (and cleaned) the first time it is drawn (or read as a string)."""

    __slots__ = ("_build", "_text")

    def __init__(self, build: Callable[[], Text]) -> None:
        self._build: Callable[[], Text] | None = build
        self._text: Text | None = None

    @property
    def text(self) -> Text:
        if self._text is None:
            assert self._build is not None
            self._text, self._build = safe_text(self._build()), None
        return self._text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Any:
        return self.text.__rich_measure__(console, options)

    def __str__(self) -> str:
        return self.text.plain


class FixedTable(SafeTable):
    """DataTable without per-row measuring when every column's width is set."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        rows = list(new_rows)
        columns = self.ordered_columns
        if any(column.auto_width for column in columns) or any(
            (row := self.rows.get(key)) is not None and (row.label is not None or row.auto_height) for key in rows
        ):
            super()._update_dimensions(rows)
            return
        width = sum(column.get_render_width(self) for column in columns) + self._row_label_column_width
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self._total_row_height + header)

    def add_rows_at_once(self, rows: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Append ``(key, cells)`` rows, one line high, as that many ``add_row`` calls would."""
        columns = [column.key for column in self.ordered_columns]
        was_empty = self.row_count == 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = self.row_count
            self._data[row_key] = dict(zip_longest(columns, (safe_cell(cell) for cell in cells)))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.row_count and columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

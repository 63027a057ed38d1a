"""A DataTable whose columns all have a set width, so adding rows measures nothing.

Textual's DataTable measures every cell of every new row (to size auto-width columns) the next
time it is idle: for the overview's 2,000 rows at fleet size that was about 0.9 s of the first
screen, spent on widths the overview never uses — its columns are sized to the terminal by
:func:`scorekeeper.tui.format.sized_columns`, and each cell is cut to its column by ``fit``.
When every column has a fixed width and no row has a label or an automatic height, this table
skips the measuring and only updates the scrollable size; rows are still rendered lazily, line
by line, as they scroll into view. Anything else falls back to DataTable's own behaviour.

It overrides one private DataTable method (``_update_dimensions``, Textual 8.2, pinned in
constraints.txt); ``tests/tui/test_fixed_table.py`` checks it lays out exactly as DataTable does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey


class FixedTable(DataTable[Any]):
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

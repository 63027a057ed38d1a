"""FixedTable lays rows out exactly as DataTable does, without measuring every cell of every row."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from scorekeeper.tui.widgets.fixed_table import FixedTable, LazyCell


class Tables(App[None]):
    def __init__(self, auto_width: bool = False) -> None:
        super().__init__()
        self.auto_width = auto_width

    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cell_padding=0)
        yield FixedTable(id="fixed", cell_padding=0)

    def fill(self, rows: int) -> None:
        for table in self.query(DataTable):
            for label, width in (("name", 12), ("counts", 9), ("when", 21)):
                table.add_column(label, width=None if self.auto_width and label == "when" else width, key=label)
            for n in range(rows):
                table.add_row(f"tenant-{n:04d}", Text(f"✔{n} ✘1"), "2026-01-05 09:00 UTC", key=str(n))


@pytest.mark.parametrize("auto_width", [False, True])
async def test_same_layout_as_datatable(auto_width: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[Any] = []
    import textual.widgets._data_table as data_table

    real_measure = data_table.measure
    app = Tables(auto_width)
    async with app.run_test(size=(60, 20)) as pilot:
        monkeypatch.setattr(data_table, "measure", lambda *a, **k: measured.append(a) or real_measure(*a, **k))
        app.fill(300)
        await pilot.pause()
        plain, fixed = app.query_one("#plain", DataTable), app.query_one("#fixed", FixedTable)
        assert fixed.virtual_size == plain.virtual_size
        assert fixed.row_count == plain.row_count == 300
        assert [c.get_render_width(fixed) for c in fixed.ordered_columns] == [
            c.get_render_width(plain) for c in plain.ordered_columns
        ]
        fixed.move_cursor(row=299)
        await pilot.pause()
        assert fixed.cursor_row == 299 and fixed.scroll_y > 0
        assert str(fixed.get_row_at(299)[0]) == "tenant-0299"
    # DataTable measured each of its 300 rows' cells; FixedTable none with fixed widths, and
    # with an auto-width column it falls back to measuring like DataTable.
    cells = [m for m in measured if str(m[1]) not in ("name", "counts", "when")]  # not the column labels
    assert len(cells) == (2 if auto_width else 1) * 300 * 3


class Filled(App[None]):
    """The same rows through DataTable.add_row and FixedTable.add_rows_at_once, one above the other."""

    CSS = "DataTable { height: 1fr; }"

    def __init__(self) -> None:
        super().__init__()
        self.built: list[int] = []
        self.highlighted: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cell_padding=0, cursor_type="row")
        yield FixedTable(id="fixed", cell_padding=0, cursor_type="row")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted.append((event.data_table.id or "", event.cursor_row))

    def lazy(self, n: int) -> LazyCell:
        def build() -> Text:
            self.built.append(n)
            return Text(f"✔{n}", style="bold")

        return LazyCell(build)


async def test_rows_at_once_behave_as_rows_one_by_one() -> None:
    app = Filled()
    async with app.run_test(size=(60, 12)) as pilot:
        plain, fixed = app.query_one("#plain", DataTable), app.query_one("#fixed", FixedTable)
        for table in (plain, fixed):
            table.add_column("name", width=12, key="name")
            table.add_column("counts", width=8, key="counts")
        for n in range(500):
            plain.add_row(f"tenant-{n:04d}", Text(f"✔{n}", style="bold"), key=str(n))
        fixed.add_rows_at_once((str(n), [f"tenant-{n:04d}", app.lazy(n)]) for n in range(500))
        await pilot.pause()
        assert fixed.row_count == plain.row_count == 500
        assert fixed.virtual_size == plain.virtual_size
        assert (
            [str(c) for c in fixed.get_row_at(42)] == [str(c) for c in plain.get_row_at(42)] == ["tenant-0042", "✔42"]
        )
        assert fixed.get_row_index("7") == plain.get_row_index("7") == 7
        assert ("plain", 0) in app.highlighted and ("fixed", 0) in app.highlighted
        with pytest.raises(Exception, match="already exists"):
            fixed.add_rows_at_once([("7", ["again"])])
        # Only the rows drawn (those on screen) built their text; row 42 was read as a string above.
        assert 0 < len(set(app.built) - {42}) < 20
        fixed.move_cursor(row=499)
        await pilot.pause()
        assert fixed.cursor_row == 499 and 499 in app.built

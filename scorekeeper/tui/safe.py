"""The dashboard's one gate for text: whatever a widget is handed to show is cleaned here first.

Tenant text — finding reasons and values, Graph's error messages, Secure Score titles,
categories, comments and who set a state, a job's one-line error — reaches the screen in table
cells, labels and notifications. Textual draws what it is given (rich drops only BEL, BS, VT, FF
and CR): an ESC sequence, a C1 ``CSI`` or a bidi override from a tenant would go to the
terminal as it is. Rather than cleaning at every place a screen builds text, the widgets the
screens draw tenant text with clean whatever they are handed
(:func:`scorekeeper.util.safetext.clean`):

* :class:`SafeStatic` — every label and detail pane (its content at construction and ``update``);
* :class:`SafeTable` — every table cell (``add_row``; :class:`~scorekeeper.tui.widgets.fixed_table.FixedTable`
  builds on it, and its lazily built cells clean themselves);
* ``Line.set`` (the activity strip) and ``ScorekeeperApp.notify`` (every toast) call :func:`safe`.

A string cell becomes plain :class:`~rich.text.Text`, never markup: a tenant's ``[@click=…]`` or
``[link=…]`` stays text. Styled text keeps its styles; only the removed characters go.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Span, Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from scorekeeper.util.safetext import clean, is_clean, unsafe_positions


def safe_text(text: Text) -> Text:
    """``text`` without terminal controls, bidi controls and invisible characters, its styles kept in place."""
    plain = text.plain
    removed = unsafe_positions(plain)
    if not removed:
        return text
    # Where each old index lands once the removed characters are gone (spans move with their text).
    landing: list[int] = []
    kept = 0
    gone = set(removed)
    for index in range(len(plain)):
        landing.append(kept)
        if index not in gone:
            kept += 1
    landing.append(kept)
    cleaned = Text(
        clean(plain),
        style=text.style,
        justify=text.justify,
        overflow=text.overflow,
        no_wrap=text.no_wrap,
        end=text.end,
        tab_size=text.tab_size,
    )
    cleaned.spans = [
        Span(landing[span.start], landing[min(span.end, len(plain))], span.style)
        for span in text.spans
        if landing[min(span.end, len(plain))] > landing[span.start]
    ]
    return cleaned


def safe(content: Any) -> Any:
    """``content`` for a notification or a line, cleaned: a string stays a string, a ``Text`` stays styled."""
    if isinstance(content, str):
        return clean(content)
    if isinstance(content, Text):
        return safe_text(content)
    return content  # our own renderables (a lazily built cell cleans itself)


def _plain(value: str, **text: Any) -> str | Text:
    """A string a widget would read as markup: as it is when that changes nothing, else as cleaned plain text.

    Most cells and labels have no ``[`` and nothing to remove; they stay strings (no object per
    cell of a 3,000-row table). The rest become ``Text``, which is never read as markup.
    """
    if "[" not in value and is_clean(value):
        return value
    return Text(clean(value), **text)


def safe_cell(value: Any) -> Any:
    """A table cell, cleaned; a string is shown as plain text (never markup), as DataTable draws a one-line cell."""
    if isinstance(value, str):
        return _plain(value, no_wrap=True, end="")
    return safe(value)


def safe_content(content: Any) -> Any:
    """A label's content, cleaned; a string is shown as plain text (never markup)."""
    if isinstance(content, str):
        return _plain(content)
    return safe(content)


class SafeStatic(Static):
    """A ``Static`` whose content is always cleaned, and a string never read as markup (see the module docstring)."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        super().__init__(safe_content(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(safe_content(content), layout=layout)


class SafeTable(DataTable[Any]):
    """A ``DataTable`` whose cells (and row labels) are always cleaned (see the module docstring).

    ``j`` and ``k`` move the cursor as ``↓`` and ``↑`` do, for hands that stay on the home row.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        if kwargs.get("label") is not None:
            kwargs["label"] = safe_cell(kwargs["label"])
        return super().add_row(*(safe_cell(cell) for cell in cells), **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, safe_cell(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, safe_cell(value), **kwargs)

"""Short, safe text for any front end: values cut to a width, run markers, local times.

The CLI's tables, the dashboard's cells and the reports show tenant values the same way; the
one implementation lives here, below every front end (none imports another).
"""

from __future__ import annotations

import json
from typing import Any

from scorekeeper.domain.diff import MISSING
from scorekeeper.util.safetext import clean


def short(value: Any, width: int = 48) -> str:
    """A compact one-line form of a JSON value for a table cell or a diff line (CLI and TUI).

    ``—`` for nothing, ``(absent)`` for a field a value does not have (:data:`scorekeeper.domain.diff.MISSING`).
    Terminal controls and bidi overrides in tenant text are removed (:func:`scorekeeper.util.safetext.clean`).
    """
    text = full(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def full(value: Any) -> str:
    """The whole value as text, never cut: a table folds it over lines instead (CLI tables)."""
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "—"
    if isinstance(value, str):
        return clean(value)
    return clean(json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str))


def cell(value: Any) -> str:
    """A value for a wrapping table cell: a list one item per line, anything else :func:`full`."""
    if isinstance(value, list) and value and all(not isinstance(v, dict | list) for v in value):
        return "\n".join(full(v) for v in value)
    return full(value)


#: The legend of :func:`run_marker`, shared by the CLI's history and the TUI's.
RUN_MARKERS = "⏲ scheduled  ↩N acts on run N"


def run_marker(scheduled: bool, parent_run_id: int | None) -> str:
    """`` ⏲`` for a scheduled run and `` ↩N`` for one acting on run N: the same in the CLI and the TUI."""
    return (" ⏲" if scheduled else "") + (f" ↩{parent_run_id}" if parent_run_id else "")


def local_time(moment: Any) -> str:
    """A timestamp for people: date with the year, time and the local zone (``2026-12-01 09:05 CET``)."""
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")

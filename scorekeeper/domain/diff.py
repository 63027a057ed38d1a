"""What a change really changes: the leaves of two JSON values that differ.

A plan item carries a setting's whole current and desired value (a portal policy slice, a
Conditional Access policy); a person confirming a write needs the few fields that move, not two
blobs to compare by eye. The CLI and the TUI both show this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()


@dataclass(frozen=True)
class FieldChange:
    """One leaf that differs; ``path`` is dotted (``""`` when the values are not objects)."""

    path: str
    before: Any
    after: Any


def field_changes(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Leaves of ``before`` and ``after`` that differ, in a stable order.

    Objects are compared key by key (recursively) over the keys of ``after``: a desired value
    names only the fields it sets, and a field it leaves out is kept as it is, not removed. Lists
    and scalars compare as whole values, because a reordered list of ids is a different value to
    Graph too.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in after:
            child = f"{path}.{key}" if path else str(key)
            changes += field_changes(before.get(key, MISSING), after.get(key, MISSING), child)
        return changes
    return [] if before == after else [FieldChange(path, before, after)]


@dataclass(frozen=True)
class DiffLine:
    """One line a person reads: ``path: before → after``, or an item added to / removed from a list.

    ``kind`` is ``changed`` (``before`` → ``after``), ``added`` or ``removed`` (``after`` or
    ``before`` is the list item); the CLI's plan, drift and the TUI's confirmation all print these.
    """

    path: str
    kind: str
    before: Any = None
    after: Any = None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        if self.kind == "added":
            return f"{where}+ {_plain(self.after)}"
        if self.kind == "removed":
            return f"{where}− {_plain(self.before)}"
        return f"{where}{_plain(self.before)} → {_plain(self.after)}"


def _plain(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)


def diff_lines(before: Any, after: Any) -> list[DiffLine]:
    """:func:`field_changes` as lines: lists of scalars become their added (+) and removed (−) items."""
    lines: list[DiffLine] = []
    for change in field_changes(before, after):
        old, new = change.before, change.after
        if isinstance(old, list) and isinstance(new, list) and _hashable(old) and _hashable(new):
            gone = [item for item in old if item not in new]
            came = [item for item in new if item not in old]
            if gone or came:
                lines += [DiffLine(change.path, "removed", before=item) for item in gone]
                lines += [DiffLine(change.path, "added", after=item) for item in came]
                continue
        lines.append(DiffLine(change.path, "changed", old, new))
    return lines


def _hashable(items: list[Any]) -> bool:
    return all(isinstance(i, str | int | float | bool) or i is None for i in items)

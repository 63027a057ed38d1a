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

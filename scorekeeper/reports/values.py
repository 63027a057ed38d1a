"""How a report shows a setting's values: whole, never cut, and what differs from the desired value.

The CLI's table cells shorten values to fit a terminal (``render.short``); a report an auditor
signs must not. A value is shown in full, on one line when short and folded as indented JSON
when long; where it differs from the desired value, the fields that move are listed
(``scorekeeper.domain.diff.field_changes``) and lists are shown as the items to add and to remove.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from scorekeeper.domain.diff import MISSING, field_changes
from scorekeeper.util.safetext import clean

_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")

#: A value whose one-line form is longer than this is folded (``<details>`` in HTML).
FOLD_AT = 80


def one_line(text: str) -> str:
    """Tenant text on one line (a table cell, a CSV cell): controls removed, line breaks as spaces."""
    return _LINE_BREAKS.sub(" ", clean(text))


def compact(value: Any) -> str:
    """The whole value on one line: strings as they are, anything else as compact JSON."""
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def pretty(value: Any) -> str:
    """The whole value as indented JSON (strings as they are)."""
    if isinstance(value, str) or value is None or value is MISSING:
        return compact(value)
    return json.dumps(value, indent=1, ensure_ascii=False, default=str)


def is_long(value: Any) -> bool:
    return len(compact(value)) > FOLD_AT or "\n" in compact(value)


@dataclass(frozen=True)
class Delta:
    """One field of the current value that differs from the desired value.

    For lists, ``added`` are the desired items the current value lacks and ``removed`` the
    current items the desired value does not have; for anything else ``before``/``after``.
    """

    path: str
    before: Any
    after: Any
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()

    @property
    def is_list(self) -> bool:
        return isinstance(self.before, list) and isinstance(self.after, list)


def deltas(current: Any, desired: Any) -> list[Delta]:
    """What would have to change for ``current`` to become ``desired`` (``[]`` when they agree)."""
    out = []
    for change in field_changes(current, desired):
        before, after = change.before, change.after
        if isinstance(before, list) and isinstance(after, list):
            have = {_key(v) for v in before}
            want = {_key(v) for v in after}
            added = tuple(v for v in after if _key(v) not in have)
            removed = tuple(v for v in before if _key(v) not in want)
            out.append(Delta(change.path, before, after, added, removed))
        else:
            out.append(Delta(change.path, before, after))
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)

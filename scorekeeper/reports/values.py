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


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
#: Words a Graph property name is made of that stay as they are (acronyms): not lower-cased.
_KEEP = re.compile(r"^[A-Z0-9]{2,}s?$")


def field_words(name: str) -> str:
    """A Graph property name for a person: ``allowedToUseSSPR`` → "allowed to use SSPR".

    Split where the case changes; acronyms (``SSPR``, ``MFA``) keep their capitals, other words
    are lower-cased. Snake and dotted names (``notify_admins``) read the same way.
    """
    parts: list[str] = []
    for chunk in re.split(r"[_.\s]+", name.strip()):
        for word in _CAMEL.split(chunk):
            if word:
                parts.append(word if _KEEP.match(word) else word.lower())
    return " ".join(parts) or name


def words(value: Any, wording: Any = ()) -> str:
    """A value as a person reads it, never as JSON: "on"/"off", "a, b", "(none)", "name: value; …".

    ``wording`` is the plugin's own (``Setting.value_words``: pairs of a value and what to call
    it); the first pair whose value equals ``value`` wins. Otherwise booleans read "on"/"off",
    a list is its items joined by commas ("(none)" when empty), an object its fields as
    "field words: value" joined by semicolons (nested objects in brackets), and ``None`` "(none)".
    """
    for known, said in wording or ():
        if known == value and type(known) is type(value):
            return str(said)
    return _words(value, top=True)


def _words(value: Any, top: bool = False) -> str:
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value if value else "(empty)"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        if not value:
            return "(none)"
        return ", ".join(_words(v) for v in value)
    if isinstance(value, dict):
        if not value:
            return "(none)"
        inner = "; ".join(f"{field_words(str(k))}: {_words(v)}" for k, v in value.items())
        return inner if top else f"({inner})"
    return str(value)


#: The fields that name a created directory object, most telling first (Graph's ``displayName``).
_NAMES = ("displayName", "name", "userPrincipalName", "id")


def created_words(resource: Any) -> str:
    """What a change created, for the ledger: "created “SSPR pilot” (group)", not the stored JSON."""
    if not isinstance(resource, dict) or not resource:
        return "created a resource" if resource in (None, "", {}) else f"created {words(resource)}"
    name = next((str(resource[k]) for k in _NAMES if resource.get(k)), "")
    kind = str(resource.get("kind") or resource.get("type") or resource.get("@odata.type") or "")
    kind = field_words(kind.removeprefix("#microsoft.graph.")) if kind else ""
    said = f"created “{name}”" if name else "created a resource"
    return f"{said} ({kind})" if kind else said


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

""" "Did you mean …?" for names a person typed: config keys, tenants, controls, settings, choices."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name ``word`` was most likely meant to be, or ``None`` when nothing is close."""
    names = [c for c in choices if isinstance(c, str)]
    lowered = {n.lower(): n for n in names}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]  # only the case differs
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or ``""``: ready to append to a one-line message."""
    best = closest(word, choices)
    return f" (did you mean {best!r}?)" if best else ""

"""Content digests of stored values: the one canonical rule, and the digests already computed.

:func:`canonical_digest` is how finding bodies, control-profile sets, control-score maps and
versions maps are keyed. A fleet records the same values run after run, and their canonical JSON
and SHA-256 cost far more CPU than a key: BLAKE2b-256 of the value's ``marshal`` encoding.
``marshal`` round-trips exactly (a type and a value per element: ``1``, ``1.0`` and ``True``
differ, as do a tuple and a list), so equal keys mean equal values, and BLAKE2b-256 is as
collision-free as the digest it stands for. Equal values keyed differently (another dict order)
only miss the cache; a value ``marshal`` cannot encode (an enum, a date) is not cached at all.

A value the cache has not seen is still encoded by the rule, but, where it provably gives the
same bytes, by orjson rather than the standard library (:func:`_orjson_form`): a tenant's ~45
control profiles are 21 KB of canonical JSON, which ``json.dumps`` took 0.17 ms to write and
orjson 0.02 ms, and every ``assess`` command is a new process whose cache starts empty. The
digest does not change: only which encoder writes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Callable, Sequence
from typing import Any

import orjson


def canonical_json(value: Any) -> bytes:
    """``value``'s canonical JSON (sorted keys, no spaces, UTF-8): the rule every stored digest was made by.

    Migrations 0006, 0010, 0011 and 0012 keep a frozen copy of it, as a migration must.
    """
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return canonical.encode()


def canonical_digest(value: Any) -> str:
    """SHA-256 of ``value``'s canonical JSON: equal values, equal digests, on any backend."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


#: orjson's canonical form: keys sorted; everything but plain JSON types handed to ``_refuse``
#: (subclasses of str/int/dict/list, dates, dataclasses: the standard library encodes those its own way).
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)
#: marshal's type codes of a binary float, without and with its reference flag (``marshal.c``).
_FLOAT_CODES = (ord("g"), ord("g") | 0x80)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _orjson_form(shaped: Any, marshalled: bytes) -> bytes | None:
    """orjson's encoding of ``shaped`` when it is byte for byte :func:`canonical_json`; ``None`` when it may not be.

    ``marshalled`` is the ``marshal`` encoding of a value with the same leaves as ``shaped`` (the
    cache's key: a profile set's field tuples beside the dicts made of them). That ``marshal``
    could encode it means every leaf is of an exact built-in type: no enum (orjson writes its
    value, ``json`` its ``str``), no subclass, no date. orjson refuses what is left that the two
    encoders would write differently — sets, bytes, non-string keys, integers beyond 64 bits,
    lone surrogates, nesting deeper than 254 — and so does this function for the two float
    cases where their outputs differ: NaN and infinities (orjson writes ``null``; found in the
    marshalled bits) and the exponent forms (``1e-05`` against ``0.00001``, ``1e+16`` and
    orjson's own spellings; any ``e+``/``e-`` after a digit, or ``0.0000``, in the output — a
    string that happens to hold one only costs the standard library's encoding).
    ``tests/store/test_digests.py`` holds the two encoders to this on every code point and on
    floats of every magnitude.
    """
    if _may_hold_non_finite(marshalled):
        return None
    try:
        encoded = orjson.dumps(shaped, default=_refuse, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return None
    if b"0.0000" in encoded or _has_exponent(encoded):
        return None
    return encoded


def _may_hold_non_finite(marshalled: bytes) -> bool:
    """Whether a float in ``marshalled`` may be NaN or infinite: its exponent's 11 bits all set.

    A binary float is its type code and 8 little-endian bytes, the last two ``x7f`` or ``xff``
    and at least ``xf0``. Other bytes may look the same (an integer, a length): that only says yes.
    """
    for high in (0x7F, 0xFF):
        at = marshalled.find(high, 8)
        while at != -1:
            if marshalled[at - 1] >= 0xF0 and marshalled[at - 8] in _FLOAT_CODES:
                return True
            at = marshalled.find(high, at + 1)
    return False


def _has_exponent(encoded: bytes) -> bool:
    """Whether a number in ``encoded`` is written with an exponent (``1e-7``, ``1e+16``).

    Found where a digit is followed by ``e+`` or ``e-`` (in a copy with every digit made ``0``,
    so that one search covers them all); a number in compact JSON then starts after ``[``, ``:``
    or ``,`` (or at the start) — text such as a GUID's ``3629182e-0c4f`` is not one. Text that
    does look like one only says yes.
    """
    digits = encoded.translate(_DIGITS_AS_ZERO)
    for mark in (b"0e+", b"0e-"):
        at = digits.find(mark)
        while at != -1:
            start = at
            while start >= 0 and encoded[start] in _MANTISSA:
                start -= 1
            if start >= 0 and encoded[start] == 0x2D:  # a minus sign
                start -= 1
            if start < 0 or encoded[start] in _BEFORE_A_NUMBER:
                return True
            at = digits.find(mark, at + 3)
    return False


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_MANTISSA = frozenset(b"0123456789.")
_BEFORE_A_NUMBER = frozenset(b"[:,")


def _marshalled(value: Any) -> bytes | None:
    """``value``'s ``marshal`` encoding, ``None`` for a value marshal does not know (not cached)."""
    try:
        return marshal.dumps(value)
    except ValueError:
        return None


class DigestCache:
    """At most ``kept`` digests by key; emptied when full (an entry is ~200 bytes)."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._digests: dict[bytes, str] = {}

    def digest(self, value: Any, shaped: Callable[[], Any]) -> str:
        """The :func:`canonical_digest` of ``shaped()``, keyed by ``value``: from the cache when this process saw it.

        ``value`` holds the same leaves as ``shaped()`` in a form that is cheaper to build and
        key (tuples for dicts, the fields of a dataclass); ``shaped`` is called only on a miss.
        """
        marshalled = _marshalled(value)
        key = hashlib.blake2b(marshalled, digest_size=32).digest() if marshalled is not None else None
        known = self._digests.get(key) if key is not None else None
        return known if known is not None else self._computed(key, marshalled, shaped())

    def digests(self, values: Sequence[Any], shaped: Callable[[int], Any]) -> list[str]:
        """:meth:`digest` of each of ``values`` (``shaped(i)`` the canonical value of the ``i``-th), in one call.

        A run's ~30 findings: one call instead of thirty, and no closure per finding.
        """
        known = self._digests
        found: list[str] = []
        for index, value in enumerate(values):
            marshalled = _marshalled(value)
            key = hashlib.blake2b(marshalled, digest_size=32).digest() if marshalled is not None else None
            digest = known.get(key) if key is not None else None
            found.append(digest if digest is not None else self._computed(key, marshalled, shaped(index)))
        return found

    def _computed(self, key: bytes | None, marshalled: bytes | None, canonical: Any) -> str:
        """The digest of ``canonical`` (by orjson when :func:`_orjson_form` allows), kept under ``key``."""
        fast = _orjson_form(canonical, marshalled) if marshalled is not None else None
        digest = hashlib.sha256(fast if fast is not None else canonical_json(canonical)).hexdigest()
        if key is not None:
            if len(self._digests) >= self.kept:
                self._digests.clear()
            self._digests[key] = digest
        return digest

    def clear(self) -> None:
        self._digests.clear()

    def __len__(self) -> int:
        return len(self._digests)

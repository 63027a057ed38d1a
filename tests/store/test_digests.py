"""A digest written by orjson is the digest the rule gives: the same canonical bytes, or the standard library's.

``digestcache._orjson_form`` hands a value's encoding to orjson only where orjson writes what
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes; every stored
digest was made by the latter, and an unchanged finding, profile set or map must find its row
again. These tests hold the two encoders to that on what differs between them: every code point,
floats of every magnitude, NaN and infinities, enums, subclasses, big integers, non-string keys.
"""

from __future__ import annotations

import enum
import json
import marshal
import math
import random
import struct
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from scorekeeper.domain.securescore import ControlScore, ControlState
from scorekeeper.store import digestcache, tenant_scores
from scorekeeper.store.digestcache import DigestCache, canonical_digest, canonical_json


def _fast(value: Any) -> bytes | None:
    return digestcache._orjson_form(value, marshal.dumps(value))


def _floats(count: int) -> list[float]:
    """Seeded floats of every magnitude and bit pattern (finite), plus the boundaries where the encoders switch form."""
    rng = random.Random(30)
    found = [0.0, -0.0, 1e-4, 1e-5, 9.999e-5, 1e15, 9999999999999998.0, 1e16, 1e17, 5e-324, 1.7976931348623157e308]
    while len(found) < count:
        if len(found) % 2:
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        else:
            value = rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 22)
        if math.isfinite(value):
            found.append(value)
    return found


def test_orjson_is_used_only_where_it_writes_the_canonical_bytes_for_floats() -> None:
    floats = _floats(50_000)
    used = 0
    for value in floats:
        fast = _fast([value])
        if fast is not None:
            used += 1
            assert fast == canonical_json([value]), value
    assert used > len(floats) // 4  # the common magnitudes do take the fast path
    assert _fast([2.5, 100.0, 0.30000000000000004, -0.0]) == canonical_json([2.5, 100.0, 0.30000000000000004, -0.0])


@pytest.mark.parametrize("value", [1e-5, -2.5e-7, 1e16, 1.5e300, 5e-324, 0.00001234])
def test_exponent_forms_go_to_the_standard_library(value: float) -> None:
    assert _fast({"a": [value]}) is None


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_go_to_the_standard_library(value: float) -> None:
    """orjson writes ``null`` for them, ``json`` ``NaN``/``Infinity``: found in the marshalled bits."""
    assert _fast([1.0, {"x": value}, None]) is None
    assert DigestCache(10).digest(("k", value), lambda: {"k": value}) == canonical_digest({"k": value})


def test_every_code_point_is_written_the_same_way() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    for start in range(0, len(text), 50_000):
        piece = text[start : start + 50_000]
        assert _fast({piece: piece}) == canonical_json({piece: piece})


def test_keys_sort_by_code_point() -> None:
    value = {"b": 1, "a": 2, "é": 3, "Z": 4, "\U0001f600": 5, "\uffff": 6, "": 7, "a\x00": 8}
    assert _fast(value) == canonical_json(value)


def test_text_that_merely_looks_like_an_exponent_keeps_the_fast_path() -> None:
    value = {"url": "https://learn.microsoft.com/x-3629182e-0c4f-4d3e-a495", "n": 12}
    assert _fast(value) == canonical_json(value)
    assert _fast({"t": "ratio,3e-5"}) is None  # looks like a number after a comma: the slow path, still right


class _Colour(enum.Enum):
    RED = "red"


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"colour": _Colour.RED},
        {"at": datetime(2026, 1, 1, tzinfo=UTC)},
        {"text": _Text("x")},
        {1: "non-string key"},
        {"big": 2**70},
        {"set": {1, 2}},
        {"bytes": b"x"},
        {"lone": "\ud800"},
    ],
    ids=["enum", "datetime", "str-subclass", "int-key", "big-int", "set", "bytes", "surrogate"],
)
def test_what_orjson_writes_otherwise_is_not_taken_from_it(value: dict[Any, Any]) -> None:
    try:
        marshalled = marshal.dumps(value)
    except ValueError:
        return  # not keyed: the cache never asks orjson
    assert digestcache._orjson_form(value, marshalled) is None


def test_integers_tuples_and_nesting_agree() -> None:
    value = {"i": [0, -1, 2**63 - 1, -(2**63), 2**64 - 1], "t": (1, (2, [3])), "d": {"z": {"y": None, "x": True}}}
    assert _fast(value) == canonical_json(value)


def test_the_cache_gives_the_rule_s_digest_computed_and_cached() -> None:
    cache = DigestCache(100)
    for value in [[1, 1.0, True], {"a": 1e-5}, {"b": "é", "a": [None]}, [0.1, 2.0]]:
        key = repr(value)
        assert cache.digest(key, lambda v=value: v) == canonical_digest(value)  # type: ignore[misc]
        assert cache.digest(key, lambda: pytest.fail("a hit computes nothing")) == canonical_digest(value)


def test_a_profile_set_s_digest_is_the_rule_s() -> None:
    state = ControlState("thirdParty", "done elsewhere", "ops", "admin@contoso", datetime(2026, 1, 2, tzinfo=UTC))
    profiles = [
        ControlScore("A", "Title é", "Identity", "AzureAD", 1.0, 5.0, "implemented",
                     "https://x/3629182e-0c4f", "config", state, rank=3, tier="Core"),
        ControlScore("B", "", "", "", None, None, rank=None, deprecated=True),
        ControlScore("C", "tiny", "", "", 0.00001, 1e16),
    ]  # fmt: skip
    tenant_scores._DIGESTS.clear()
    found = tenant_scores.profile_set(profiles)
    assert found is not None
    assert found.digest == tenant_scores.profiles_digest([tenant_scores.kept_profile(p) for p in profiles])
    assert json.loads(canonical_json(found.kept())) == found.kept()


def test_orjson_s_own_float_spellings_are_still_what_the_guard_assumes() -> None:
    """The guard knows orjson's forms (plain decimals down to 1e-5, signed exponents): a new orjson fails here."""
    assert orjson.dumps(0.00001) == b"0.00001"
    assert orjson.dumps(1e16) == b"1e+16" and orjson.dumps(1e-7) == b"1e-7"
    assert orjson.dumps(math.nan) == b"null"

"""Content digests of stored values: the one canonical rule, and the digests already computed.

:func:`canonical_digest` is how finding bodies and control-profile sets are keyed. A fleet
records the same findings and the same control-profile sets run after run, and their canonical
JSON and SHA-256 cost far more CPU than a key: BLAKE2b-256 of the value's ``marshal``
encoding. ``marshal`` round-trips exactly (a type and a value per element: ``1``, ``1.0`` and
``True`` differ, as do a tuple and a list), so equal keys mean equal values, and BLAKE2b-256 is as
collision-free as the digest it stands for. Equal values keyed differently (another dict order)
only miss the cache; a value ``marshal`` cannot encode (an enum, a date) is not cached at all.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Callable
from typing import Any


def canonical_digest(value: Any) -> str:
    """SHA-256 of ``value``'s canonical JSON (sorted keys, no spaces): equal values, equal digests, on any backend.

    What ``finding_bodies`` and ``score_profiles`` are keyed by; their migrations (0006, 0010)
    keep a frozen copy of this rule, as a migration must.
    """
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class DigestCache:
    """At most ``kept`` digests by key; emptied when full (an entry is ~200 bytes)."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._digests: dict[bytes, str] = {}

    def digest(self, value: Any, compute: Callable[[], str]) -> str:
        """The digest of ``value``: from the cache when this process saw it before, else ``compute()``."""
        key = _key(value)
        if key is not None:
            known = self._digests.get(key)
            if known is not None:
                return known
        digest = compute()
        if key is not None:
            if len(self._digests) >= self.kept:
                self._digests.clear()
            self._digests[key] = digest
        return digest

    def clear(self) -> None:
        self._digests.clear()

    def __len__(self) -> int:
        return len(self._digests)


def _key(value: Any) -> bytes | None:
    try:
        return hashlib.blake2b(marshal.dumps(value), digest_size=32).digest()
    except ValueError:  # a value marshal does not know: no cache
        return None

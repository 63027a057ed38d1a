"""Faults on request: latency, throttling, 5xx, connection resets, broken JSON, answers too slow.

A rule matches by method and path pattern (``fnmatch`` glob on the path with its version, e.g.
``/v1.0/$batch`` or ``/v1.0/policies/*``), fires with a probability drawn from a seeded random
generator (so a test is repeatable) and at most ``times`` times. Status faults also hit the
requests inside a ``$batch`` whose path matches, the way Graph throttles one item of a batch;
transport faults (reset, truncated, malformed, timeout) hit whole HTTP requests only.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field

TRANSPORT_KINDS = ("reset", "truncated", "malformed", "timeout")


@dataclass
class FaultRule:
    """One fault. Exactly what happens is decided by the fields that are set.

    ``status`` (429/503/504/…) answers with Graph's error body, with ``Retry-After`` when
    ``retry_after`` is given; ``latency`` (+ up to ``jitter``) seconds delay the answer;
    ``kind`` is one of ``reset``, ``truncated``, ``malformed``, ``timeout`` (the answer takes
    ``timeout_after`` seconds and then fails as a read timeout would).
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    jitter: float = 0.0
    kind: str | None = None
    timeout_after: float = 30.0
    probability: float = 1.0
    times: int | None = None
    tenant_id: str | None = None
    hits: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def matches(self, method: str, path: str, tenant_id: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.tenant_id and tenant_id and self.tenant_id != tenant_id:
            return False
        return self.path is None or fnmatch.fnmatchcase(path.lower(), self.path.lower())

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class Faults:
    """The fault rules of one simulator; ``add`` one, ``clear`` them all."""

    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def seed(self, seed: int) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def add(
        self,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        path: str | None = None,
        method: str | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        kind: str | None = None,
        timeout_after: float = 30.0,
        probability: float = 1.0,
        times: int | None = None,
        tenant_id: str | None = None,
    ) -> FaultRule:
        """Add a rule, e.g. ``faults.add(status=429, retry_after=1, path="/v1.0/$batch", times=1)``."""
        if kind is not None and kind not in TRANSPORT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(TRANSPORT_KINDS)}")
        if status is None and kind is None and not latency and not jitter:
            raise ValueError("a fault needs a status, a kind or a latency")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        rule = FaultRule(
            method, path, status, retry_after, latency, jitter, kind, timeout_after, probability, times, tenant_id
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def pick(self, method: str, path: str, tenant_id: str | None, *, batched: bool) -> list[FaultRule]:
        """The rules that fire for this request (each counted as a hit)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self.rules:
                if rule.exhausted or not rule.matches(method, path, tenant_id):
                    continue
                if batched and rule.kind is not None:
                    continue
                if batched and rule.path is None and rule.status is None:
                    # Latency on every route is the network's: one per HTTP exchange, so a
                    # ``$batch`` pays it once, not once per item. A rule naming a path slows
                    # that backend, batched or not.
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.hits += 1
                fired.append(rule)
        return fired

    def delay(self, rules: list[FaultRule]) -> float:
        with self._lock:
            return sum(r.latency + (self._random.uniform(0, r.jitter) if r.jitter else 0.0) for r in rules)

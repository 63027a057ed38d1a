"""Faults on request: latency, throttling, 5xx, connection resets, broken JSON, answers too slow.

A rule matches by method and path pattern (``fnmatch`` glob on the path with its version, e.g.
``/v1.0/$batch`` or ``/v1.0/policies/*``) or by position among write requests (``write=3``: the
third POST/PATCH/PUT/DELETE this simulator receives, batch items included, the ``$batch``
envelope not), fires with a probability drawn from a seeded random generator (so a test is
repeatable) and at most ``times`` times. Status faults also hit the requests inside a ``$batch``
whose path matches, the way Graph throttles one item of a batch; transport faults (reset,
truncated, malformed, timeout) hit whole HTTP requests only.

Whether the write happened: a status fault answers *instead of* the backend (a 429 or 503 that
throttled the request before it was applied), unless ``apply`` is set — then the write is
applied and the answer replaced ("500 after apply": a gateway that failed after the backend
succeeded). Transport faults come after the write was applied — the answer is what is lost —
unless ``unapplied`` is set: then the request never reaches the backend (nothing is applied, the
request log records status 0) and the client still hears nothing (``timeout``) or a reset
(``reset``) — a request lost on its way in, or a service that hung before it acted.

:func:`parse_rule` reads the one-line form ``scorekeeper simulator serve --fault`` takes.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field

TRANSPORT_KINDS = ("reset", "truncated", "malformed", "timeout")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class FaultRule:
    """One fault. Exactly what happens is decided by the fields that are set.

    ``status`` (429/503/504/…) answers with Graph's error body, with ``Retry-After`` when
    ``retry_after`` is given (and after applying the write when ``apply``); ``latency`` (+ up to
    ``jitter``) seconds delay the answer; ``kind`` is one of ``reset``, ``truncated``,
    ``malformed``, ``timeout`` (no answer: in-process the request fails as a read timeout would
    after ``timeout_after`` seconds; over a socket the connection stays silent until the client
    gives up, or is reset after ``timeout_after``). ``write`` restricts the rule to the N-th write,
    ``writes`` to every write request (``latency=0.3, writes=True`` slows the writes, not the reads).
    ``unapplied`` (with ``kind`` ``timeout`` or ``reset``) keeps the request from the backend.
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
    write: int | None = None
    apply: bool = False
    writes: bool = False
    unapplied: bool = False
    hits: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def matches(self, method: str, path: str, tenant_id: str | None, write_index: int | None = None) -> bool:
        if self.write is not None and self.write != write_index:
            return False
        if self.writes and write_index is None:
            return False
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
        #: Write requests seen so far (what ``write=N`` counts); :meth:`clear` starts it again.
        self.writes_seen = 0

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
        write: int | None = None,
        apply: bool = False,
        writes: bool = False,
        unapplied: bool = False,
    ) -> FaultRule:
        """Add a rule, e.g. ``faults.add(status=429, retry_after=1, path="/v1.0/$batch", times=1)``."""
        if kind is not None and kind not in TRANSPORT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(TRANSPORT_KINDS)}")
        if status is None and kind is None and not latency and not jitter:
            raise ValueError("a fault needs a status, a kind or a latency")
        if status is not None and not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if write is not None and write < 1:
            raise ValueError("write counts from 1 (the first write request)")
        if apply and status is None:
            raise ValueError("apply goes with a status (transport faults always apply the write first)")
        if unapplied and kind not in ("timeout", "reset"):
            raise ValueError("unapplied goes with kind=timeout or kind=reset (a status without apply is never applied)")
        rule = FaultRule(
            method,
            path,
            status,
            retry_after,
            latency,
            jitter,
            kind,
            timeout_after,
            probability,
            times,
            tenant_id,
            write,
            apply,
            writes,
            unapplied,
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.writes_seen = 0

    def pick(self, method: str, path: str, tenant_id: str | None, *, batched: bool) -> list[FaultRule]:
        """The rules that fire for this request (each counted as a hit)."""
        fired: list[FaultRule] = []
        with self._lock:
            write_index = None
            if method.upper() in WRITE_METHODS and not path.lower().endswith("/$batch"):
                self.writes_seen += 1
                write_index = self.writes_seen
            for rule in self.rules:
                if rule.exhausted or not rule.matches(method, path, tenant_id, write_index):
                    continue
                if batched and rule.kind is not None:
                    continue
                if batched and rule.path is None and rule.status is None and not rule.writes and rule.write is None:
                    # Latency on every route is the network's: one per HTTP exchange, so a
                    # ``$batch`` pays it once, not once per item. A rule naming a path (or the
                    # writes) slows that backend, batched or not.
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.hits += 1
                fired.append(rule)
        return fired

    def delay(self, rules: list[FaultRule]) -> float:
        with self._lock:
            return sum(r.latency + (self._random.uniform(0, r.jitter) if r.jitter else 0.0) for r in rules)


#: ``--fault`` keys and how each value is read; ``apply``, ``writes`` and ``unapplied`` are bare flags.
_KEYS = {
    "status": int,
    "retry_after": float,
    "latency": float,
    "jitter": float,
    "kind": str,
    "timeout_after": float,
    "probability": float,
    "times": int,
    "write": int,
    "path": str,
    "method": str,
    "tenant_id": str,
}


def parse_rule(text: str) -> dict[str, object]:
    """``"status=500,apply,write=3"`` → keyword arguments for :meth:`Faults.add`; ``ValueError`` says what is wrong.

    Comma-separated ``key=value`` pairs (keys: those of :meth:`Faults.add`) and the bare flags
    ``apply``, ``writes`` and ``unapplied``. A ``path`` may itself contain no comma.
    """
    found: dict[str, object] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if key in ("apply", "writes", "unapplied") and not sep:
            found[key] = True
            continue
        if key not in _KEYS:
            keys = ", ".join([*_KEYS, "apply", "writes", "unapplied"])
            raise ValueError(f"unknown fault key {key!r} in {text!r} (keys: {keys})")
        if not sep or not value.strip():
            raise ValueError(f"fault key {key!r} needs a value ({key}=...) in {text!r}")
        try:
            found[key] = _KEYS[key](value.strip())
        except ValueError:
            raise ValueError(f"fault key {key!r} takes a number, not {value.strip()!r}") from None
    if not found:
        raise ValueError("an empty fault rule; e.g. --fault status=503,write=2 or --fault kind=reset,write=1")
    return found

"""What drift is: a setting whose value is no longer the one scorekeeper (or a person) established.

Comparing an assessment with the previous one misses the event an operator cares about most — a
customer admin who switches a setting back after a verified remediation reads as "no drift" if
an assessment happened in between, and scorekeeper's own rollback reads as a regression. So each
tenant × control × setting has a **baseline**: the value the newest of these established —

* a remediation whose write was read back as it was written (``Verification.STUCK``): the value
  the verification read;
* an attestation (a person's word that a guided setting is done), or an accepted-risk exception
  covering the setting: the value the first assessment after it reads (:func:`by_person`);
* scorekeeper's own rollback of that remediation does not raise drift: it *moves* the baseline
  back to what was established before the rolled-back run, or clears it when nothing was
  (the store withdraws the rolled-back run's baselines, ``store/baselines.py``).

Any later assessment that reads a different value is drift, whoever caused it. A setting that
could not be read (``unknown``/``error``) or no longer applies says nothing about its value and
is never drift: nothing is invented. This module is pure (no store, no network): the store
records what it decides, the CLI, notifications, scheduler and reports show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scorekeeper.domain.model import Finding, JSONValue, Status, Verification

#: Where a baseline came from.
BASELINE_SOURCES: tuple[str, ...] = ("remediation", "attestation", "exception")

#: Statuses that carry no trustworthy value: never drift, and never move or clear a baseline.
_NO_VALUE = frozenset({Status.UNKNOWN, Status.ERROR, Status.NOT_APPLICABLE})

#: Who changed a setting when the tenant's audit log cannot be read.
WHO_UNKNOWN = "unknown (AuditLog.Read.All not granted)"


@dataclass(frozen=True)
class Baseline:
    """The value one setting of one tenant should have, and what established it."""

    tenant: str
    control: str
    setting: str
    value: JSONValue
    source: str
    run_id: int | None
    at: datetime
    #: The value a drift was last reported for (``None`` with ``drift_since``: in line with the baseline).
    drift_value: JSONValue = None
    drift_since: datetime | None = None
    #: The stored row's id (``None`` before it is stored).
    id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.control, self.setting)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "control": self.control,
            "setting": self.setting,
            "value": self.value,
            "source": self.source,
            "run_id": self.run_id,
            "at": self.at.isoformat(),
            "drift_since": self.drift_since.isoformat() if self.drift_since else None,
        }


@dataclass(frozen=True)
class Drift:
    """One setting whose read value differs from its baseline."""

    baseline: Baseline
    current: JSONValue
    finding: Finding
    #: True when this assessment is the first to see this value (a new event to record and notify).
    new: bool


def established(findings: Iterable[Finding]) -> dict[tuple[str, str], JSONValue]:
    """The values a remediation's verification established: each write read back as written.

    A write that did not stick, was not applied or could not be read back establishes nothing.
    """
    return {
        (f.control, f.setting): f.current
        for f in findings
        if f.verification is Verification.STUCK and f.status not in _NO_VALUE
    }


def by_person(
    held: Mapping[tuple[str, str], Baseline], findings: Iterable[Finding], attested: Mapping[tuple[str, str], datetime]
) -> list[tuple[Finding, str]]:
    """Baselines a person's word establishes at this assessment: ``(finding, source)`` pairs.

    An attestation newer than the setting's baseline (or with none) makes the value this
    assessment reads the baseline (source ``attestation``); an accepted-risk exception covering a
    setting without a baseline makes the accepted value the baseline (source ``exception``). A
    setting read without a value establishes nothing.
    """
    found = []
    for finding in findings:
        if finding.status in _NO_VALUE:
            continue
        key = (finding.control, finding.setting)
        baseline = held.get(key)
        when = attested.get(key)
        if when is not None and (baseline is None or baseline.at < when):
            found.append((finding, "attestation"))
        elif finding.excepted and baseline is None:
            found.append((finding, "exception"))
    return found


def same_value(a: JSONValue, b: JSONValue) -> bool:
    """Whether two read values are the same setting value (JSON equality; lists of scalars in any order)."""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        try:
            return sorted(a, key=repr) == sorted(b, key=repr)  # type: ignore[arg-type]
        except TypeError:
            return a == b
    return a == b


def drifted(baselines: Mapping[tuple[str, str], Baseline], findings: Iterable[Finding]) -> list[Drift]:
    """Every finding whose value differs from its setting's baseline, in the findings' order.

    ``new`` is whether the drift was not reported before: the baseline holds no drift, or a
    different drifted value than this one.
    """
    found = []
    for finding in findings:
        baseline = baselines.get((finding.control, finding.setting))
        if baseline is None or finding.status in _NO_VALUE or same_value(finding.current, baseline.value):
            continue
        reported = baseline.drift_since is not None and same_value(baseline.drift_value, finding.current)
        found.append(Drift(baseline, finding.current, finding, new=not reported))
    return found


def back_in_line(baselines: Mapping[tuple[str, str], Baseline], findings: Iterable[Finding]) -> list[Baseline]:
    """Baselines that had drift reported and whose setting reads its baseline value again."""
    back = []
    for finding in findings:
        baseline = baselines.get((finding.control, finding.setting))
        if baseline is None or baseline.drift_since is None or finding.status in _NO_VALUE:
            continue
        if same_value(finding.current, baseline.value):
            back.append(baseline)
    return back


def drift_line(control: str, setting: str, baseline: JSONValue, current: JSONValue) -> str:
    """One line for a person: which setting, what it should be, what it is."""
    return f"{control}.{setting}: baseline {_short(baseline)}, now {_short(current)}"


def _short(value: JSONValue, limit: int = 60) -> str:
    import json

    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def attribute(entries: Iterable[Mapping[str, Any]], since: datetime, own_app: str | None) -> dict[str, str] | None:
    """Who changed a drifted setting, from the tenant's ``directoryAudit`` entries: ``{"who", "when"}``.

    The newest successful entry at or after ``since`` that scorekeeper's own app did not initiate
    (its writes established the baseline). ``None`` when the log names nobody in the window.
    An entry names a user by ``userPrincipalName`` (or id), an app by ``displayName`` (or ``appId``).
    """
    best: tuple[str, str, datetime] | None = None
    for entry in entries:
        when = str(entry.get("activityDateTime") or "")
        try:
            at = datetime.fromisoformat(when)
        except ValueError:
            continue
        if at.tzinfo is None or at < since.replace(microsecond=0):  # logs may keep whole seconds
            continue
        if str(entry.get("result") or "success") != "success":
            continue
        initiated = entry.get("initiatedBy") or {}
        user = initiated.get("user") or {}
        app = initiated.get("app") or {}
        if app and own_app and str(app.get("appId") or "") == own_app:
            continue
        if user:
            who = f"user {user.get('userPrincipalName') or user.get('id') or '?'}"
        elif app:
            who = f"app {app.get('displayName') or app.get('appId') or '?'}"
        else:
            continue
        if best is None or at > best[2]:
            best = (who, when, at)
    return None if best is None else {"who": best[0], "when": best[1]}

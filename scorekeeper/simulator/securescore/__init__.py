"""Every simulated tenant's whole Secure Score: its control profiles, today's score and 90 days of history.

The data lives beside this module, apart from the profile files (which describe settings):
``catalogue.json`` holds the control profiles Microsoft publishes (ids, titles, categories,
services, maxima; each with its ``source``, see docs/simulator.md) and ``profiles.json`` how far
each profile has implemented them. :func:`populate` merges both into a freshly built state:

* controls the profile file already scores keep the profile's values, so a plugin's own control
  (SSPR, PWAge) stays exactly what that plugin assesses;
* every other catalogue control gets ``implemented × maxScore``; today's ``currentScore`` is the
  sum of the control scores and ``maxScore`` the sum of the profiles' maxima;
* Microsoft keeps up to 90 daily ``secureScores`` entries. Storing 90 copies of 45 controls in every
  tenant's state would cost ~600 kB per tenant (fleet simulations hold thousands), so the state keeps
  the explicit entries (today's, and any a refresh adds) and a small ``secureScoreTrend`` record;
  :func:`history` expands the older days on read. A control that scores today reached its score on a
  day derived from a hash of profile and control (deterministic), and scored 0 before: the trend
  rises, as a tenant's does while it is being hardened.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, overload

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import SecureScoreDataError as SecureScoreDataError

#: How many daily entries Microsoft keeps (security-list-securescores: "up to 90 days").
HISTORY_DAYS = 90
TREND_KEY = "secureScoreTrend"
VENDOR = {"provider": "SecureScore", "providerVersion": None, "subProvider": None, "vendor": "Microsoft"}
#: Catalogue fields that are served as control profile properties ("source" is provenance only).
PROFILE_FIELDS = (
    "id",
    "title",
    "controlCategory",
    "service",
    "maxScore",
    "actionType",
    "actionUrl",
    "tier",
    "userImpact",
    "implementationCost",
    "rank",
    "threats",
)


@cache
def _data(name: str) -> dict[str, Any]:
    text = (resources.files("scorekeeper.simulator.securescore") / name).read_text(encoding="utf-8")
    return dict(json.loads(text))


def catalogue() -> list[dict[str, Any]]:
    """The control profiles every simulated tenant carries, with their ``source`` (see docs)."""
    return copy.deepcopy(list(_data("catalogue.json")["controls"]))


def sources() -> dict[str, str]:
    """Source key → what it means, as docs/simulator.md describes it."""
    return dict(_data("catalogue.json")["sources"])


def status_for(profile: str) -> dict[str, Any]:
    """The resolved status of ``profile``: ``default``, ``implemented`` and ``states``.

    A profile without its own entry takes that of the profile its file ``extends``; an entry
    with ``like`` starts from another entry and overrides it.
    """
    from scorekeeper.simulator.profiles import _files

    entries = _data("profiles.json")["profiles"]
    name: str | None = profile
    seen: list[str] = []
    while name is not None and name not in entries:
        seen.append(name)
        parent = _files().get(name, {}).get("extends")
        name = str(parent) if parent else None
    if name is None:
        raise SecureScoreDataError(f"no Secure Score status for profile {profile!r} (looked at {', '.join(seen)})")
    return _resolve(entries, name, ())


def _resolve(entries: dict[str, Any], name: str, seen: tuple[str, ...]) -> dict[str, Any]:
    if name in seen:
        raise SecureScoreDataError(f"Secure Score status {name!r} is 'like' itself through {' → '.join(seen)}")
    entry = entries[name]
    base = (
        _resolve(entries, str(entry["like"]), (*seen, name))
        if "like" in entry
        else {"default": 0.0, "implemented": {}, "states": {}}
    )
    return {
        "default": float(entry.get("default", base["default"])),
        "implemented": {**base["implemented"], **entry.get("implemented", {})},
        "states": {**base["states"], **entry.get("states", {})},
    }


def _profile_object(row: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    profile = {k: copy.deepcopy(row[k]) for k in PROFILE_FIELDS}
    profile.update(
        azureTenantId=tenant_id,
        complianceInformation=[],
        controlStateUpdates=[],
        deprecated=False,
        lastModifiedDateTime="2025-05-01T00:00:00Z",
        remediation=f"<p>{row['title']}.</p>",
        remediationImpact="<p>See the recommendation in the Microsoft Defender portal for who is affected.</p>",
        vendorInformation=dict(VENDOR),
    )
    return profile


def _control_score(control: str, category: str, score: float, maximum: float, status: str = "") -> dict[str, Any]:
    return {
        "controlCategory": category,
        "controlName": control,
        "description": f"{control} control score",
        "score": score,
        "scoreInPercentage": round(100.0 * score / maximum, 2) if maximum else 0.0,
        "implementationStatus": status,
    }


GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"


def derived_fractions(state: dict[str, Any]) -> dict[str, float]:
    """Controls whose implementation the state itself decides, so a profile cannot contradict it.

    OneAdmin ("Designate more than one global admin") and ManyAdmins ("Ensure fewer than 5 global
    admins") follow the Global Administrator role assignments when the state holds any
    ``roleAssignments``; the all-or-nothing reading of both titles is the project's assumption.
    """
    if "roleAssignments" not in state:
        return {}
    admins = {
        str(a.get("principalId"))
        for a in state.get("roleAssignments") or []
        if str(a.get("roleDefinitionId", "")).lower() == GLOBAL_ADMINISTRATOR
    }
    return {"OneAdmin": 1.0 if len(admins) > 1 else 0.0, "ManyAdmins": 1.0 if 0 < len(admins) < 5 else 0.0}


def populate(state: dict[str, Any], profile: str, tenant_id: str, today: date) -> None:
    """Give ``state`` every catalogue control, today's consistent score and its 90-day trend."""
    status = status_for(profile)
    domain = str((state.get("organization", {}).get("verifiedDomains") or [{}])[0].get("name", ""))
    profiles: list[dict[str, Any]] = state.setdefault("secureScoreControlProfiles", [])
    known = {p["id"] for p in profiles}
    for row in catalogue():
        if row["id"] not in known:
            profiles.append(_profile_object(row, tenant_id))
    maxima = {p["id"]: float(p["maxScore"]) for p in profiles}
    for control_id, update in status["states"].items():
        found = next((p for p in profiles if p["id"] == control_id), None)
        if found is None:
            raise SecureScoreDataError(f"state for unknown control {control_id!r} in profile {profile!r}")
        found["controlStateUpdates"] = [{k: str(v).replace("$DOMAIN", domain) for k, v in update.items()}]

    derived = derived_fractions(state)
    existing = list(state.get("secureScores") or [])
    latest = copy.deepcopy(existing[0]) if existing else _empty_score(tenant_id)
    scored = {c["controlName"]: c for c in latest.get("controlScores", [])}
    controls = []
    for prof in profiles:
        if prof["id"] in scored:
            controls.append(scored[prof["id"]])
            continue
        fraction = derived.get(prof["id"], float(status["implemented"].get(prof["id"], status["default"])))
        score = round(maxima[prof["id"]] * fraction, 2)
        controls.append(_control_score(prof["id"], prof["controlCategory"], score, maxima[prof["id"]]))
    stamp = today.isoformat()
    latest.update(
        id=f"{tenant_id}_{stamp}",
        azureTenantId=tenant_id,
        createdDateTime=f"{stamp}T00:00:00Z",
        controlScores=controls,
        currentScore=round(sum(float(c["score"]) for c in controls), 2),
        maxScore=round(sum(maxima.values()), 2),
    )
    latest.setdefault("vendorInformation", dict(VENDOR))
    state["secureScores"] = [latest]
    frozen = {c["controlName"] for c in scored.values()}  # the profile file's own controls stay as they are
    state[TREND_KEY] = {
        "anchor": copy.deepcopy(latest),
        "since": {
            c["controlName"]: _since(profile, c["controlName"]) for c in controls if c["controlName"] not in frozen
        },
    }


def _empty_score(tenant_id: str) -> dict[str, Any]:
    return {
        "azureTenantId": tenant_id,
        "activeUserCount": 0,
        "licensedUserCount": 0,
        "enabledServices": [],
        "averageComparativeScores": [],
        "controlScores": [],
        "vendorInformation": dict(VENDOR),
    }


def _since(profile: str, control: str) -> int:
    """Days ago the control reached today's score; 150+ means it held it for the whole history."""
    digest = hashlib.sha256(f"{profile}:{control}".encode()).digest()
    return 1 + int.from_bytes(digest[:4], "big") % 150


def history(state: dict[str, Any]) -> DailyScores:
    """Every daily ``secureScore`` entry, newest first: the explicit ones, then the expanded trend."""
    return DailyScores(state)


class DailyScores(Sequence[dict[str, Any]]):
    """The daily entries of :func:`history`, each older day expanded only when it is read.

    Graph's readers mostly ask for ``$top=1``; expanding all 90 days for each of them made the
    simulator spend two thirds of its CPU building entries it then dropped, which on a shared
    machine slowed the fleet benchmark's client too. Indexing and slicing give exactly the entries
    a full expansion would, in the same order.
    """

    def __init__(self, state: dict[str, Any]) -> None:
        self._explicit = list(state.get("secureScores") or [])[:HISTORY_DAYS]
        self._older: list[int] = []
        trend = state.get(TREND_KEY)
        if not trend:
            return
        self._anchor: dict[str, Any] = trend["anchor"]
        self._trend_since: dict[str, int] = trend["since"]
        self._first = date.fromisoformat(str(self._anchor["createdDateTime"])[:10])
        oldest = min((date.fromisoformat(str(e["createdDateTime"])[:10]) for e in self._explicit), default=self._first)
        older = [days for days in range(1, HISTORY_DAYS) if self._first - timedelta(days=days) < oldest]
        self._older = older[: HISTORY_DAYS - len(self._explicit)]

    def __len__(self) -> int:
        return len(self._explicit) + len(self._older)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._entry(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._entry(index)

    def _entry(self, index: int) -> dict[str, Any]:
        if index < len(self._explicit):
            return self._explicit[index]
        days = self._older[index - len(self._explicit)]
        return _entry_on(self._anchor, self._trend_since, days, self._first - timedelta(days=days))


def _entry_on(anchor: dict[str, Any], since: dict[str, int], days: int, day: date) -> dict[str, Any]:
    controls = []
    for control in anchor["controlScores"]:
        name = control["controlName"]
        reached = since.get(name)
        score = float(control["score"]) if reached is None or days < reached else 0.0
        entry = {k: control[k] for k in ("controlCategory", "controlName", "implementationStatus") if k in control}
        share = control.get("scoreInPercentage") or 0.0
        entry.update(
            description=None,
            score=score,
            scoreInPercentage=float(share) if score else 0.0,
        )
        controls.append(entry)
    stamp = day.isoformat()
    entry = {k: copy.deepcopy(v) for k, v in anchor.items() if k != "controlScores"}
    entry.update(
        id=f"{anchor['azureTenantId']}_{stamp}",
        createdDateTime=f"{stamp}T00:00:00Z",
        controlScores=controls,
        currentScore=round(sum(c["score"] for c in controls), 2),
    )
    return entry

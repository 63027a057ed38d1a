"""The tenant's whole Secure Score as scorekeeper shows it: frozen values, no I/O.

Everything here is what Microsoft reported (``secureScores`` and ``secureScoreControlProfiles``)
plus the one thing only scorekeeper knows: which installed plugin covers a control. Nothing is
computed that Microsoft did not send, except the points still available (max − score) that the
list is sorted by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

#: Control states as Microsoft spells them on the wire (securescorecontrolprofile-update).
STATES: tuple[str, ...] = ("Default", "Ignored", "ThirdParty", "Reviewed")
#: Version of the ``score --json`` document (docs/schemas/score.json).
SCHEMA_VERSION = 1


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class ControlState:
    """The newest ``controlStateUpdates`` entry of a control profile: who set what, and why."""

    state: str = "Default"
    comment: str = ""
    assigned_to: str = ""
    updated_by: str = ""
    updated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "comment": self.comment,
            "assigned_to": self.assigned_to,
            "updated_by": self.updated_by,
            "updated_at": _iso(self.updated_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlState:
        """The inverse of :meth:`to_dict`; equal states are one shared (immutable) object."""
        fields = ("state", "comment", "assigned_to", "updated_by", "updated_at")
        return _control_state(*(str(data.get(k) or "") for k in fields))


@lru_cache(maxsize=4096)
def _control_state(state: str, comment: str, assigned_to: str, updated_by: str, at: str) -> ControlState:
    """A fleet's 45 profiles per tenant mostly carry the same few states: each is made once."""
    return ControlState(
        state=state or "Default",
        comment=comment,
        assigned_to=assigned_to,
        updated_by=updated_by,
        updated_at=datetime.fromisoformat(at) if at else None,
    )


@dataclass(frozen=True)
class ControlScore:
    """One control profile of the tenant with its points now (``None`` when the tenant is not scored on it)."""

    id: str
    title: str
    category: str
    service: str
    score: float | None
    max_score: float | None
    implementation_status: str = ""
    action_url: str = ""
    action_type: str = ""
    state: ControlState = field(default_factory=ControlState)
    covered_by: str = ""  # the scorekeeper plugin that assesses and remediates it, or ""
    rank: int | None = None
    tier: str = ""
    user_impact: str = ""
    implementation_cost: str = ""
    deprecated: bool = False

    @property
    def scored(self) -> bool:
        """Whether today's ``secureScores`` entry scores this control (unlicensed ones are not)."""
        return self.score is not None

    @property
    def available(self) -> float | None:
        """Points still to gain: max − score, or ``None`` for a control the tenant is not scored on."""
        if self.score is None or self.max_score is None:
            return None
        return round(max(self.max_score - self.score, 0.0), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "service": self.service,
            "score": self.score,
            "max_score": self.max_score,
            "available": self.available,
            "implementation_status": self.implementation_status,
            "action_url": self.action_url,
            "action_type": self.action_type,
            "state": self.state.to_dict(),
            "covered_by": self.covered_by or None,
            "rank": self.rank,
            "tier": self.tier,
            "user_impact": self.user_impact,
            "implementation_cost": self.implementation_cost,
            "deprecated": self.deprecated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], covered_by: str = "") -> ControlScore:
        """The inverse of :meth:`to_dict` (history keeps rows this way); coverage is given afresh."""
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            category=str(data.get("category") or ""),
            service=str(data.get("service") or ""),
            score=data.get("score"),
            max_score=data.get("max_score"),
            implementation_status=str(data.get("implementation_status") or ""),
            action_url=str(data.get("action_url") or ""),
            action_type=str(data.get("action_type") or ""),
            state=ControlState.from_dict(data.get("state") or {}),
            covered_by=covered_by,
            rank=data.get("rank"),
            tier=str(data.get("tier") or ""),
            user_impact=str(data.get("user_impact") or ""),
            implementation_cost=str(data.get("implementation_cost") or ""),
            deprecated=bool(data.get("deprecated")),
        )


@dataclass(frozen=True)
class Comparison:
    """One of Microsoft's ``averageComparativeScores`` (``basis`` AllTenants, TotalSeats, ...)."""

    basis: str
    average: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"basis": self.basis, "average_score": self.average}


@dataclass(frozen=True)
class TrendPoint:
    """The tenant's total on one day, as Microsoft reported it (imported) or an assessment recorded it."""

    day: date
    score: float | None
    max_score: float | None
    source: str  # "imported" (Microsoft's own history) or "assessment"

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "score": self.score, "max_score": self.max_score, "source": self.source}


@dataclass(frozen=True)
class DailyScore:
    """One ``secureScores`` entry reduced to what history keeps: the day, totals, averages, control scores."""

    scored_at: datetime
    current: float | None
    max_score: float | None
    comparisons: tuple[Comparison, ...] = ()
    controls: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessedScore:
    """What an assessment keeps of the tenant's whole Secure Score, recorded with the run in one commit.

    ``today`` is the newest entry (kept with the run, source ``assessment``) and ``profiles`` the
    control profiles read beside it; ``imported`` holds Microsoft's older kept days, read only on
    a tenant's first run (source ``imported``; empty otherwise).
    """

    today: DailyScore
    profiles: tuple[ControlScore, ...] = ()
    imported: tuple[DailyScore, ...] = ()


@dataclass(frozen=True)
class ScoreOverview:
    """A tenant's Secure Score today, every control profile, and the trend kept in history."""

    tenant: str
    tenant_id: str
    scored_at: datetime | None
    current: float | None
    max_score: float | None
    comparisons: tuple[Comparison, ...]
    controls: tuple[ControlScore, ...]
    trend: tuple[TrendPoint, ...] = ()

    @property
    def control_total(self) -> float:
        """The sum of the control scores: Microsoft's ``currentScore`` equals it."""
        return round(sum(c.score or 0.0 for c in self.controls), 2)

    @property
    def available(self) -> float:
        return round(sum(c.available or 0.0 for c in self.controls), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tenant": self.tenant,
            "tenant_id": self.tenant_id,
            "scored_at": _iso(self.scored_at),
            "current_score": self.current,
            "max_score": self.max_score,
            "available": self.available,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "controls": [c.to_dict() for c in self.controls],
            "trend": [p.to_dict() for p in self.trend],
        }

"""What the history store hands the front ends besides the domain objects: summaries and its error.

Kept free of SQLAlchemy so that the CLI, TUI and reports can import these types (for type hints,
``isinstance`` or rendering) without paying for the database stack at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scorekeeper.domain.model import Actor, Status
from scorekeeper.errors import StoreError

__all__ = ["DriftEvent", "RunSummary", "StoreError", "TenantOverview", "empty_counts"]


def empty_counts() -> dict[str, int]:
    """A count for every :class:`Status` value, all zero, so renderers need no ``.get``."""
    return {status.value: 0 for status in Status}


@dataclass(frozen=True)
class RunSummary:
    """One row of the run list: what ran, when, how it ended and how its findings came out."""

    id: int
    tenant: str
    kind: str
    status: str
    scheduled: bool
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = field(default_factory=empty_counts)
    parent_run_id: int | None = None
    controls: tuple[str, ...] = ()
    error: str = ""
    actor: Actor | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant": self.tenant,
            "kind": self.kind,
            "status": self.status,
            "scheduled": self.scheduled,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counts": dict(self.counts),
            "parent_run_id": self.parent_run_id,
            "controls": list(self.controls),
            "error": self.error,
            "actor": self.actor.to_dict() if self.actor else None,
        }


@dataclass(frozen=True)
class TenantOverview:
    """One tenant × control cell of the dashboard.

    ``counts`` come from the latest assessment (an ``assess`` or ``plan`` run) that has a result
    for the control; ``score``/``max_score`` from the latest score snapshot; ``trend`` holds up
    to the last :data:`TREND_POINTS` reported scores, oldest first; ``drift`` is how many drift
    events were recorded against that latest assessment (what changed since the one before).
    """

    tenant: str
    control: str
    score: float | None
    max_score: float | None
    counts: dict[str, int]
    last_run_id: int | None
    last_run_at: datetime | None
    trend: list[float]
    drift: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "control": self.control,
            "score": self.score,
            "max_score": self.max_score,
            "counts": dict(self.counts),
            "last_run_id": self.last_run_id,
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
            "trend": list(self.trend),
            "drift": self.drift,
        }


#: How many past scores ``TenantOverview.trend`` carries.
TREND_POINTS = 30


@dataclass(frozen=True)
class DriftEvent:
    """A regression between two runs of one tenant.

    ``kind`` is ``setting_regressed`` (a setting that passed in ``previous_run_id`` no longer
    does in ``run_id``; ``setting`` names it) or ``score_dropped`` (the control's reported score
    fell; ``setting`` is ``None``). ``detail`` holds the before/after values.
    """

    tenant: str
    control: str
    kind: str
    run_id: int
    previous_run_id: int | None
    setting: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant": self.tenant,
            "control": self.control,
            "setting": self.setting,
            "kind": self.kind,
            "previous_run_id": self.previous_run_id,
            "run_id": self.run_id,
            "detail": dict(self.detail),
            "at": self.at.isoformat() if self.at else None,
        }

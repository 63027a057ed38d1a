"""Staged rollout: a change that Microsoft says to make in steps (pilot, report-only, Audit, test devices).

A setting in a non-final stage is neither pass nor fail: it reads as ``Status.STAGED`` with a
:class:`Stage` saying where it stands and what the next step needs. Remediation applies the first
stage only; the engine's ``promote`` moves a stage on when the configuration allows it *and* the
plugin found evidence in the tenant that the next stage is safe (``ready``), e.g. report-only
results in the sign-in logs showing whom an enforced policy would have blocked. A promotion is an
ordinary recorded write, so rollback undoes it like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    """Where a staged setting stands: its stages in order, the current one, and the next step."""

    #: The stage names in order, last = the desired end state: ("report-only", "enabled").
    stages: tuple[str, ...]
    #: Index of the stage the tenant is in now.
    current: int
    #: The value the next stage writes (the plan item's ``desired`` when promoted); None when final.
    next_desired: Any = None
    #: Whether the tenant's own evidence says moving to the next stage is safe.
    ready: bool = False
    #: What moving on needs, in words ("7 days of report-only results; break-glass accounts in config").
    needs: str = ""
    #: What the tenant showed, in words ("report-only 9 days: 0 sign-ins would have been blocked").
    evidence: str = ""

    def __post_init__(self) -> None:
        if not self.stages or not 0 <= self.current < len(self.stages):
            raise ValueError(f"stage index {self.current} outside stages {self.stages!r}")

    @property
    def name(self) -> str:
        return self.stages[self.current]

    @property
    def final(self) -> bool:
        return self.current == len(self.stages) - 1

    @property
    def next_name(self) -> str | None:
        return None if self.final else self.stages[self.current + 1]

    def line(self) -> str:
        """ "staged: report-only → enabled (needs …)" for a plan, a report or the dashboard."""
        if self.final:
            return f"stage {self.name} (final)"
        text = f"staged: {self.name} → {self.next_name}"
        if self.evidence:
            text += f"; {self.evidence}"
        if not self.ready and self.needs:
            text += f"; next stage needs {self.needs}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "stages": list(self.stages),
            "current": self.current,
            "name": self.name,
            "next": self.next_name,
            "next_desired": self.next_desired,
            "ready": self.ready,
            "needs": self.needs,
            "evidence": self.evidence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stage:
        return cls(
            stages=tuple(str(s) for s in data.get("stages") or ()),
            current=int(data.get("current", 0)),
            next_desired=data.get("next_desired"),
            ready=bool(data.get("ready", False)),
            needs=str(data.get("needs", "")),
            evidence=str(data.get("evidence", "")),
        )

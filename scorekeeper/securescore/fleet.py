"""The fleet view: one row per control, one column per tenant, the points still available in each.

For an MSP the question is "which control, done everywhere, gains the most": rows are sorted by
the points available summed over the tenants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scorekeeper.domain.securescore import SCHEMA_VERSION, ScoreOverview


@dataclass(frozen=True)
class FleetRow:
    """One control across the fleet: points available per tenant (absent where it is not scored)."""

    control: str
    title: str
    covered_by: str
    available: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(self.available.values()), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "title": self.title,
            "covered_by": self.covered_by or None,
            "available": dict(self.available),
            "total_available": self.total,
        }


@dataclass(frozen=True)
class FleetSummary:
    """Every tenant's overview and the control × tenant grid of points available."""

    tenants: tuple[str, ...]
    overviews: tuple[ScoreOverview, ...]
    rows: tuple[FleetRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tenants": [o.to_dict() for o in self.overviews],
            "fleet": [r.to_dict() for r in self.rows],
        }


def fleet_summary(overviews: Sequence[ScoreOverview]) -> FleetSummary:
    """The grid for ``overviews``, rows sorted by points available over all tenants."""
    rows: dict[str, FleetRow] = {}
    for overview in overviews:
        for control in overview.controls:
            if control.available is None:
                continue
            row = rows.setdefault(control.id, FleetRow(control.id, control.title, control.covered_by))
            row.available[overview.tenant] = control.available
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.control))
    return FleetSummary(tuple(o.tenant for o in overviews), tuple(overviews), tuple(ordered))

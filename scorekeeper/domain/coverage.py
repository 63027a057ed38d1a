"""How much of a tenant's Secure Score scorekeeper covers, and how much it can earn by itself.

One judgement for every front end (``score``, the dashboard, reports). A control profile of the
tenant's Secure Score is *covered* when an installed plugin declares a control of the same id.
How it is remediated follows from the settings that plugin declares, read at the control's own
criterion level (:class:`~scorekeeper.domain.levels.Level.CRITERION`, what Microsoft's control
measures — baseline requirements and advice earn no Secure Score points):

``automated``
    every criterion setting that asks for a change is ``RemediationKind.AUTOMATED``: scorekeeper
    itself can write each change that earns the points (plan → record → write → verify → rollback).
``guided``
    at least one criterion setting is ``GUIDED``: a person must act (register for MFA, remove an
    administrator, buy a licence) before Microsoft awards the points, even if other settings are
    written automatically. Judged for one tenant, with its newest assessment, a guided setting that
    *holds* there (the licence is held) asks no one to act and does not count: "buy a licence" is
    not a step for a tenant that has it. A guided setting that fails there, or that the tenant's
    newest assessment did not record, counts as declared.
``assess-only``
    the plugin only reads the control: no criterion setting asks for a change.
``not-applicable``
    judged for one tenant: every criterion setting the plugin could change is ``not_applicable``
    in the tenant's newest assessment — most often a licence the tenant lacks (the risk policies
    without Microsoft Entra ID P2). Microsoft still counts the control's points in the tenant's
    maximum (Secure Score is not relative to licences), but scorekeeper can earn none of them
    there until that changes, so they are not counted as automated; the totals name them apart
    (``not_applicable``) so "covers N" never promises points a missing licence withholds.

Points are Microsoft's ``maxScore`` of the controls the tenant is scored on (a control with no
entry in the tenant's Secure Score today — Microsoft scores the products a tenant holds a licence
for — adds nothing), so "points covered by automated
remediation" is the sum of the maximum of the scored controls whose remediation is automated:
what scorekeeper can earn without a person, not what it has earned.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import Control, RemediationKind
from scorekeeper.domain.securescore import ControlScore


class Remediation(enum.StrEnum):
    """How scorekeeper brings a covered control to Microsoft's criterion."""

    AUTOMATED = "automated"
    GUIDED = "guided"
    ASSESS_ONLY = "assess-only"
    NOT_APPLICABLE = "not-applicable"

    @property
    def word(self) -> str:
        """The word every front end shows: "automated", "guided", "read", "n/a here"."""
        return _WORDS[self]

    @property
    def short(self) -> str:
        """The same in a narrow cell: "auto", "guided", "read", "n/a"."""
        return _SHORT[self]


_WORDS = {
    Remediation.AUTOMATED: "automated",
    Remediation.GUIDED: "guided",
    Remediation.ASSESS_ONLY: "read",
    Remediation.NOT_APPLICABLE: "n/a here",
}
_SHORT = {**_WORDS, Remediation.AUTOMATED: "auto", Remediation.NOT_APPLICABLE: "n/a"}


#: Statuses of a setting that asks no one to act in the tenant (a guided setting that holds there).
HOLDS = frozenset({"pass", "not_applicable"})


def remediation_of(control: Control, statuses: Mapping[str, str] | None = None) -> Remediation:
    """The remediation of ``control``, judged from its criterion settings (see the module docs).

    ``statuses`` (setting id → status value of the tenant's newest assessment) makes it the
    judgement for that tenant: a guided criterion setting that holds there is left out.
    """
    held = statuses or {}
    changeable = [
        s for s in control.settings if s.level is Level.CRITERION and s.remediation is not RemediationKind.NONE
    ]
    if changeable and all(held.get(s.id) == "not_applicable" for s in changeable):
        return Remediation.NOT_APPLICABLE
    kinds = {
        s.remediation
        for s in control.settings
        if s.level is Level.CRITERION and not (s.remediation is RemediationKind.GUIDED and held.get(s.id) in HOLDS)
    }
    if RemediationKind.GUIDED in kinds:
        return Remediation.GUIDED
    if RemediationKind.AUTOMATED in kinds:
        return Remediation.AUTOMATED
    if any(s.remediation is RemediationKind.GUIDED for s in changeable):
        # every guided setting holds and none is automated (OneAdmin with two Global Administrators):
        # still a control only a person can bring back if it slips, not one scorekeeper only reads
        return Remediation.GUIDED
    return Remediation.ASSESS_ONLY


@dataclass(frozen=True)
class ControlCoverage:
    """One control profile of the tenant: who covers it and how (``plugin`` empty when nobody)."""

    id: str
    category: str
    max_score: float | None
    scored: bool
    plugin: str = ""
    distribution: str = ""
    remediation: Remediation | None = None

    @property
    def points(self) -> float:
        """What it adds to the tenant's maximum: its ``maxScore`` when scored, else 0."""
        return (self.max_score or 0.0) if self.scored else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "plugin": self.plugin or None,
            "distribution": self.distribution or None,
            "remediation": self.remediation.value if self.remediation else None,
            "points": self.points,
        }


@dataclass(frozen=True)
class CoverageTotals:
    """Points of the controls listed: the tenant's, a plugin's, automated remediation's."""

    points: float
    covered: float
    automated: float
    #: Points of covered controls that do not apply in the tenant (a licence it lacks): not automated.
    not_applicable: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "covered": self.covered,
            "automated": self.automated,
            "not_applicable": self.not_applicable,
        }


def _totals(rows: Iterable[ControlCoverage]) -> CoverageTotals:
    listed = list(rows)
    return CoverageTotals(
        points=round(sum(r.points for r in listed), 2),
        covered=round(sum(r.points for r in listed if r.plugin), 2),
        automated=round(sum(r.points for r in listed if r.remediation is Remediation.AUTOMATED), 2),
        not_applicable=round(sum(r.points for r in listed if r.remediation is Remediation.NOT_APPLICABLE), 2),
    )


@dataclass(frozen=True)
class Coverage:
    """Every control of one tenant's Secure Score with its coverage, and the totals."""

    controls: tuple[ControlCoverage, ...]

    def of(self, control_id: str) -> ControlCoverage | None:
        """The coverage of one control, ``None`` when it is not among those judged."""
        return next((c for c in self.controls if c.id == control_id), None)

    @property
    def totals(self) -> CoverageTotals:
        return _totals(self.controls)

    @property
    def by_category(self) -> dict[str, CoverageTotals]:
        """Totals per Microsoft category (Identity, Data, Device, Apps...), in first-seen order."""
        names = dict.fromkeys(c.category for c in self.controls)
        return {name: _totals(c for c in self.controls if c.category == name) for name in names}

    def to_dict(self) -> dict[str, Any]:
        return {
            "totals": self.totals.to_dict(),
            "categories": {name: t.to_dict() for name, t in self.by_category.items()},
            "controls": [c.to_dict() for c in self.controls],
        }


def coverage_line(totals: CoverageTotals) -> str:
    """The totals in words, one wording for every front end: "plugins cover 76 of 270 points;
    automated remediation covers 50" (``score``, the dashboard's Secure Score screen, reports)."""
    line = (
        f"plugins cover {totals.covered:g} of {totals.points:g} points; "
        f"automated remediation covers {totals.automated:g}"
    )
    if totals.not_applicable:
        line += f" ({totals.not_applicable:g} more where its settings do not apply here, usually for a licence)"
    return line


def category_line(name: str, totals: CoverageTotals) -> str:
    """One category's totals in words, one wording for every front end: "Identity: 46 automated
    (14 more n/a here), 63 covered of 74" (``score``, reports). The not-applicable points are said
    as :func:`coverage_line` says them, so a category never reads as if they could be automated."""
    apart = f" ({totals.not_applicable:g} more n/a here)" if totals.not_applicable else ""
    label = name or "(no category)"
    return f"{label}: {totals.automated:g} automated{apart}, {totals.covered:g} covered of {totals.points:g}"


def fleet_totals(coverages: Iterable[Coverage]) -> CoverageTotals:
    """The totals of several tenants added up: the fleet's points, covered and automated."""
    return _totals(c for coverage in coverages for c in coverage.controls)


def judge_coverage(
    rows: Iterable[ControlScore],
    controls: Mapping[str, Control],
    distributions: Mapping[str, str] | None = None,
    statuses: Mapping[tuple[str, str], str] | None = None,
) -> Coverage:
    """The coverage of the tenant's controls ``rows`` by the installed ``controls`` (id → declaration).

    ``distributions`` maps a plugin name to its distribution ("conditionalaccess" →
    "scorekeeper-m365-conditionalaccess"); a plugin without one is named by its plugin name.
    ``statuses`` are the tenant's newest assessment's finding statuses per ``(control, setting)``
    (``HistoryStore.finding_statuses``); without them each control is judged as declared.
    """
    names = distributions or {}
    by_control: dict[str, dict[str, str]] = {}
    for (control_id, setting_id), status in (statuses or {}).items():
        by_control.setdefault(control_id, {})[setting_id] = status
    judged = []
    for row in rows:
        control = controls.get(row.id)
        plugin = control.plugin if control is not None else ""
        judged.append(
            ControlCoverage(
                id=row.id,
                category=row.category,
                max_score=row.max_score,
                scored=row.scored,
                plugin=plugin,
                distribution=names.get(plugin, plugin),
                remediation=remediation_of(control, by_control.get(row.id)) if control is not None else None,
            )
        )
    return Coverage(tuple(judged))

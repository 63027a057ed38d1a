"""What a run's result means, judged once for every front end: "could not assess", unreachable, the exit code.

The CLI's exit code, the scheduler's ``run_failed`` notification, the fleet summary and CI all ask
the same question of a run — did it read everything it had to? — and must get the same answer.
A setting left ``unknown`` or ``error`` counts (a missing permission or an expired portal sign-in
must never read as a clean bill of health), *unless* an accepted-risk exception covers it: the
admin chose to leave it unread, and neither an exit code nor a notification should nag about it.

Two statuses are neither pass nor fail. ``advice`` (a failing setting the configured
requirements do not select, ``domain/advice.py``) never fails a run or a control: exit 3 is for
selected requirements only. ``staged`` (a setting in a non-final stage of a rollout it was put
in on purpose: report-only, a pilot group, Audit) is not a failure either — the tenant is as the
admin's rollout left it, so a run whose only shortfalls are staged exits 0 — but a control with a
staged setting is never *passing*: :func:`control_passes` says so, and every front end shows
"staged" with what the next stage needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scorekeeper.domain.model import ControlResult, Finding, RunResult, Status
from scorekeeper.errors import EXIT_ERROR, EXIT_FAIL, EXIT_OK

#: Finding statuses that mean "this setting could not be read".
UNREAD_STATUSES = frozenset({Status.UNKNOWN, Status.ERROR})


@dataclass(frozen=True)
class Unread:
    """One setting a run could not read (and no exception covers): where, and the finding saying why."""

    tenant: str
    control: str
    finding: Finding


def unread_findings(result: ControlResult) -> list[Finding]:
    """The findings of a control that could not be read and that no accepted-risk exception covers."""
    return [f for f in result.findings if f.status in UNREAD_STATUSES and not f.excepted]


def unread(runs: Iterable[RunResult]) -> list[Unread]:
    """Every unread, unexcepted setting of ``runs``."""
    return [Unread(r.tenant, c.control, f) for r in runs for c in r.controls for f in unread_findings(c)]


def unreachable(runs: Iterable[RunResult]) -> list[RunResult]:
    """The runs whose tenant could not be reached at all (sign-in or network failed).

    Such a run is ``failed`` and holds no findings: nothing of the tenant was read, so nothing of
    it may count as pass (or as unknown, setting by setting: the one reason says it once). Front
    ends print one line per such tenant, ``"{tenant}: {run.unreachable}"``.
    """
    return [r for r in runs if r.unreachable]


def incomplete(run: RunResult) -> bool:
    """A run that did not complete, or a control whose plugin failed outright."""
    return run.status != "completed" or any(c.error for c in run.controls)


def could_not_assess(runs: Iterable[RunResult]) -> bool:
    """The one judgement: something in ``runs`` could not be assessed."""
    runs = list(runs)
    return bool(unread(runs)) or any(incomplete(r) for r in runs)


def control_passes(findings: Iterable[Finding]) -> bool:
    """Whether a control is done: nothing fails, is unread, waits for a person or is staged.

    Advice, accepted risks, pending scores and not-applicable settings do not stand in the way;
    a staged setting does (report-only enforces nothing).
    """
    blocking = {Status.FAIL, Status.UNKNOWN, Status.ERROR, Status.MANUAL, Status.STAGED}
    return not any(f.status in blocking and not f.excepted for f in findings)


def run_exit_code(runs: Iterable[RunResult]) -> int:
    """3 when a selected requirement fails; else 1 when something could not be assessed; else 0.

    ``advice`` and ``staged`` findings are not failures (see the module docstring).
    """
    runs = list(runs)
    if any(r.failed for r in runs):
        return EXIT_FAIL
    return EXIT_ERROR if could_not_assess(runs) else EXIT_OK

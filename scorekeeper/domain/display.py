"""Short, safe text for any front end: values cut to a width, run markers, local times, and how
statuses, impacts, stages and verdict levels read.

The CLI's tables, the dashboard's cells and the reports show tenant values the same way; the
one implementation lives here, below every front end (none imports another).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from scorekeeper.domain.diff import MISSING
from scorekeeper.domain.impact import Harm, Impact
from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import Finding, Status
from scorekeeper.domain.staging import Stage
from scorekeeper.util.safetext import clean


def short(value: Any, width: int = 48) -> str:
    """A compact one-line form of a JSON value for a table cell or a diff line (CLI and TUI).

    ``—`` for nothing, ``(absent)`` for a field a value does not have (:data:`scorekeeper.domain.diff.MISSING`).
    Terminal controls and bidi overrides in tenant text are removed (:func:`scorekeeper.util.safetext.clean`).
    """
    text = full(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def full(value: Any) -> str:
    """The whole value as text, never cut: a table folds it over lines instead (CLI tables)."""
    if value is MISSING:
        return "(absent)"
    if value is None:
        return "—"
    if isinstance(value, str):
        return clean(value)
    return clean(json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str))


def cell(value: Any) -> str:
    """A value for a wrapping table cell: a list one item per line, anything else :func:`full`."""
    if isinstance(value, list) and value and all(not isinstance(v, dict | list) for v in value):
        return "\n".join(full(v) for v in value)
    return full(value)


#: The cell of a Secure Score control the tenant is not scored on today: listed among its control
#: profiles (``secureScoreControlProfiles``) with no entry in the newest ``secureScores``.
NOT_SCORED = "n/s"
#: Its legend, one wording for the CLI, the dashboard and the reports. Microsoft ties scoring to
#: the *products* a tenant holds a licence for, not to the edition: "If you have a license for one
#: of the supported Microsoft products, then you see recommendations for those products. We show
#: you the full set of possible recommendations for a product, regardless of license edition,
#: subscription, or plan" (https://learn.microsoft.com/defender-xdr/microsoft-secure-score). It
#: does not say more about a profile with no score, so neither does scorekeeper.
NOT_SCORED_LEGEND = (
    f"{NOT_SCORED}: not in this tenant's Secure Score today (Microsoft scores the products a tenant "
    "holds a licence for, whatever the edition)"
)

#: The legend of :func:`run_marker`, shared by the CLI's history and the TUI's.
RUN_MARKERS = "⏲ scheduled  ↩N acts on run N"


def run_marker(scheduled: bool, parent_run_id: int | None) -> str:
    """`` ⏲`` for a scheduled run and `` ↩N`` for one acting on run N: the same in the CLI and the TUI."""
    return (" ⏲" if scheduled else "") + (f" ↩{parent_run_id}" if parent_run_id else "")


def local_time(moment: Any) -> str:
    """A timestamp for people: date with the year, time and the local zone (``2026-12-01 09:05 CET``)."""
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


# --- Statuses, impact, stages and levels: how every front end names them -------------------------
#
# A status's glyph, word, tone (colour family) and place in a sorted list live here once; the CLI
# (Rich styles), the dashboard (theme variables) and the reports (CSS classes) map a *tone* to
# their own colours, so a new status is added in one table and every front end shows it alike.


class Tone(enum.StrEnum):
    """The colour family of a status, independent of the medium that draws it."""

    GOOD = "good"  # pass
    BAD = "bad"  # fail, error
    WARN = "warn"  # a person must act (manual)
    UNREAD = "unread"  # could not be read (unknown)
    MUTED = "muted"  # nothing to judge (not applicable)
    WAITING = "waiting"  # settled, the score has not caught up (pending)
    STAGED = "staged"  # part-way through a staged rollout: neither pass nor fail
    ADVICE = "advice"  # a recommendation the configuration does not require: never a failure


@dataclass(frozen=True)
class StatusLook:
    """How a status reads: glyph, word, tone, and whether it is a failure anywhere (exit code 3, CI)."""

    glyph: str
    word: str
    tone: Tone
    failure: bool = False

    @property
    def label(self) -> str:
        """``✘ fail``: glyph and word, readable without colour."""
        return f"{self.glyph} {self.word}"


STATUS_LOOK: dict[Status, StatusLook] = {
    Status.FAIL: StatusLook(Status.FAIL.symbol, "fail", Tone.BAD, failure=True),
    Status.ERROR: StatusLook(Status.ERROR.symbol, "error", Tone.BAD),
    Status.UNKNOWN: StatusLook(Status.UNKNOWN.symbol, "unknown", Tone.UNREAD),
    Status.MANUAL: StatusLook(Status.MANUAL.symbol, "manual", Tone.WARN),
    Status.STAGED: StatusLook(Status.STAGED.symbol, "staged", Tone.STAGED),
    Status.PENDING: StatusLook(Status.PENDING.symbol, "pending", Tone.WAITING),
    Status.ADVICE: StatusLook(Status.ADVICE.symbol, "advice", Tone.ADVICE),
    Status.PASS: StatusLook(Status.PASS.symbol, "pass", Tone.GOOD),
    Status.NOT_APPLICABLE: StatusLook(Status.NOT_APPLICABLE.symbol, "not applicable", Tone.MUTED),
}

#: Statuses in the order every list sorts and counts them: what needs a person first, advice after
#: every failure and staged rollout, passes last.
STATUS_ORDER: tuple[Status, ...] = tuple(STATUS_LOOK)

#: Rich styles for a terminal (the CLI): one per tone.
TERMINAL_STYLE: dict[Tone, str] = {
    Tone.GOOD: "green",
    Tone.BAD: "bold red",
    Tone.WARN: "yellow",
    Tone.UNREAD: "magenta",
    Tone.MUTED: "dim",
    Tone.WAITING: "cyan",
    Tone.STAGED: "bold blue",
    Tone.ADVICE: "blue",
}


def status_look(status: Status | str) -> StatusLook:
    """The look of ``status`` (a :class:`Status` or its value)."""
    return STATUS_LOOK[Status(status)]


def status_rank(status: Status | str) -> int:
    """Position of ``status`` in :data:`STATUS_ORDER`, for sorting rows (failures first, advice after them)."""
    return STATUS_ORDER.index(Status(status))


def status_label(status: Status | str, stage: Stage | None = None) -> str:
    """``✘ fail``; a staged setting with its stage: ``◐ staged: report-only → enabled; next stage needs …``."""
    look = status_look(status)
    if Status(status) is Status.STAGED and stage is not None:
        return f"{look.glyph} {stage_line(stage)}"
    return look.label


def stage_line(stage: Stage) -> str:
    """Where a staged rollout stands and what the next stage needs, tenant text cleaned (``Stage.line``)."""
    return clean(stage.line())


#: How a harm reads in a plan, a report or the dashboard.
HARM_WORDS: dict[Harm, str] = {
    Harm.NONE: "no harm",
    Harm.DEGRADES: "degrades",
    Harm.LOCKS_OUT: "locks out",
}


def harm_label(harm: Harm | str) -> str:
    """``⚠ locks out`` / ``degrades`` / ``no harm``: the warning sign only where someone is locked out."""
    harm = Harm(harm)
    return ("⚠ " if harm is Harm.LOCKS_OUT else "") + HARM_WORDS[harm]


#: What a blocking impact planned anyway says: the configuration, not scorekeeper, accepted it.
ACCEPTED = "accepted by [remediation] accept_impact"


def impact_lines(impact: Impact, limit: int = 5, *, accepted: bool = False) -> list[str]:
    """An impact as lines a person reads before a write (plan, confirmation, reports, dashboard).

    First the harm and summary, then one line per affected principal (up to ``limit``, then
    "… and N more"), then what would make the change safe and what tenant data it was computed
    from. ``accepted`` marks a blocking impact of a change that is written anyway because the
    configuration accepts it. Tenant text is cleaned (:func:`scorekeeper.util.safetext.clean`);
    every line is one line.
    """
    mark = f" ({ACCEPTED})" if accepted and impact.blocks else ""
    lines = [f"{harm_label(impact.harm)}{mark}: {_one_line(impact.summary)}"]
    for who in impact.affected[:limit]:
        name = _one_line(who.name or who.id)
        kind = "" if who.kind == "user" else f" ({_one_line(who.kind)})"
        detail = f" — {_one_line(who.detail)}" if who.detail else ""
        lines.append(f"  {name}{kind}{detail}")
    rest = len(impact.affected) - limit
    if rest > 0:
        lines.append(f"  … and {rest} more")
    if impact.remedy:
        lines.append(f"To make it safe: {_one_line(impact.remedy)}")
    if impact.sources:
        lines.append("Computed from: " + ", ".join(_one_line(s) for s in impact.sources))
    return lines


def impact_line(impact: Impact, limit: int = 3) -> str:
    """An impact in one line for a table cell: ``⚠ locks out: 3 users can no longer reset: ada, bo and 1 more``."""
    names = ", ".join(_one_line(a.name or a.id) for a in impact.affected[:limit])
    rest = len(impact.affected) - limit
    if rest > 0:
        names += f" and {rest} more"
    text = f"{harm_label(impact.harm)}: {_one_line(impact.summary)}"
    return f"{text}: {names}" if names else text


def stage_moved_to(finding: Finding) -> str | None:
    """The stage a change planned from ``finding`` moved the setting to; None when it is not staged.

    A staged finding is promoted to its next stage; any other finding with a stage (a failing
    setting whose rollout starts) is written to the stage it names.
    """
    stage = finding.stage
    if stage is None:
        return None
    return stage.next_name if finding.status is Status.STAGED else stage.name


def level_label(level: Level | str, baselines: tuple[str, ...] | list[str] = ()) -> str:
    """``criterion``, ``baseline: CISA MS.AAD.3.5v2, CIS M365 5.2.3.7`` or ``advice`` (baselines named when known)."""
    level = Level(level)
    cited = ", ".join(_one_line(b) for b in baselines)
    if level is Level.CRITERION:
        return "criterion" + (f" (also {cited})" if cited else "")
    return f"{level.value}: {cited}" if cited else level.value


def _one_line(text: str) -> str:
    return " ".join(clean(str(text)).split())

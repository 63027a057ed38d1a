"""Turning domain values into short, colour-optional text for table cells and detail panes.

Every status is shown as symbol *and* word so the dashboard reads the same without colour; the
colours come from the active Textual theme so light and dark themes both stay legible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.text import Text

from scorekeeper.domain.display import STATUS_LOOK, Tone, impact_lines, local_time, status_look
from scorekeeper.domain.impact import Harm, Impact
from scorekeeper.domain.model import Outcome, Status

#: Theme variable that draws each tone (see ``App.get_css_variables``); a status's tone is
#: :data:`scorekeeper.domain.display.STATUS_LOOK`'s, shared with the CLI and the reports.
TONE_VARIABLE = {
    Tone.GOOD: "success",
    Tone.BAD: "error",
    Tone.WARN: "warning",
    Tone.UNREAD: "secondary",
    Tone.MUTED: "foreground-muted",
    Tone.WAITING: "foreground-muted",
    Tone.STAGED: "accent",
    Tone.ADVICE: "primary",
}
#: Theme variable that colours each status.
STATUS_VARIABLE = {status: TONE_VARIABLE[look.tone] for status, look in STATUS_LOOK.items()}
#: Theme variable that colours an impact by its harm.
HARM_VARIABLE = {Harm.NONE: "foreground-muted", Harm.DEGRADES: "warning", Harm.LOCKS_OUT: "error"}
OUTCOME_VARIABLE = {
    Outcome.APPLIED: "success",
    Outcome.FAILED: "error",
    Outcome.SKIPPED: "warning",
    Outcome.AMBIGUOUS: "warning",
}
RUN_STATUS_VARIABLE = {"completed": "success", "failed": "error", "interrupted": "warning", "running": "accent"}

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def theme_palette(variables: Mapping[str, str]) -> dict[str, str]:
    """Theme variables as opaque ``#rrggbb`` colours that Rich accepts.

    Textual themes give some colours (``foreground-muted``...) an alpha channel; Rich cannot
    draw those, so each is blended onto the theme's background as Textual itself would.
    """
    from textual.color import Color, ColorParseError

    try:
        background = Color.parse(variables.get("background", "#000000"))
    except ColorParseError:
        background = Color(0, 0, 0)
    palette = {}
    for name, value in variables.items():
        try:
            parsed = Color.parse(value)
        except ColorParseError:
            continue
        palette[name] = (background + parsed).hex if parsed.a < 1 else parsed.hex6
    return palette


def colour(palette: Mapping[str, str], variable: str) -> str:
    """The theme's colour for ``variable``, or no style when the theme lacks it."""
    return palette.get(variable, "")


def status_text(status: Status | str, palette: Mapping[str, str], *, bold_fail: bool = True) -> Text:
    """``✘ fail`` in the theme's error colour; readable as plain text too."""
    status = Status(status)
    style = colour(palette, STATUS_VARIABLE[status])
    if bold_fail and status in (Status.FAIL, Status.ERROR):
        style = f"bold {style}".strip()
    return Text(status_look(status).label, style=style)


def impact_text(
    impact: Impact, palette: Mapping[str, str], *, indent: str = "", limit: int = 20, accepted: bool = False
) -> Text:
    """An impact as the plan and the reports word it (``display.impact_lines``), its harm in colour.

    ``accepted``: the change is written although it locks someone out (``[remediation] accept_impact``).
    """
    text = Text()
    head, *rest = impact_lines(impact, limit, accepted=accepted)
    text.append(f"{indent}{head}", style=f"bold {colour(palette, HARM_VARIABLE[impact.harm])}".strip())
    for line in rest:
        text.append(f"\n{indent}{line}")
    return text


def run_status_text(status: str, palette: Mapping[str, str]) -> Text:
    return Text(status, style=colour(palette, RUN_STATUS_VARIABLE.get(status, "foreground")))


def fit(text: str, width: int) -> str:
    """``text`` cut to leave one blank column before the next (tables here have no cell padding)."""
    return text if len(text) < width else text[: max(width - 2, 0)] + "…"


def pretty(value: Any) -> str:
    """A JSON value for a detail pane: indented when it is a structure."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, default=str, sort_keys=True)


def when(moment: datetime | None) -> str:
    """A recorded time as people read it everywhere: date with the year, time and the local zone.

    The CLI's :func:`scorekeeper.cli.render.local_time` (``2026-12-01 09:05 CET``), so both front ends
    agree; never computed from the current time, so screens are reproducible.
    """
    if moment is None:
        return "never"
    return local_time(moment)


def score_text(score: float | None, max_score: float | None) -> str:
    if score is None:
        return "—"
    return f"{score:g}/{max_score:g}" if max_score is not None else f"{score:g}"


def sparkline(values: Sequence[float], ceiling: float | None = None, width: int = 8) -> str:
    """The last ``width`` scores as block characters scaled to ``ceiling`` (the control's max score).

    Scaling to the maximum rather than to the series' own range keeps a steady full score at the
    top and a steady zero at the bottom, which is what an admin scanning the column needs.
    """
    points = list(values)[-width:]
    if not points:
        return ""
    top = ceiling if ceiling else max(points) or 1.0
    last = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[max(0, min(last, round(p / top * last)))] for p in points)


def counts_text(counts: Mapping[str, int], palette: Mapping[str, str], width: int | None = None) -> Text:
    """``✔3 ✘1 ?0 ✋1``: pass, fail, unknown and manual counts, each in its status colour.

    Staged (◐) and advice (ℹ) follow only when there are any: neither is a pass or a failure, and
    a tenant without them keeps the four counts it always had. When the counts would be wider
    than ``width``, the zero unknown and manual counts make room for them.
    """
    text = Text()
    shown = [Status.PASS, Status.FAIL, Status.UNKNOWN, Status.MANUAL]
    shown += [s for s in (Status.STAGED, Status.ADVICE) if counts.get(s.value, 0)]
    if width is not None and sum(len(f"{s.symbol}{counts.get(s.value, 0)} ") for s in shown) - 1 > width:
        shown = [s for s in shown if counts.get(s.value, 0) or s in (Status.PASS, Status.FAIL)]
    for status in shown:
        if text:
            text.append(" ")
        number = counts.get(status.value, 0)
        style = colour(palette, STATUS_VARIABLE[status]) if number else colour(palette, "foreground-muted")
        text.append(f"{status.symbol}{number}", style=style)
    return text


def trend_text(values: Sequence[float], ceiling: float | None, palette: Mapping[str, str], width: int = 40) -> Text:
    """``Trend ▁▃▅█  last 4 scores, scale 0–2``: the sparkline with what it is drawn against."""
    points = list(values)[-width:]
    text = Text("Trend ", style="bold")
    if not points:
        return text.append("no score recorded yet")
    text.append(sparkline(points, ceiling, width), style=colour(palette, "accent"))
    top = ceiling if ceiling else max(points)
    text.append(f"  last {len(points)} score(s), scale 0–{top:g}")
    return text


def sized_columns(
    columns: tuple[tuple[str, int], ...] | list[tuple[str, int]], available: int, wants: Mapping[str, int]
) -> dict[str, int]:
    """Column widths for a terminal ``available`` cells wide: the defaults, with the spare width given
    to the columns in ``wants`` (label → the width that shows their longest value in full), in order.

    At 80 columns the defaults stand; at 120 a control id such as ``SelfServicePasswordReset`` fits.
    """
    widths = dict(columns)
    spare = max(available - sum(widths.values()) - 2, 0)  # the scrollbar and a margin
    for label, wanted in wants.items():
        grow = min(max(wanted - widths[label], 0), spare)
        widths[label] += grow
        spare -= grow
    return widths

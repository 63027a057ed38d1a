"""The Secure Score trend as an inline SVG: oldest left, a dated time axis, zero at the bottom.

Scaled from 0 to the highest max score shown, so a constant 8 of 8 sits at the top and a
constant 0 of 8 at the bottom (a chart scaled to its own range draws both as the same flat
line). Every snapshot is a marked point; each series' max is a dashed line.
The same data is rendered as a table beside it for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from scorekeeper.reports.model import ScoreSeries

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 34
PALETTE = 6  # series colours s0..s5 in the stylesheet


def _fmt(value: float) -> str:
    return f"{value:g}"


def trend_svg(series: Sequence[ScoreSeries], *, title: str = "Secure Score trend") -> str:
    """An ``<svg>`` of ``series``; ``""`` when no snapshot has a score."""
    points = [(p.at, p.score, p.max_score) for s in series for p in s.points if p.score is not None]
    if not points:
        return ""
    times = [p[0].timestamp() for p in points]
    t0, t1 = min(times), max(times)
    top = max([p[1] or 0.0 for p in points] + [p[2] or 0.0 for p in points]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + (plot_w / 2 if t1 == t0 else (at.timestamp() - t0) / (t1 - t0) * plot_w)

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        # the <title> child names the image (an id would repeat once per chart in a fleet report)
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
    ]
    grid = []  # every grid line in one path: a fleet report draws a chart per tenant
    for frac in (0.0, 0.5, 1.0):  # y axis: 0, half, the highest max
        yy = y(top * frac)
        grid.append(f"M{LEFT} {yy:.0f}H{WIDTH - RIGHT}")
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{yy + 4:.0f}" text-anchor="end">{_fmt(top * frac)}</text>')
    ticks = _date_ticks(t0, t1)
    for i, at in enumerate(ticks):
        xx = x(at)
        # the first and last labels hang inward so that neither is cut at the chart's edge
        anchor = "start" if i == 0 and len(ticks) > 1 else "end" if i == len(ticks) - 1 and i else "middle"
        grid.append(f"M{xx:.0f} {TOP}V{TOP + plot_h}")
        parts.append(f'<text class="tick" x="{xx:.0f}" y="{HEIGHT - 12}" text-anchor="{anchor}">{at:%Y-%m-%d}</text>')
    parts.insert(2, f'<path class="grid" d="{"".join(grid)}"/>')
    for index, s in enumerate(series):
        cls = f"s{index % PALETTE}"
        marked = [p for p in s.points if p.score is not None]
        if not marked:
            continue
        latest_max = next((p.max_score for p in reversed(s.points) if p.max_score is not None), None)
        if latest_max is not None:
            ym = y(latest_max)
            parts.append(
                f'<line class="max {cls}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ym:.0f}" y2="{ym:.0f}">'
                f"<title>{escape(s.label)}: max {_fmt(latest_max)}</title></line>"
            )
        coords = " ".join(f"{x(p.at):.0f},{y(p.score or 0.0):.0f}" for p in marked)
        parts.append(f'<polyline class="line {cls}" points="{coords}"/>')
        # every point marked: one path of zero-length strokes with round caps (dots), not an
        # element per point; values and dates of every point are in the table beside the chart
        dots = "".join(f"M{x(p.at):.0f} {y(p.score or 0.0):.0f}h0" for p in marked)
        parts.append(f'<path class="pt {cls}" d="{dots}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _date_ticks(t0: float, t1: float, count: int = 4) -> list[datetime]:
    """Up to ``count`` evenly spaced instants from the oldest to the newest snapshot (UTC)."""
    from datetime import UTC

    if t1 == t0:
        return [datetime.fromtimestamp(t0, UTC)]
    return [datetime.fromtimestamp(t0 + (t1 - t0) * i / (count - 1), UTC) for i in range(count)]

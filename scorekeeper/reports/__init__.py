"""Reports of a run for people who were not at the terminal: HTML for a browser, Markdown for a ticket.

One renderer per format, each a pure function of a :class:`~scorekeeper.model.RunResult` (and the
score history the store holds), so a report can be produced from history long after the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scorekeeper.model import RunResult, SecureScore

FORMATS = ("html", "md", "json")


def render_report(run: RunResult, fmt: str, *, score_history: dict[str, Sequence[SecureScore]] | None = None) -> str:
    """The report of ``run`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        import json

        return json.dumps(run.to_dict(), indent=2, default=str)
    context = _context(run, score_history or {})
    return _environment().get_template(f"report.{fmt}.j2").render(**context)


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("scorekeeper.reports", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _context(run: RunResult, history: dict[str, Sequence[SecureScore]]) -> dict[str, Any]:
    from scorekeeper.render import short

    controls = []
    for control in run.controls:
        tally: dict[str, int] = {}
        for finding in control.findings:
            tally[finding.status.value] = tally.get(finding.status.value, 0) + 1
        points = [s.score for s in history.get(control.control, ()) if s.score is not None]
        controls.append(
            {
                "result": control,
                "tally": tally,
                "trend": _sparkline_points(list(reversed(points))) if len(points) > 1 else "",
            }
        )
    return {"run": run, "controls": controls, "short": short}


def _sparkline_points(values: list[float], width: int = 160, height: int = 32) -> str:
    """SVG polyline points for a score trend (oldest first); a flat line for constant scores."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - (v - low) / span * (height - 4) - 2:.1f}" for i, v in enumerate(values))

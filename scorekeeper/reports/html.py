"""The HTML report: one self-contained file (inline CSS, SVG and a small script), offline and printable.

Rendered with Jinja's autoescaping, and every value passes :func:`scorekeeper.util.safetext.clean`
on its way out (the environment's ``finalize``), so tenant text can neither add markup nor
carry control characters or bidirectional overrides into the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from scorekeeper.domain.coverage import category_line, coverage_line
from scorekeeper.domain.display import NOT_SCORED, NOT_SCORED_LEGEND, impact_line
from scorekeeper.reports import rows, staterows, values
from scorekeeper.reports.chart import trend_svg
from scorekeeper.reports.model import STATUS_ORDER, Report, ScoreSeries, StatusChange
from scorekeeper.reports.states import fleet_states
from scorekeeper.util.safetext import clean


def render_html(report: Report) -> str:
    """The report as a complete HTML document."""
    settings = rows.SettingRows(report)
    # A fleet shows each distinct state of a setting once, with its tenants (reports/states.py).
    states = staterows.StateRows(fleet_states(report), settings.memo) if report.fleet else None
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            setting_rows=settings,
            states=states,
            statuses=[s.value for s in STATUS_ORDER],
            status_symbol=rows.SYMBOLS,
            status_word=rows.WORDS,
            status_css=Markup(rows.status_css()),
        )
    )


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean(value)
    return "" if value is None else value


def _when(value: datetime | None) -> str:
    return "not recorded" if value is None else f"{value:%Y-%m-%d %H:%M:%S} {value.tzname() or 'UTC'}"


def _num(value: float | None) -> str:
    return "not read" if value is None else f"{value:g}"


def _trend_rows(series: tuple[ScoreSeries, ...]) -> list[tuple[str, list[str]]]:
    """The trend as table rows: one per snapshot time, one cell per series (``score / max``)."""
    cells: dict[str, dict[str, str]] = {}
    for s in series:
        for p in s.points:
            stamp = f"{p.at:%Y-%m-%d %H:%M}"
            text = (
                "—" if p.score is None else _num(p.score) + ("" if p.max_score is None else f" / {_num(p.max_score)}")
            )
            cells.setdefault(stamp, {})[s.key] = text
    return [(stamp, [row.get(s.key, "") for s in series]) for stamp, row in sorted(cells.items())]


def _by_transition(changes: Iterable[StatusChange]) -> list[tuple[tuple[str, str, str], list[str]]]:
    """Status changes grouped by (control, before, after), in first-seen order: one line each."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for ch in changes:
        groups.setdefault((ch.control, ch.before, ch.after), []).append(ch.setting)
    return list(groups.items())


def _chart(series: tuple[ScoreSeries, ...], tenant: str) -> Markup:
    return Markup(trend_svg(series, title=clean(f"Secure Score trend of {tenant}")))


@cache
def _asset(name: str) -> Markup:
    """A stylesheet or script shipped beside the template, inlined as it is (our own text, not tenant text)."""
    from importlib.resources import files

    return Markup(files("scorekeeper.reports").joinpath("templates", name).read_text(encoding="utf-8"))


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("scorekeeper.reports", "templates"),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters.update(
        when=_when,
        num=_num,
        compact=values.compact,
        pretty=values.pretty,
        trend_rows=_trend_rows,
        chart=_chart,
        by_transition=_by_transition,
        ledger_rows=rows.ledger_rows,
        print_rows=rows.print_rows,
        coverage_line=coverage_line,
        category_line=lambda item: category_line(*item),
        impact=lambda i: Markup(rows.impact_html(i)),
        level=lambda s: Markup(rows.level_badge(s)),
        impact_line=impact_line,
    )
    env.globals["asset"] = _asset
    env.globals["not_scored"] = NOT_SCORED
    env.globals["not_scored_legend"] = NOT_SCORED_LEGEND
    return env

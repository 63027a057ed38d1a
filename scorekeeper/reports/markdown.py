"""The Markdown report: sized for a CI job summary (GitHub's ``$GITHUB_STEP_SUMMARY``) or a ticket.

Counts first, then the failing settings, those that could not be read, staged rollouts and
advice (neither is a failure), whom the planned changes affect, the Secure Score
(points now and max for the tenant and each control; the trend as small tables), and the rest
folded. Values are cut at :data:`VALUE_WIDTH` characters
(the HTML and JSON reports carry them whole). GitHub accepts at most 1 MiB of summary per step,
so the settings tables stop at :data:`MAX_ROWS` rows and say how many were left out.

Tenant text is made inert: control characters stripped, line breaks flattened, and every ASCII
punctuation character backslash-escaped (CommonMark's escape), so ``<script>``, ``|``, ``*``,
``[x](y)`` and backticks from a tenant show as the characters they are.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import UTC

from scorekeeper.domain.coverage import coverage_line
from scorekeeper.domain.display import impact_lines, level_label, status_label, status_look
from scorekeeper.domain.model import Status
from scorekeeper.reports.model import STATUS_ORDER, Report, SettingRow, TenantSection
from scorekeeper.reports.values import one_line, words

VALUE_WIDTH = 120
MAX_ROWS = 1000
TREND_ROWS = 10
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def md(text: object) -> str:
    """Tenant (or any) text as inert Markdown inline text."""
    return one_line(str(text)).translate(_ESCAPES)


def _value(value: object) -> str:
    """A value in words (``values.words``), cut to the table's width."""
    text = words(value)
    return md(text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…")


def _status(s: SettingRow) -> str:
    """The status cell: ``⚑ excepted`` for a covered finding, a staged one with its stage line, else the label."""
    if s.excepted:
        return "⚑ excepted"
    return md(status_label(s.status, s.stage))


def _level(s: SettingRow) -> str:
    return "not recorded" if s.level is None else md(level_label(s.level, s.baselines))


def render_markdown(report: Report) -> str:
    lines: list[str] = []
    if report.fleet:
        lines.append(f"# scorekeeper fleet report — {len(report.tenants)} tenants")
    else:
        t = report.tenants[0]
        lines.append(f"# scorekeeper report — {md(t.name)}, {md(t.run.kind)} run {t.run.id}")
    lines += ["", _generated(report), ""]
    if report.branding.operator:  # [reports] operator: who made the report
        lines += [f"Prepared by {md(report.branding.operator)}", ""]
    cov = report.coverage_totals
    if cov is not None:  # domain/coverage.py's judgement, as `score` prints it
        lines += [f"Secure Score coverage: {coverage_line(cov)}", ""]
    if not report.fleet:
        lines += [_organization(report.tenants[0]), "", _run_versions(report.tenants[0]), ""]
    lines += _counts_table(report)
    failing = [(t, s) for t in report.ranked_tenants for s in t.settings if s.failing]
    unread = [(t, s) for t in report.ranked_tenants for s in t.settings if s.unassessed]
    staged = [(t, s) for t in report.ranked_tenants for s in t.settings if s.staged]
    advice = [(t, s) for t in report.ranked_tenants for s in t.settings if s.advice]
    lines += _settings_table("Failing settings", failing, report.fleet)
    lines += _settings_table("Settings that could not be read", unread, report.fleet)
    if staged:
        lines += _settings_table("Staged rollouts — neither pass nor fail yet", staged, report.fleet)
    if advice:
        lines += _settings_table("Advice — not required by the configuration, never a failure", advice, report.fleet)
    lines += _impacts(report)
    if report.fleet:
        lines += _fleet_scores(report)
    else:
        lines += _secure_score(report.tenants[0])
        lines += _ahead(report.tenants[0])
        lines += _ledger(report.tenants[0])
    rest = [
        (t, s)
        for t in report.ranked_tenants
        for s in t.settings
        if not (s.failing or s.unassessed or s.staged or s.advice)
    ]
    if rest:
        lines += [
            "<details><summary>"
            + f"{len(rest)} other settings (pass, manual, pending, excepted, not applicable)"
            + "</summary>",
            "",
        ]
        lines += _settings_table("", rest, report.fleet)
        lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def _generated(report: Report) -> str:
    version = md(report.generator.get("scorekeeper", "?"))
    when = f"{report.generated_at:%Y-%m-%d %H:%M} UTC"
    return f"Report `{report.report_id}` · generated {when} from history by scorekeeper {version}"


def _organization(t: TenantSection) -> str:
    """The directory's own names for the tenant, as the run (or the earlier run named) read them, or why
    they are unknown."""
    if t.display_name or t.primary_domain:
        names = " · ".join(md(n) for n in (t.display_name, t.primary_domain) if n)
        line = f"Organisation: {names}" + (f" (tenant id {md(t.tenant_id)})" if t.tenant_id else "")
    elif t.organization_unread:
        line = f"Organisation: unknown — {md(t.organization_unread)}"
    else:
        return "Organisation: not recorded"
    source = t.organization_recorded_by
    if source is not None and t.organization_from_another_run:
        when = f"{source.started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        line += f" — as read by {md(source.kind)} run {source.run_id}, {when}"
    return line


def _run_versions(t: TenantSection) -> str:
    """The code the run used (recorded on the run), which may differ from the code rendering this report."""
    if not t.run.versions:
        return "Versions at run: not recorded"
    return "Versions at run: " + ", ".join(f"{md(k)} {md(v)}" for k, v in sorted(t.run.versions.items()))


def _counts_table(report: Report) -> list[str]:
    head = ["tenant", "run", *(status_look(s).label for s in STATUS_ORDER), "⚑ excepted", "points"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for t in report.ranked_tenants:
        points = "not read" if t.score is None else f"{t.score:g} / {t.max_score:g}" if t.max_score is not None else ""
        cells = [md(t.name), f"{t.run.id} ({md(t.run.kind)}, {t.run.finished_at:%Y-%m-%d %H:%M} UTC)"]
        cells += [str(t.counts[s.value]) for s in STATUS_ORDER] + [str(t.counts["excepted"]), points]
        lines.append("| " + " | ".join(cells) + " |")
    if report.fleet:
        total = report.counts
        cells = ["**all**", ""] + [f"**{total[s.value]}**" for s in STATUS_ORDER] + [f"**{total['excepted']}**", ""]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _settings_table(title: str, rows: list[tuple[TenantSection, SettingRow]], fleet: bool) -> list[str]:
    if not rows:
        return [f"## {title}", "", "None.", ""] if title else []
    head = (["tenant"] if fleet else []) + ["control", "setting", "status", "level", "current", "desired", "reason"]
    lines = ([f"## {title} ({len(rows)})", ""] if title else []) + [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for tenant, s in rows[:MAX_ROWS]:
        reason = md(s.reason) + (f" — {md(s.exception.text)}" if s.exception else "")
        cells = ([md(tenant.name)] if fleet else []) + [
            md(s.control),
            f"{md(s.title)} ({md(s.setting)})",
            _status(s),
            _level(s),
            _value(s.current),
            _value(s.desired),
            reason,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > MAX_ROWS:
        lines += ["", f"…and {len(rows) - MAX_ROWS} more (the HTML, JSON and CSV reports list them all)."]
    return [*lines, ""]


def _impacts(report: Report) -> list[str]:
    """Whom each planned change (a failing, staged or advice setting the run computed an impact for) affects.

    Blocking impacts first: a change that locks someone out is planned as a guided step unless the
    configuration accepts it, and this is where a reader of the report learns who and what makes it safe.
    """
    found = [
        (t, s)
        for t in report.ranked_tenants
        for s in t.settings
        if s.impact is not None and not s.excepted and s.status is not Status.PASS
    ]
    if not found:
        return []
    found.sort(key=lambda ts: not (ts[1].impact and ts[1].impact.blocks))  # stable: blocking first
    lines = [f"## Impact of the planned changes ({len(found)})", ""]
    for tenant, s in found[:MAX_ROWS]:
        assert s.impact is not None
        where = (f"{md(tenant.name)}: " if report.fleet else "") + f"{md(s.control)}/{md(s.setting)}"
        first, *rest = impact_lines(s.impact, limit=10)
        lines.append(f"- **{where}** — {md(first)}")
        lines += [f"  - {md(line.strip())}" for line in rest]
    if len(found) > MAX_ROWS:
        lines += ["", f"…and {len(found) - MAX_ROWS} more (the HTML and JSON reports list them all)."]
    return [*lines, ""]


def _points(score: float | None) -> str:
    return "not read" if score is None else f"{score:g}"


def _available(score: float | None, max_score: float | None) -> str:
    return "" if score is None or max_score is None else f"{max(max_score - score, 0.0):g}"


def _secure_score(t: TenantSection) -> list[str]:
    """Points now and max for the tenant (Microsoft's whole score) and each control, then the trend."""
    lines = ["## Secure Score", "", "| | points now | max | available |", "|---|---|---|---|"]
    ss = t.secure_score
    if ss is not None and ss.current is not None:
        when = f" (Microsoft, {ss.scored_at:%Y-%m-%d})" if ss.scored_at is not None else ""
        lines.append(f"| **tenant**{when} | {_points(ss.current)} | {_points(ss.max_score)} | {ss.available:g} |")
    else:
        lines.append("| **tenant** | not recorded | | |")
    for c in t.controls:
        cells = [f"{md(c.title)} ({md(c.id)})", _points(c.score), _points(c.max_score)]
        lines.append("| " + " | ".join([*cells, _available(c.score, c.max_score)]) + " |")
    if len(t.controls) > 1:
        total = [_points(t.score), _points(t.max_score), f"{t.points_available:g}"]
        lines.append("| these controls | " + " | ".join(total) + " |")
    lines.append("")
    if t.plan_points:
        lines += [f"The current plan works on controls with up to {t.plan_points:g} points available.", ""]
    top = [c for c in ss.controls if c.available][:5] if ss is not None else []
    if top:
        most = ", ".join(f"{md(c.title)} (+{c.available:g})" for c in top)
        lines += [f"Most points available in the tenant: {most}", ""]
    return lines + _trend(t) + _daily_total(t)


def _trend(t: TenantSection) -> list[str]:
    if not t.trend:
        return ["### Trend per control", "", "No Secure Score snapshot in history yet.", ""]
    stamps: dict[str, dict[str, str]] = {}
    for s in t.trend:
        for p in s.points:
            cell = "—" if p.score is None else f"{p.score:g}" + ("" if p.max_score is None else f" / {p.max_score:g}")
            stamps.setdefault(f"{p.at:%Y-%m-%d %H:%M}", {})[s.key] = cell
    shown = sorted(stamps)[-TREND_ROWS:]
    head = ["snapshot (UTC)", *(md(s.label) for s in t.trend)]
    lines = [f"### Trend per control (last {len(shown)} snapshots, oldest first)", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join([stamp, *(stamps[stamp].get(s.key, "") for s in t.trend)]) + " |" for stamp in shown]
    return [*lines, ""]


def _daily_total(t: TenantSection) -> list[str]:
    """The tenant's whole score per day (Microsoft's kept days included), the newest few."""
    ss = t.secure_score
    points = [p for p in ss.trend.points if p.score is not None][-TREND_ROWS:] if ss and ss.trend else []
    if not points:
        return []
    lines = [f"### Tenant total (last {len(points)} days, oldest first)", "", "| day (UTC) | points | max |"]
    lines.append("|---|---|---|")
    lines += [f"| {p.at:%Y-%m-%d} | {_points(p.score)} | {_points(p.max_score)} |" for p in points]
    return [*lines, ""]


def _fleet_scores(report: Report) -> list[str]:
    """Per tenant, most points available first: the whole score and the assessed controls' points."""
    lines = ["## Secure Score", "", "| tenant | tenant points / max | these controls / max | available |"]
    lines.append("|---|---|---|---|")
    for t in report.ranked_tenants:
        whole = t.total_score
        tenant = "not recorded" if whole is None else f"{_points(whole.score)} / {_points(whole.max_score)}"
        mine = f"{_points(t.score)} / {_points(t.max_score)}"
        lines.append(f"| {md(t.name)} | {tenant} | {mine} | {t.points_available:g} |")
    return [*lines, ""]


def _ahead(t: TenantSection) -> list[str]:
    if not t.changes_ahead:
        return []
    lines = ["## Microsoft changes ahead", ""]
    lines += [
        f"- **{a.on.isoformat()}** (in {a.days_left} days): {md(a.title)} — affects {md(', '.join(a.settings))}"
        + (f". {md(a.action)}" if a.action else "")
        for a in t.changes_ahead
    ]
    return [*lines, ""]


def _ledger(t: TenantSection) -> list[str]:
    if not t.ledger:
        return []
    lines = [
        "## Remediation ledger",
        "",
        "| # | setting | before | after | outcome | verified |",
        "|---|---|---|---|---|---|",
    ]
    for e in t.ledger:
        verified = "not verified" if e.verified is None else ("✔ yes" if e.verified else f"✘ {md(e.verified_status)}")
        outcome = md(e.outcome) + (f": {md(e.error)}" if e.error else "")
        cells = [str(e.change_id or ""), f"{md(e.control)}/{md(e.setting)}", _value(e.before), _value(e.after)]
        lines.append("| " + " | ".join([*cells, outcome, verified]) + " |")
    affected = [e for e in t.ledger if e.impact is not None or e.stage]
    if affected:
        lines += ["", "Whom the changes affected (as planned):", ""]
        for e in affected:
            stage = f" → stage {md(e.stage)}" if e.stage else ""
            lines.append(f"- **#{e.change_id or '?'} {md(e.control)}/{md(e.setting)}**{stage}")
            if e.impact is not None:
                lines += [f"  - {md(line.strip())}" for line in impact_lines(e.impact, 20, accepted=e.accepted)]
    if t.rollback_command:
        lines += ["", f"Undo with `{t.rollback_command}`."]
    return [*lines, ""]


def _join(parts: Iterable[str]) -> str:
    return ", ".join(parts)

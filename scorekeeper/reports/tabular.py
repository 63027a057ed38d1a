"""CSV reports: every setting of every tenant, and an ActionPlan of the failing ones for people to fill.

The ActionPlan follows ScubaGear's ``ActionPlan.csv``: one row per failing requirement with
empty columns a person fills in (owner, due date, justification) and hands back.

A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is prefixed with ``'``, as OWASP advises against CSV injection; control
characters and bidirectional overrides are stripped and line breaks flattened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from scorekeeper.domain.display import impact_line, stage_line
from scorekeeper.reports.model import Report, SettingRow, TenantSection
from scorekeeper.reports.values import compact, one_line

SETTING_COLUMNS = (
    "tenant",
    "tenant_id",
    "run_id",
    "run_finished_at",
    "control",
    "control_title",
    "setting",
    "title",
    "status",
    "excepted",
    "current",
    "desired",
    "reason",
    "remediation",
    "missing_permissions",
    "exception",
    "exception_expires",
    "exception_days_left",
    "attestation_by",
    "attestation_at",
    "attestation_note",
    "docs_url",
    "level",
    "baselines",
    "level_source",
    "stage",
    "impact",
)
ACTION_COLUMNS = (
    "tenant",
    "tenant_id",
    "run_id",
    "control",
    "setting",
    "title",
    "status",
    "current",
    "desired",
    "reason",
    "guided_steps",
    "docs_url",
    "level",
    "baselines",
    "impact",
    "owner",
    "due_date",
    "justification",
)


def cell(value: object) -> str:
    """One inert CSV cell: no controls, one line, no leading formula character."""
    if value is None:
        return ""
    text = one_line(value if isinstance(value, str) else compact(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def render_csv(report: Report) -> str:
    rows = (_setting_row(t, s) for t in report.tenants for c in t.controls for s in c.by_status)
    return _write(SETTING_COLUMNS, rows)


def render_actionplan(report: Report) -> str:
    rows = (
        [
            t.name,
            t.tenant_id or "",
            t.run.id,
            s.control,
            s.setting,
            s.title,
            s.status.value,
            s.current,
            s.desired,
            s.reason,
            " / ".join(s.steps),
            s.docs_url,
            s.level.value if s.level else "",
            " / ".join(s.baselines),
            impact_line(s.impact, limit=20) if s.impact else "",
            "",
            "",
            "",
        ]
        for t in report.tenants
        for c in t.controls
        for s in c.by_status
        if s.failing
    )
    return _write(ACTION_COLUMNS, rows)


def _setting_row(t: TenantSection, s: SettingRow) -> list[object]:
    exception, attestation = s.exception, s.attestation
    return [
        t.name,
        t.tenant_id or "",
        t.run.id,
        t.run.finished_at.isoformat(),
        s.control,
        next((c.title for c in t.controls if c.id == s.control), s.control),
        s.setting,
        s.title,
        s.status.value,
        "yes" if s.excepted else "no",
        s.current,
        s.desired,
        s.reason,
        s.remediation.value,
        " ".join(s.missing_permissions),
        exception.text if exception else "",
        exception.expires.isoformat() if exception and exception.expires else "",
        exception.days_left if exception and exception.days_left is not None else "",
        attestation.by if attestation else "",
        attestation.at.isoformat() if attestation else "",
        attestation.note if attestation else "",
        s.docs_url,
        s.level.value if s.level else "",
        " / ".join(s.baselines),
        s.level_source,
        stage_line(s.stage) if s.stage else "",
        impact_line(s.impact, limit=20) if s.impact else "",
    ]


def _write(columns: tuple[str, ...], rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([c if isinstance(c, int) and not isinstance(c, bool) else cell(c) for c in row])
    return out.getvalue()

"""The JSON report: the report model as documented by ``docs/report-schema.json``.

One shape for one tenant or many (``tenants`` is always a list). Strings lose control
characters and bidirectional overrides (:func:`scorekeeper.util.safetext.clean`), and ``<``,
``>`` and ``&`` are written as ``\\u003c``-style escapes: the same JSON value, but inert if a
page ever embeds the document.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from scorekeeper.reports.model import ControlSection, LedgerEntry, Report, SettingRow, TenantSection
from scorekeeper.util.safetext import clean


def render_json(report: Report) -> str:
    text = json.dumps(report_dict(report), indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data, tenant text cleaned."""
    data = {
        "schema_version": report.schema_version,
        "report_id": report.report_id,
        "generated_at": report.generated_at.isoformat(),
        "generator": report.generator,
        "counts": report.counts,
        "operator": report.branding.operator,
        "coverage": None if report.coverage_totals is None else report.coverage_totals.to_dict(),
        "tenants": [_tenant(t) for t in report.tenants],
    }
    cleaned: dict[str, Any] = _clean(data)
    return cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _tenant(t: TenantSection) -> dict[str, Any]:
    return {
        "name": t.name,
        "tenant_id": t.tenant_id,
        "display_name": t.display_name,
        "primary_domain": t.primary_domain,
        "organization_unread": t.organization_unread,
        "organization_recorded_by": None
        if t.organization_recorded_by is None
        else {
            "run_id": t.organization_recorded_by.run_id,
            "kind": t.organization_recorded_by.kind,
            "started_at": t.organization_recorded_by.started_at,
        },
        "run": {
            "id": t.run.id,
            "kind": t.run.kind,
            "status": t.run.status,
            "started_at": t.run.started_at,
            "finished_at": t.run.finished_at,
            "actor": t.run.actor,
            "versions": t.run.versions,
        },
        "counts": t.counts,
        "score": {
            "score": t.score,
            "max_score": t.max_score,
            "points_available": t.points_available,
            "plan_points_up_to": t.plan_points,
        },
        "total_score": None
        if t.total_score is None
        else {"at": t.total_score.at, "score": t.total_score.score, "max_score": t.total_score.max_score},
        "previous_run_id": t.previous_run_id,
        "changes_since_previous": [
            {"control": c.control, "setting": c.setting, "before": c.before, "after": c.after}
            for c in t.changes_since_previous
        ],
        "drift": list(t.drift),
        "changes_ahead": [
            {
                "control": a.control,
                "on": a.on,
                "title": a.title,
                "settings": list(a.settings),
                "days_left": a.days_left,
                "action": a.action,
                "source": a.source,
            }
            for a in t.changes_ahead
        ],
        "trend": [
            {
                "key": s.key,
                "label": s.label,
                "points": [{"at": p.at, "score": p.score, "max_score": p.max_score} for p in s.points],
            }
            for s in t.trend
        ],
        "secure_score": _secure_score(t),
        "coverage": None if t.coverage is None else t.coverage.to_dict(),
        "controls": [_control(c) for c in t.controls],
        "ledger": [_entry(e) for e in t.ledger],
        "rollback_command": t.rollback_command,
    }


def _secure_score(t: TenantSection) -> dict[str, Any] | None:
    ss = t.secure_score
    if ss is None:
        return None
    return {
        "scored_at": ss.scored_at,
        "current": ss.current,
        "max_score": ss.max_score,
        "available": ss.available,
        "comparisons": [{"basis": b, "average_score": a} for b, a in ss.comparisons],
        "trend": []
        if ss.trend is None
        else [{"at": p.at, "score": p.score, "max_score": p.max_score} for p in ss.trend.points],
        "controls": [
            {
                "id": c.id,
                "title": c.title,
                "category": c.category,
                "score": c.score,
                "max_score": c.max_score,
                "available": c.available,
                "covered_by": c.covered_by,
                "action_url": c.action_url,
            }
            for c in ss.controls
        ],
    }


def _control(c: ControlSection) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "plugin": c.plugin,
        "score": c.score,
        "max_score": c.max_score,
        "points_available": c.points_available,
        "error": c.error,
        "counts": c.counts,
        "settings": [_setting(s) for s in c.settings],
    }


def _setting(s: SettingRow) -> dict[str, Any]:
    return {
        "setting": s.setting,
        "title": s.title,
        "status": s.status.value,
        "excepted": s.excepted,
        "current": s.current,
        "desired": s.desired,
        "reason": s.reason,
        "remediation": s.remediation.value,
        "steps": list(s.steps),
        "evidence": s.evidence,
        "missing_permissions": list(s.missing_permissions),
        "exception": None
        if s.exception is None
        else {"text": s.exception.text, "expires": s.exception.expires, "days_left": s.exception.days_left},
        "attestation": None
        if s.attestation is None
        else {"by": s.attestation.by, "at": s.attestation.at, "note": s.attestation.note},
        "docs_url": s.docs_url,
        "level": s.level.value if s.level else None,
        "baselines": list(s.baselines),
        "level_source": s.level_source,
        "impact": s.impact.to_dict() if s.impact else None,
        "stage": s.stage.to_dict() if s.stage else None,
    }


def _entry(e: LedgerEntry) -> dict[str, Any]:
    return {
        "change_id": e.change_id,
        "control": e.control,
        "setting": e.setting,
        "before": e.before,
        "after": e.after,
        "outcome": e.outcome,
        "error": e.error,
        "created": e.created,
        "resource": e.resource,
        "verified": e.verified,
        "verified_status": e.verified_status,
        "rolled_back_by": e.rolled_back_by,
        "impact": e.impact.to_dict() if e.impact else None,
        "stage": e.stage or None,
        "accepted": e.accepted,
    }

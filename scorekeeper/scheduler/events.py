"""The notification events the scheduler sends, built from what a run recorded.

Every event is a JSON-compatible dict with the keys the ``scorekeeper_notify`` hook promises
(``kind``, ``tenant``, ``summary``, ``at``) plus ``severity`` (``info``, ``warning`` or
``error``), ``schedule_id``, ``run_id`` and ``items`` — one dict per thing that happened — so a
channel can print the summary alone or render the detail. Pure functions: easy to test, and the
same shapes whatever channel delivers them.

Kinds and severities are listed in :mod:`scorekeeper.channels` (``EVENT_KINDS``, ``SEVERITIES``),
beside the channels that read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from scorekeeper.config.model import ExceptionRule
from scorekeeper.domain.baseline import WHO_UNKNOWN
from scorekeeper.domain.baseline import drift_line as baseline_drift_line
from scorekeeper.domain.diff import DiffLine, diff_lines
from scorekeeper.domain.model import ControlResult, RunResult, Status
from scorekeeper.domain.outcome import unread_findings
from scorekeeper.store.records import DriftEvent


def _event(
    kind: str,
    severity: str,
    tenant: str,
    summary: str,
    *,
    schedule_id: int | None,
    run_id: int | None,
    items: list[dict[str, Any]],
    at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "severity": severity,
        "tenant": tenant,
        "summary": summary,
        "at": (at or datetime.now(UTC)).isoformat(),
        "schedule_id": schedule_id,
        "run_id": run_id,
        "items": items,
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def drift_line(event: DriftEvent) -> str:
    """One line for a drift event: what regressed, from what to what."""
    d = event.detail
    if event.kind == "score_dropped":
        out_of = f" of {d.get('max_score'):g}" if isinstance(d.get("max_score"), int | float) else ""
        return f"{event.control}: Secure Score {d.get('previous_score')} → {d.get('score')}{out_of}"
    if event.kind == "setting_drifted":
        line = baseline_drift_line(event.control, event.setting or "", d.get("baseline"), d.get("value"))
        who = d.get("who") or WHO_UNKNOWN
        when = f" at {d['when']}" if d.get("when") else ""
        return f"{line} (who: {who}{when})"
    moved = "; ".join(str(line) for line in drift_changes(event))
    head = f"{event.control}/{event.setting}: {d.get('previous_status', 'pass')} → {d.get('status', 'fail')}"
    return f"{head} ({moved})" if moved else head


def drift_changes(event: DriftEvent) -> list[DiffLine]:
    """The fields that moved in a regressed setting, the same field diff ``plan`` shows."""
    d = event.detail
    if event.kind != "setting_regressed" or not ("previous_value" in d or "value" in d):
        return []
    return diff_lines(d.get("previous_value"), d.get("value"))


def drift_event(tenant: str, drift: list[DriftEvent], *, schedule_id: int | None, run_id: int) -> dict[str, Any]:
    """One notification for every regression one run found."""
    drifted = sum(1 for d in drift if d.kind == "setting_drifted")
    settings = sum(1 for d in drift if d.kind == "setting_regressed")
    scores = sum(1 for d in drift if d.kind == "score_dropped")
    parts = (
        [
            _plural(drifted, "setting") + " off its baseline"
            if drifted == 1
            else f"{drifted} settings off their baselines"
        ]
        if drifted
        else []
    )
    parts += [_plural(settings, "setting") + " stopped passing"] if settings else []
    parts += [_plural(scores, "Secure Score") + " dropped"] if scores else []
    previous = next((d.previous_run_id for d in drift if d.kind != "setting_drifted"), None)
    since = f" since run {previous}" if previous else ""
    items = [dict(d.to_dict(), line=drift_line(d)) for d in drift]
    return _event(
        "drift",
        "warning",
        tenant,
        f"Drift in {tenant}: {' and '.join(parts)}{since}",
        schedule_id=schedule_id,
        run_id=run_id,
        items=items,
    )


def run_problems(run: RunResult) -> list[dict[str, Any]]:
    """What a run could not do: a run that failed, a control that errored, a value left unknown.

    An ``unknown`` finding counts: it is how a missing permission or an expired portal sign-in
    shows, and a scheduled run that silently reads nothing is exactly what an admin must hear of.
    One covered by an accepted-risk exception does not: which findings count is the domain's one
    judgement (:func:`scorekeeper.domain.outcome.unread_findings`), the same as the CLI's exit code.
    """
    problems: list[dict[str, Any]] = []
    if run.unreachable:  # never reached (domain/outcome.unreachable): the reason once
        return [{"control": None, "setting": None, "status": "unreachable", "reason": run.unreachable}]
    if run.status == "failed" and not any(c.error for c in run.controls):
        problems.append({"control": None, "setting": None, "status": "failed", "reason": "the run failed"})
    for result in run.controls:
        problems += _control_problems(result)
    return problems


def _control_problems(result: ControlResult) -> list[dict[str, Any]]:
    if result.error:
        return [{"control": result.control, "setting": None, "status": "error", "reason": result.error}]
    return [
        {
            "control": result.control,
            "setting": f.setting,
            "status": f.status.value,
            "reason": f.reason,
            "missing_permissions": list(f.missing_permissions),
        }
        for f in unread_findings(result)
    ]


def problem_signature(problems: list[dict[str, Any]]) -> str:
    """A stable text for a set of problems: a failure is notified again only when this changes."""
    lines = set()
    for p in problems:
        where = "/".join(x for x in (p.get("control"), p.get("setting")) if x) or "run"
        missing = p.get("missing_permissions") or []
        cause = f"missing {', '.join(missing)}" if missing else p.get("reason", "")
        lines.add(f"{where}: {p['status']}: {cause}")
    return "\n".join(sorted(lines))


def run_failed_event(
    tenant: str, problems: list[dict[str, Any]], *, schedule_id: int | None, run_id: int | None, error: str = ""
) -> dict[str, Any]:
    unknown = sum(1 for p in problems if p["status"] == Status.UNKNOWN.value)
    errors = len(problems) - unknown
    parts = [_plural(unknown, "setting") + " could not be read"] if unknown else []
    parts += [_plural(errors, "error")] if errors else []
    missing = sorted({perm for p in problems for perm in p.get("missing_permissions") or []})
    hint = f"; missing permission(s): {', '.join(missing)}" if missing else ""
    summary = f"Scheduled run for {tenant} incomplete: {', '.join(parts) or error}{hint}"
    gone = [p["reason"] for p in problems if p["status"] == "unreachable"]
    if gone:  # one line: the tenant was never reached
        summary = f"Scheduled run for {tenant} could not reach the tenant: {gone[0]}"
    return _event(
        "run_failed",
        "error",
        tenant,
        summary,
        schedule_id=schedule_id,
        run_id=run_id,
        items=problems or [{"control": None, "setting": None, "status": "error", "reason": error}],
    )


def run_recovered_event(tenant: str, *, schedule_id: int | None, run_id: int) -> dict[str, Any]:
    return _event(
        "run_recovered",
        "info",
        tenant,
        f"Scheduled run for {tenant} reads every setting again (run {run_id})",
        schedule_id=schedule_id,
        run_id=run_id,
        items=[],
    )


def remediation_event(run: RunResult, *, schedule_id: int | None) -> dict[str, Any]:
    """What an unattended remediation wrote and whether read-back confirmed it."""
    items = [dict(change.to_dict(), control=result.control) for result in run.controls for change in result.changes]
    applied = sum(1 for i in items if i["outcome"] == "applied")
    failed = sum(1 for i in items if i["outcome"] == "failed")
    # A staged setting read back in the stage the write put it in is confirmed: the rollout's step is done.
    not_confirmed = [f for f in run.findings if f.status not in (Status.PASS, Status.STAGED)]
    summary = f"Remediated {run.tenant}: {_plural(applied, 'change')} applied"
    if failed:
        summary += f", {failed} failed"
    if not_confirmed:
        summary += f", {len(not_confirmed)} not confirmed by read-back"
    summary += f" (run {run.run_id}; undo with `scorekeeper rollback {run.run_id}`)"
    severity = "error" if failed or run.status == "failed" else ("warning" if not_confirmed else "info")
    return _event("remediation", severity, run.tenant, summary, schedule_id=schedule_id, run_id=run.run_id, items=items)


def expired_exceptions(
    rules: Iterable[ExceptionRule], tenant: str, controls: Iterable[str], today: date
) -> list[ExceptionRule]:
    """The accepted-risk exceptions for ``tenant`` and ``controls`` whose expiry date has passed."""
    wanted = set(controls)
    return [r for r in rules if r.tenant in (None, tenant) and r.control in wanted and r.expired(today)]


def exception_expired_event(
    tenant: str, rules: list[ExceptionRule], run: RunResult | None, *, schedule_id: int | None
) -> dict[str, Any]:
    """Accepted risks that are no longer accepted, with how each setting assessed now."""
    status = {(f.control, f.setting): f.status.value for f in run.findings} if run else {}
    items = [
        {
            "control": r.control,
            "setting": r.setting,
            "reason": r.reason,
            "expires": r.expires.isoformat(),
            "status": status.get((r.control, r.setting)),
        }
        for r in rules
    ]
    still_failing = sum(1 for i in items if i["status"] == Status.FAIL.value)
    tail = f"; {still_failing} of them now count as failing" if still_failing else ""
    return _event(
        "exception_expired",
        "warning",
        tenant,
        f"{_plural(len(rules), 'accepted-risk exception')} expired in {tenant}{tail}",
        schedule_id=schedule_id,
        run_id=run.run_id if run else None,
        items=items,
    )

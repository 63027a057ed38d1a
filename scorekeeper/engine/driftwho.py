"""Who moved a setting off its baseline: the tenant's directory audit log, asked once per assessment.

Only when an assessment finds new drift (``domain/baseline.py``) is
``GET /auditLogs/directoryAudits?$filter=activityDateTime ge {since}`` sent (Microsoft's
directoryaudit-list page: application permission ``AuditLog.Read.All`` and ``Directory.Read.All``;
``activityDateTime`` supports ``$filter`` ``ge``), through the assessment's shared reads. The
window starts at the oldest drifted baseline; :func:`~scorekeeper.domain.baseline.attribute`
picks the newest change in it that scorekeeper's own app did not make. A refusal (403: the
permission is not granted) or any failure never fails the assessment: the event then says
``who: unknown (AuditLog.Read.All not granted)`` or why the log could not be read. Assumed: the
entry of the change that moved the setting is the newest non-scorekeeper entry in the window (the
log is not matched to the setting's resource, whose id the finding does not carry).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scorekeeper.domain.baseline import WHO_UNKNOWN, Baseline, attribute, drifted
from scorekeeper.domain.model import ControlResult

log = logging.getLogger("scorekeeper.engine")

#: Microsoft's page for the request (cited in notes).
DOCS_URL = "https://learn.microsoft.com/graph/api/directoryaudit-list"


async def drift_authors(
    graph: Any,
    shared: Any,
    held: Mapping[tuple[str, str], Baseline],
    results: list[ControlResult],
    own_app: str | None,
) -> dict[tuple[str, str], dict[str, str]]:
    """``{(control, setting): {"who", "when"}}`` for each setting newly off its baseline ({} when none)."""
    found = [d for d in drifted(held, (f for r in results for f in r.findings)) if d.new]
    if not found:
        return {}
    since = min(d.baseline.at for d in found)
    try:
        entries = await _audits(graph, shared, since)
    except _Refused as exc:
        return {(d.baseline.control, d.baseline.setting): {"who": str(exc), "when": ""} for d in found}
    notes = {}
    for d in found:
        named = attribute(entries, d.baseline.at, own_app)
        notes[(d.baseline.control, d.baseline.setting)] = named or {
            "who": "unknown (the audit log names no change since the baseline)",
            "when": "",
        }
    return notes


class _Refused(Exception):
    """The audit log could not be read; the message is the ``who`` a drift event shows."""


async def _audits(graph: Any, shared: Any, since: Any) -> list[dict[str, Any]]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import (
        DirectoryAuditsRequestBuilder,
    )

    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    query = DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
        filter=f"activityDateTime ge {stamp}", top=1000
    )
    request = graph.audit_logs.directory_audits.to_get_request_information(RequestConfiguration(query_parameters=query))
    try:
        item = (await shared.batch(graph, {"directoryAudits": request}))["directoryAudits"]
    except Exception as exc:
        log.warning("reading the directory audit log failed: %s", exc)
        raise _Refused(f"unknown (the audit log could not be read: {type(exc).__name__})") from exc
    if item.status in (401, 403):
        raise _Refused(WHO_UNKNOWN)
    if not item.ok:
        raise _Refused(f"unknown (the audit log answered {item.status} {item.error_code})")
    body = item.body if isinstance(item.body, dict) else {}
    return [e for e in body.get("value") or [] if isinstance(e, dict)]

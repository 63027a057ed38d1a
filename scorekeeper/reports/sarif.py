"""SARIF 2.1.0 for GitHub code scanning: a rule per setting, a result per failing or unreadable one.

A tenant has no source file, so each result points at a stable pseudo-location,
``scorekeeper/<tenant>/<control>`` line 1, and carries ``partialFingerprints`` derived from the
tenant, control and setting only, so code scanning tracks one alert per setting across runs
(open while it fails, closed when it passes) whatever the reason text says.

GitHub's limits (docs.github.com, "SARIF results exceed limit"): at most 20 runs per file —
we write one; at most 25,000 results per run — beyond that the least severe are left out and
the run's ``properties`` say how many; 25,000 rules per run; 1,000 locations per result (we
write one); 20 tags per rule (we write three). Only excepted settings are left out by design:
an accepted risk is not an alert.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from scorekeeper.domain.model import Status
from scorekeeper.reports.model import Report, SettingRow, TenantSection
from scorekeeper.reports.values import compact
from scorekeeper.util.safetext import clean

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
FINGERPRINT = "scorekeeperSetting/v1"
LEVELS = {Status.FAIL: "error", Status.ERROR: "warning", Status.UNKNOWN: "warning"}


def render_sarif(report: Report) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[tuple[int, dict[str, Any]]] = []
    for tenant in report.tenants:
        for s in tenant.settings:
            rule_id = f"{s.control}/{s.setting}"
            if rule_id not in rules:
                rules[rule_id] = _rule(tenant, s, rule_id)
            if s.excepted or s.status not in LEVELS:
                continue
            results.append((0 if s.status is Status.FAIL else 1, _result(tenant, s, rule_id)))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results.sort(key=lambda r: r[0])  # stable: most severe first, report order within a level
    kept = [r for _, r in results[:MAX_RESULTS]]
    for result in kept:
        result["ruleIndex"] = index[result["ruleId"]]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "scorekeeper",
                "version": str(report.generator.get("scorekeeper", "")) or "unknown",
                "rules": list(rules.values()),
            }
        },
        "automationDetails": {"id": "scorekeeper/"},
        "results": kept,
        "properties": {
            "reportId": report.report_id,
            "tenants": [t.name for t in report.tenants],
            "organizations": [_organization(t) for t in report.tenants],
            "resultsLeftOut": max(len(results) - MAX_RESULTS, 0),
        },
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    text = json.dumps(_clean(log), indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _organization(tenant: TenantSection) -> dict[str, Any]:
    """A tenant's names as the report shows them (null: not recorded), and the run that read them."""
    source = tenant.organization_recorded_by
    return {
        "tenant": tenant.name,
        "displayName": tenant.display_name,
        "primaryDomain": tenant.primary_domain,
        "unread": tenant.organization_unread,
        "recordedByRun": None if source is None else source.run_id,
    }


def location(tenant: TenantSection, control: str) -> str:
    """The pseudo-file of a tenant's control (tenant names are config keys; quoted to stay a URI)."""
    return f"scorekeeper/{quote(tenant.name, safe='')}/{quote(control, safe='')}"


def fingerprint(tenant: TenantSection, s: SettingRow) -> str:
    """Stable across runs: the tenant (its id when recorded), the control and the setting."""
    key = f"{tenant.tenant_id or tenant.name}\n{s.control}\n{s.setting}"
    return hashlib.sha256(key.encode()).hexdigest()


def _rule(tenant: TenantSection, s: SettingRow, rule_id: str) -> dict[str, Any]:
    control = next((c for c in tenant.controls if c.id == s.control), None)
    control_title = control.title if control else s.control
    help_text = (
        f"{s.title} — part of the Microsoft Secure Score control {control_title} ({s.control}). "
        f"Desired value: {compact(s.desired)}. Remediation: {s.remediation.value}"
        + (" (scorekeeper remediate can write it)." if s.remediation.value == "automated" else ".")
        + (f" Microsoft's documentation: {s.docs_url}" if s.docs_url else "")
    )
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace("/", "_"),
        "shortDescription": {"text": s.title},
        "fullDescription": {"text": f"{control_title}: {s.title}"},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "secure-score", s.control]},
    }
    if s.docs_url:
        rule["helpUri"] = s.docs_url
    return rule


def _result(tenant: TenantSection, s: SettingRow, rule_id: str) -> dict[str, Any]:
    what = "fails" if s.status is Status.FAIL else f"could not be assessed ({s.status.value})"
    message = (
        f"{tenant.name}: {s.title} {what}. {s.reason} Current: {compact(s.current)}; desired: {compact(s.desired)}."
    )
    return {
        "ruleId": rule_id,
        "level": LEVELS[s.status],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": location(tenant, s.control)},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {"name": s.setting, "fullyQualifiedName": f"{tenant.name}/{s.control}/{s.setting}"}
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(tenant, s)},
        "properties": {"tenant": tenant.name, "runId": tenant.run.id, "status": s.status.value},
    }


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value

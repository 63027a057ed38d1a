"""SARIF 2.1.0 for GitHub code scanning: a rule per setting, a result per failing or unreadable one.

A tenant has no source file, so each result points at a stable pseudo-location,
``scorekeeper/<tenant>/<control>`` line 1, and carries ``partialFingerprints`` derived from the
tenant, control and setting only, so code scanning tracks one alert per setting across runs
(open while it fails, closed when it passes) whatever the reason text says.

GitHub's limits (docs.github.com, "SARIF results exceed limit"): at most 20 runs per file —
we write one; at most 25,000 results per run — beyond that the least severe are left out and
the run's ``properties`` say how many; 25,000 rules per run; 1,000 locations per result (we
write one); 20 tags per rule (we write three, the setting's level and its baselines, cut at 20).
Only excepted settings are left out by design: an accepted risk is not an alert.

``fail`` is an ``error``; ``unknown``/``error`` a ``warning``; ``advice`` (a requirement the
configuration does not select) and ``staged`` (part-way through a staged rollout) are ``note``
results: visible, never a failure. No ``security-severity`` is written: scorekeeper has no
per-setting severity that would mean the same across controls, and GitHub would otherwise rank
the alerts by it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from scorekeeper.domain.display import impact_line, level_label, stage_line
from scorekeeper.domain.levels import Level
from scorekeeper.domain.model import Status
from scorekeeper.reports.model import Report, SettingRow, TenantSection
from scorekeeper.util.safetext import clean

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
FINGERPRINT = "scorekeeperSetting/v1"
LEVELS = {
    Status.FAIL: "error",
    Status.ERROR: "warning",
    Status.UNKNOWN: "warning",
    Status.STAGED: "note",
    Status.ADVICE: "note",
}
#: Results are kept most severe first when GitHub's limit leaves some out.
_SEVERITY = {"error": 0, "warning": 1, "note": 2}
MAX_TAGS = 20


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
            results.append((_SEVERITY[LEVELS[s.status]], _result(tenant, s, rule_id)))
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
        "automationDetails": {"id": automation_id(report)},
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


def automation_id(report: Report) -> str:
    """The run's ``automationDetails.id``: ``scorekeeper/<tenant>/`` for one tenant's report.

    GitHub code scanning takes the part before the last ``/`` as the analysis category: uploads
    with the same category replace each other, so one tenant's report must not share its
    category with another tenant's (``report --group G -o reports/{tenant}.sarif`` writes one
    per tenant). A fleet report in one file is one analysis, ``scorekeeper/fleet/``.
    """
    if len(report.tenants) == 1:
        return f"scorekeeper/{quote(report.tenants[0].name, safe='')}/"
    return "scorekeeper/fleet/"


#: GitHub's ``security-severity`` per verdict level (a number string, 0.0–10.0). GitHub reads it
#: as critical over 9.0, high 7.0–8.9, medium 4.0–6.9, low 3.9 or less ("SARIF support for code
#: scanning", reportingDescriptor object). A criterion of Microsoft's Secure Score control is a
#: gap Microsoft scores: high; a named baseline's requirement: medium; advice: low. Nothing is
#: critical: a setting of one control is not a compromise on its own.
SECURITY_SEVERITY = {Level.CRITERION: "7.5", Level.BASELINE: "5.5", Level.ADVICE: "2.0"}
#: A setting whose plugin is not installed where the report is made (its level is not recorded).
UNKNOWN_SEVERITY = "5.5"


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
        f"Desired value: {s.desired_words}. Remediation: {s.remediation.value}"
        + (" (scorekeeper remediate can write it)." if s.remediation.value == "automated" else ".")
        + (f" Requirement: {level_label(s.level, s.baselines)}." if s.level is not None else "")
        + (f" Level source: {s.level_source}" if s.level_source else "")
        + (f" Microsoft's documentation: {s.docs_url}" if s.docs_url else "")
    )
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace("/", "_"),
        "shortDescription": {"text": s.title},
        "fullDescription": {"text": f"{control_title}: {s.title}"},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": "note" if s.level is Level.ADVICE else "error"},
        "properties": _rule_properties(s),
    }
    if s.docs_url:
        rule["helpUri"] = s.docs_url
    return rule


def _rule_properties(s: SettingRow) -> dict[str, Any]:
    """Tags a code-scanning view filters by: the control, the setting's level and its baselines."""
    tags = ["security", "secure-score", s.control]
    if s.level is not None:
        tags.append(s.level.value)
    tags += [b for b in s.baselines if b not in tags]
    properties: dict[str, Any] = {
        "tags": tags[:MAX_TAGS],
        "security-severity": SECURITY_SEVERITY.get(s.level, UNKNOWN_SEVERITY) if s.level else UNKNOWN_SEVERITY,
    }
    if s.level is not None:
        properties["level"] = s.level.value
        properties["baselines"] = list(s.baselines)
    return properties


def _what(s: SettingRow) -> str:
    if s.status is Status.FAIL:
        return "fails"
    if s.status is Status.ADVICE:
        requirement = f" ({level_label(s.level, s.baselines)})" if s.level is not None else ""
        return f"is advice{requirement}: it fails a recommendation the configured requirements do not include"
    if s.status is Status.STAGED:
        return f"is {stage_line(s.stage)}" if s.stage else "is staged"
    return f"could not be assessed ({s.status.value})"


def _result(tenant: TenantSection, s: SettingRow, rule_id: str) -> dict[str, Any]:
    message = (
        f"{tenant.name}: {s.title} {_what(s)}. {s.reason}"
        f" Current: {s.current_words}; desired: {s.desired_words}."
        + (f" Impact of remediating: {impact_line(s.impact)}." if s.impact else "")
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

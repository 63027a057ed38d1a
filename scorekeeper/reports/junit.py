"""JUnit XML: a test suite per tenant × control, a test case per setting, for any CI test view.

``fail`` → ``<failure>``; ``unknown``/``error`` → ``<error>``; ``not applicable``, an
accepted-risk exception, a ``manual`` setting nobody attested yet, a ``pending`` Secure Score
(waiting for Microsoft's refresh), a ``staged`` rollout (with its stage line) and ``advice`` (a
requirement the configuration does not select: never a failure) → ``<skipped>`` with the reason;
``pass`` → a passing case. The setting's level and baselines, and the impact the run recorded,
are in the case's ``<system-out>`` (the Surefire schema gives a test case no properties).
Validates against the Surefire-compatible ``junit-10.xsd`` that Jenkins, Azure DevOps
(PublishTestResults) and GitLab read.

ElementTree escapes markup; characters XML 1.0 cannot carry at all (C0 controls, lone
surrogates, U+FFFE/U+FFFF) are removed with the other control characters.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from scorekeeper.domain.display import impact_lines, level_label, stage_line
from scorekeeper.domain.model import Status
from scorekeeper.reports.model import ControlSection, Report, SettingRow, TenantSection
from scorekeeper.reports.values import compact
from scorekeeper.util.safetext import clean

_SKIPPED = {
    Status.NOT_APPLICABLE: "not applicable",
    Status.MANUAL: "manual: a person must act, then attest",
    Status.PENDING: "pending: the Secure Score waits for Microsoft's daily refresh",
    Status.STAGED: "staged: neither pass nor fail until its last stage",
    Status.ADVICE: "advice: a recommendation the configured requirements do not include, never a failure",
}
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def text(value: object) -> str:
    return _NOT_XML.sub("", clean(str(value)))


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="scorekeeper")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for tenant in report.tenants:
        for control in tenant.controls:
            suite = _suite(tenant, control)
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
    for key, n in totals.items():
        root.set(key, str(n))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(tenant: TenantSection, control: ControlSection) -> ET.Element:
    cases = [_case(tenant, s) for s in control.settings]
    suite = ET.Element(
        "testsuite",
        name=text(f"{tenant.name} / {control.id}"),
        tests=str(len(cases)),
        failures=str(sum(c.find("failure") is not None for c in cases)),
        errors=str(sum(c.find("error") is not None for c in cases)),
        skipped=str(sum(c.find("skipped") is not None for c in cases)),
        timestamp=tenant.run.started_at.strftime("%Y-%m-%dT%H:%M:%S"),
        id=str(tenant.run.id),
        package=text(f"scorekeeper.{tenant.name}"),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("tenant", tenant.name),
        ("tenant_id", tenant.tenant_id or "not recorded"),
        *_organization(tenant),
        ("run_id", tenant.run.id),
        ("run_kind", tenant.run.kind),
        ("control", control.id),
        ("control_title", control.title),
        ("score", "not read" if control.score is None else f"{control.score:g}"),
        ("max_score", "not read" if control.max_score is None else f"{control.max_score:g}"),
    ):
        ET.SubElement(props, "property", name=name, value=text(value))
    suite.extend(cases)
    return suite


def _organization(tenant: TenantSection) -> list[tuple[str, str | int]]:
    """The tenant's names as properties, with the run that read them ("not recorded" when none did)."""
    source = tenant.organization_recorded_by
    if source is None:
        return [("display_name", "not recorded"), ("primary_domain", "not recorded")]
    unknown = f"unknown: {tenant.organization_unread}" if tenant.organization_unread else "not recorded"
    return [
        ("display_name", tenant.display_name or unknown),
        ("primary_domain", tenant.primary_domain or unknown),
        ("organization_recorded_by_run", source.run_id),
    ]


def _case(tenant: TenantSection, s: SettingRow) -> ET.Element:
    case = ET.Element("testcase", name=text(f"{s.title} ({s.setting})"), classname=text(f"{tenant.name}.{s.control}"))
    detail = text(f"current: {compact(s.current)}\ndesired: {compact(s.desired)}\nreason: {s.reason}")
    if s.exception is not None:
        ET.SubElement(case, "skipped", message=text(f"excepted — {s.exception.text}")).text = detail
    elif s.status is Status.FAIL:
        ET.SubElement(case, "failure", type="fail", message=text(s.reason)).text = detail
    elif s.status in (Status.UNKNOWN, Status.ERROR):
        missing = f"\nmissing permissions: {', '.join(s.missing_permissions)}" if s.missing_permissions else ""
        ET.SubElement(case, "error", type=s.status.value, message=text(s.reason)).text = detail + text(missing)
    elif s.status is Status.STAGED and s.stage is not None:
        ET.SubElement(case, "skipped", message=text(f"{stage_line(s.stage)} — {s.reason}"))
    elif s.status is not Status.PASS:  # not applicable, manual, pending, staged, advice: neither passed nor failed
        label = _SKIPPED.get(s.status, s.status.value)
        ET.SubElement(case, "skipped", message=text(f"{label} — {s.reason}"))
    out = _system_out(s)
    if out:
        ET.SubElement(case, "system-out").text = text(out)
    return case


def _system_out(s: SettingRow) -> str:
    """The setting's level (and baselines, source) and the recorded impact: what a CI view shows beside the case."""
    lines = []
    if s.level is not None:
        lines.append(f"level: {level_label(s.level, s.baselines)}")
    if s.level_source:
        lines.append(f"level source: {s.level_source}")
    if s.impact is not None:
        lines += ["impact:", *(f"  {line}" for line in impact_lines(s.impact, limit=20))]
    return "\n".join(lines)

"""Every format from one real history: valid against its schema, and counting what `assess --json` counted."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from scorekeeper import __version__
from scorekeeper.domain.model import ControlResult, Finding, Organization, Status
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import FORMATS, format_for, render
from scorekeeper.reports.build import build_report, latest_assessments
from scorekeeper.reports.markdown import md as escape
from scorekeeper.reports.model import STATUS_ORDER, Report
from scorekeeper.store import HistoryStore
from tests.reports.conftest import EXCEPTION_EXPIRES, HOSTILE, History

STATUSES = [s.value for s in STATUS_ORDER]  # every status, in the order reports show them
ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "schemas"


def _report(history: History, run_ids: list[int]) -> Report:
    return build_report(history.store, run_ids, controls=load_plugins().controls, generator={"scorekeeper": "test"})


def expected(assess_json: dict[str, Any]) -> Counter[str]:
    """What `assess --json` says: findings by status, and how many an exception covers."""
    found: Counter[str] = Counter()
    for control in assess_json["controls"]:
        for f in control["findings"]:
            found[f["status"]] += 1
            found["excepted"] += bool(f["excepted"])
            found["failing"] += f["status"] == "fail" and not f["excepted"]
            found["unread"] += f["status"] in ("unknown", "error") and not f["excepted"]
            found["noted"] += f["status"] in ("staged", "advice") and not f["excepted"]  # SARIF notes
    return found


@pytest.fixture(scope="module")
def fleet(history: History) -> Report:
    return _report(history, latest_assessments(history.store, ["contoso", "fabrikam"]))


def test_json_validates_against_the_schema_and_counts_agree(history: History, fleet: Report) -> None:
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for report in (fleet, _report(history, [history.latest["contoso"]])):  # same shape for one or many
        data = json.loads(render(report, "json"))
        jsonschema.validate(data, schema)
        assert data["schema_version"] == schema["properties"]["schema_version"]["const"]
        for tenant in data["tenants"]:
            assert tenant["run"]["versions"]["scorekeeper"] == __version__  # recorded on the run
            assert "scorekeeper-m365-sspr" in tenant["run"]["versions"]
            want = expected(history.assessed[tenant["run"]["id"]])
            for status in (*STATUSES, "excepted"):
                assert tenant["counts"][status] == want[status], (tenant["name"], status)


def test_junit_validates_against_the_xsd_and_counts_agree(history: History, fleet: Report) -> None:
    xml = render(fleet, "junit")
    xmlschema.XMLSchema(str(SHARED / "junit-10.xsd")).validate(xml)
    root = ET.fromstring(xml)
    for tenant in fleet.tenants:
        want = expected(history.assessed[tenant.run.id])
        suites = [s for s in root.iter("testsuite") if s.get("name", "").startswith(f"{tenant.name} / ")]
        assert sum(int(s.get("failures", "0")) for s in suites) == want["failing"]
        assert sum(int(s.get("errors", "0")) for s in suites) == want["unread"]
        neither = ("not_applicable", "manual", "pending", "staged", "advice")  # neither passed nor failed
        skipped = sum(want[s] for s in neither) + want["excepted"]
        assert sum(int(s.get("skipped", "0")) for s in suites) == skipped
        assert sum(int(s.get("tests", "0")) for s in suites) == sum(want[s] for s in STATUSES)


def test_sarif_validates_and_is_tracked_across_runs(history: History, fleet: Report) -> None:
    schema = json.loads((SHARED / "sarif-schema-2.1.0.json").read_text())
    sarif = json.loads(render(fleet, "sarif"))
    jsonschema.validate(sarif, schema)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1  # GitHub: at most 20 runs per file
    run = sarif["runs"][0]
    results = run["results"]
    want = sum(
        expected(history.assessed[t.run.id])["failing"]
        + expected(history.assessed[t.run.id])["unread"]
        + expected(history.assessed[t.run.id])["noted"]
        for t in fleet.tenants
    )
    assert len(results) == want
    assert {r["properties"]["status"] for r in results if r["level"] == "note"} <= {"staged", "advice"}
    assert all(r["level"] == "error" for r in results if r["properties"]["status"] == "fail")
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for result in results:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("scorekeeper/") and uri.count("/") == 2
        assert result["partialFingerprints"]
    # the same setting failing in an earlier run keeps its fingerprint and location
    earlier = json.loads(render(_report(history, [history.first["contoso"]]), "sarif"))["runs"][0]["results"]

    def key(r: dict[str, Any]) -> tuple[str, str]:
        return (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])

    before = {key(r): r["partialFingerprints"] for r in earlier}
    now = {key(r): r["partialFingerprints"] for r in results if r["properties"]["tenant"] == "contoso"}
    assert now and all(before[k] == v for k, v in now.items() if k in before)
    assert set(now) & set(before)


def test_csv_and_actionplan_read_back(history: History, fleet: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(fleet, "csv"))))
    for tenant in fleet.tenants:
        want = expected(history.assessed[tenant.run.id])
        mine = [r for r in rows if r["tenant"] == tenant.name]
        got = Counter(r["status"] for r in mine)
        for status in STATUSES:
            assert got[status] == want[status]
        assert sum(r["excepted"] == "yes" for r in mine) == want["excepted"]
    excepted = next(r for r in rows if r["setting"] == "notify_admins" and r["tenant"] == "contoso")
    assert excepted["exception_expires"] == EXCEPTION_EXPIRES.isoformat()
    assert excepted["exception_days_left"] == "30"
    plan = list(csv.DictReader(io.StringIO(render(fleet, "actionplan"))))
    assert len(plan) == sum(expected(history.assessed[t.run.id])["failing"] for t in fleet.tenants)
    assert {"owner", "due_date", "justification"} <= set(plan[0]) if plan else True


def test_markdown_counts_failing_first_and_trend(history: History) -> None:
    report = _report(history, [history.first["contoso"]])
    md = render(report, "md")
    want = expected(history.assessed[history.first["contoso"]])
    assert md.index("## Failing settings") < md.index("<details>")
    assert f"## Failing settings ({want['failing']})" in md
    row = next(line for line in md.splitlines() if line.startswith("| contoso |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[2 : 2 + len(STATUSES)] == [str(want[s]) for s in STATUSES]
    assert md.index("## Settings that could not be read") < md.index("## Secure Score\n") < md.index("<details>")
    versions = report.tenants[0].run.versions
    assert versions and versions["scorekeeper"] == __version__  # recorded on the run
    shown = ", ".join(f"{escape(k)} {escape(v)}" for k, v in sorted(versions.items()))
    assert f"Versions at run: {shown}\n" in md and escape("scorekeeper-m365-sspr") in shown
    tenant_id = report.tenants[0].tenant_id
    assert tenant_id
    names = f"{escape(HOSTILE)} · {escape('contoso.onmicrosoft.com')} (tenant id {escape(tenant_id)})"
    assert f"Organisation: {names}\n" in md  # the directory's own name, inert


def test_markdown_secure_score_section_has_points_per_control_and_tenant_and_the_trend(history: History) -> None:
    report = _report(history, [history.latest["contoso"]])
    md = render(report, "md")
    section = md[md.index("## Secure Score\n") : md.index("## Microsoft changes ahead")]
    t = report.tenants[0]
    ss = t.secure_score
    assert ss is not None and ss.current is not None and ss.max_score is not None
    assert (
        f"| **tenant** (Microsoft, {ss.scored_at:%Y-%m-%d}) | {ss.current:g} | {ss.max_score:g} | {ss.available:g} |"
        in section
    )
    for c in t.controls:
        assert c.score is not None and c.max_score is not None
        row = f"| {escape(c.title)} ({escape(c.id)}) | {c.score:g} | {c.max_score:g} | {c.max_score - c.score:g} |"
        assert row in section, row
    assert f"| these controls | {t.score:g} | {t.max_score:g} | {t.points_available:g} |" in section
    trend = section[section.index("### Trend per control") : section.index("### Tenant total")]
    stamps = [line.split(" | ")[0].strip("| ") for line in trend.splitlines() if line.startswith("| 20")]
    assert stamps and stamps == sorted(stamps) and len(stamps) <= 10  # oldest first, small
    days = [
        line.split(" | ")[0].strip("| ")
        for line in section.split("### Tenant total")[1].splitlines()
        if line.startswith("| 20")
    ]
    assert ss.trend and days == [f"{p.at:%Y-%m-%d}" for p in ss.trend.points if p.score is not None][-10:]
    fleet = render(_report(history, [history.latest["contoso"], history.latest["fabrikam"]]), "md")
    table = fleet[fleet.index("## Secure Score\n") :].split("\n\n")[1].splitlines()
    assert table[0] == "| tenant | tenant points / max | these controls / max | available |"
    assert [row.split(" | ")[0].strip("| ") for row in table[2:]] == ["contoso", "fabrikam"]  # most available first


def test_an_organisation_that_could_not_be_read_says_why_in_every_format(tmp_path: Path) -> None:
    reason = "Graph refused GET /organization (403 Authorization_RequestDenied): grant Organization.Read.All"
    control = "SelfServicePasswordReset"
    finding = Finding(control=control, setting="enabled", status=Status.PASS, current=True, desired=True)
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        unread = store.start_run("t", "assess", controls=[control])
        store.record_run(unread, [ControlResult(control, "SSPR", (finding,))], organization=Organization(unread=reason))
        old = store.start_run("u", "assess", controls=[control])
        store.record_run(old, [ControlResult(control, "SSPR", (finding,))])  # read none: not recorded
        report = build_report(store, [unread], controls=load_plugins().controls, generator={"scorekeeper": "t"})
        older = build_report(store, [old], controls=load_plugins().controls, generator={"scorekeeper": "t"})
    html = render(report, "html")
    assert f'<dt>Name unknown</dt><dd class="muted">{reason}</dd>' in html
    assert "display name" not in html.split("Name unknown")[0].rsplit("<dl", 1)[-1]  # said once, with the reason
    assert f"Organisation: unknown — {escape(reason)}\n" in render(report, "md")
    data = json.loads(render(report, "json"))
    assert data["tenants"][0]["organization_unread"] == reason and data["tenants"][0]["display_name"] is None
    assert "Organisation: not recorded\n" in render(older, "md")
    assert "display name, primary domain" in render(older, "html")  # listed under "Not recorded"
    assert json.loads(render(older, "json"))["tenants"][0]["organization_unread"] is None


def test_format_is_taken_from_the_file_name() -> None:
    assert format_for("out/report.html") == "html"
    assert format_for("summary.MD") == "md"
    assert format_for("results.sarif.json") == "sarif"
    assert format_for("results.json") == "json"
    assert format_for("tests.xml") == "junit"
    assert format_for("plan.csv") == "csv"
    assert format_for("report.txt") is None
    assert set(FORMATS) == {"html", "md", "json", "csv", "actionplan", "junit", "sarif"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_tenant_text_is_inert_in_every_format(history: History, fmt: str) -> None:
    report = _report(history, [history.first["contoso"], history.first["fabrikam"]])
    text = render(report, fmt)
    # the hostile group name was read from the tenant: it is in the report, but inert
    assert ("alert\\(1\\)" if fmt == "md" else "alert(1)") in text
    if fmt not in ("csv", "actionplan"):  # CSV has no markup: there the text is only data
        assert "<script>alert" not in text
    assert "\x1b" not in text and "\u202e" not in text
    if fmt == "md":
        assert "\\<script\\>" in text and "\\*\\*bold\\*\\*" in text and "\\[link\\]\\(https" in text
        assert "\\|" in text and "\\`tick\\`" in text
    if fmt == "html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert text.count("<script>") == 1  # our own filter script, nothing else
    if fmt in ("csv", "actionplan"):
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell[:1] in "=+-@" and cell for cell in row)
    if fmt == "junit":
        ET.fromstring(text)  # still well-formed XML
    if fmt in ("json", "sarif"):
        assert HOSTILE.replace("\x1b", "").replace("\u202e", "") in json.dumps(json.loads(text), ensure_ascii=False)

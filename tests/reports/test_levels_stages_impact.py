"""Issue 25 in every report format: staged and advice are neither pass nor failure, levels are named,
and the impact of a planned change names the people it affects.

The runs are written to a real history (findings keep their impact and stage there); the control's
declaration (levels, baselines) comes from the plugin as a report's does. A remediation's ledger
names whom each change affected from the run it was planned from.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from scorekeeper import Affected, Harm, Impact, Level, Stage
from scorekeeper.domain.model import (
    Change,
    Control,
    ControlResult,
    Finding,
    Outcome,
    RemediationKind,
    Setting,
    Status,
)
from scorekeeper.reports import render
from scorekeeper.reports.build import build_report
from scorekeeper.reports.model import Report
from scorekeeper.store import HistoryStore

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "schemas"
CONTROL = "Demo"
CISA = "CISA MS.AAD.3.5v2"
IMPACT = Impact(
    "3 users can no longer reset their password",
    Harm.LOCKS_OUT,
    (
        Affected("1", "ada@contoso.example", detail="loses mobile phone, their only reset method"),
        Affected("2", "bo@contoso.example", detail="loses mobile phone, their only reset method"),
        Affected("3", "cy@contoso.example", detail="loses mobile phone, their only reset method"),
    ),
    remedy="enable Sms in the Authentication methods policy for them",
    sources=("userRegistrationDetails", "authenticationMethodsPolicy"),
)
STAGE = Stage(
    ("report-only", "enabled"), 0, needs="7 days of report-only sign-in results", evidence="report-only 2 days"
)

DECLARED = Control(
    CONTROL,
    "Demo control",
    (
        Setting("gates", "Two gates", RemediationKind.AUTOMATED, level=Level.CRITERION),
        Setting(
            "registration", "Registration policy", RemediationKind.AUTOMATED, level=Level.BASELINE, baselines=(CISA,)
        ),
        Setting(
            "campaign",
            "Registration campaign",
            RemediationKind.AUTOMATED,
            level=Level.ADVICE,
            level_source="https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign",
        ),
        Setting("enabled", "SSPR enabled", RemediationKind.AUTOMATED),
    ),
    plugin="demo",
)


def _finding(setting: str, status: Status, **extra: object) -> Finding:
    return Finding(CONTROL, setting, status, current=1, desired=2, reason=f"{setting} is {status.value}", **extra)  # type: ignore[arg-type]


FINDINGS = (
    _finding("enabled", Status.PASS),
    _finding("campaign", Status.ADVICE),
    _finding("registration", Status.STAGED, stage=STAGE),
    _finding("gates", Status.FAIL, impact=IMPACT),
)


@dataclass
class Runs:
    assess: Report
    remediation: Report


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    tmp = tmp_path_factory.mktemp("levels")
    with HistoryStore.open(str(tmp / "history.db")) as store:
        assessed = store.start_run("contoso", "assess", controls=[CONTROL])
        store.record_run(assessed, [ControlResult(CONTROL, "Demo control", FINDINGS)])
        # a remediation planned from it: the promotion of the staged setting and the accepted gate change
        fixed = (*FINDINGS[1:3], _finding("gates", Status.PASS))
        changes = (
            Change("registration", "enabledForReportingButNotEnforced", "enabled", Outcome.APPLIED),
            Change("gates", 1, 2, Outcome.APPLIED),
        )
        remediated = store.start_run("contoso", "remediate", controls=[CONTROL], parent_run_id=assessed)
        store.record_run(remediated, [ControlResult(CONTROL, "Demo control", fixed, changes)])
        declared = {CONTROL: DECLARED}
        return Runs(
            build_report(store, [assessed], controls=declared, generator={"scorekeeper": "test"}),
            build_report(store, [remediated], controls=declared, generator={"scorekeeper": "test"}),
        )


@pytest.fixture(scope="module")
def report(runs: Runs) -> Report:
    return runs.assess


def test_json_counts_staged_and_advice_and_carries_level_impact_and_stage(report: Report) -> None:
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, json.loads((ROOT / "docs" / "report-schema.json").read_text()))
    counts = data["tenants"][0]["counts"]
    assert (counts["fail"], counts["staged"], counts["advice"], counts["pass"]) == (1, 1, 1, 1)
    settings = {s["setting"]: s for s in data["tenants"][0]["controls"][0]["settings"]}
    assert settings["registration"]["level"] == "baseline" and settings["registration"]["baselines"] == [CISA]
    assert settings["campaign"]["level"] == "advice" and settings["campaign"]["level_source"].startswith("https://")
    assert settings["gates"]["impact"]["harm"] == "locks_out"
    assert settings["gates"]["impact"]["affected"][0]["name"] == "ada@contoso.example"
    assert settings["registration"]["stage"]["next"] == "enabled" and not settings["registration"]["stage"]["ready"]


def test_junit_fails_only_the_failure_and_says_why_the_others_are_not(report: Report) -> None:
    xml = render(report, "junit")
    xmlschema.XMLSchema(str(SHARED / "junit-10.xsd")).validate(xml)
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("1", "0", "2")
    cases = {c.get("name", "").rsplit("(", 1)[1].rstrip(")"): c for c in suite.iter("testcase")}
    staged = cases["registration"].find("skipped")
    assert staged is not None and staged.get("message", "").startswith("staged: report-only → enabled")
    assert "next stage needs 7 days" in staged.get("message", "")
    advice = cases["campaign"].find("skipped")
    assert advice is not None and advice.get("message", "").startswith("advice:")
    assert cases["campaign"].find("failure") is None
    assert "level: baseline: " + CISA in (cases["registration"].findtext("system-out") or "")
    out = cases["gates"].findtext("system-out") or ""
    assert "⚠ locks out: 3 users can no longer reset their password" in out and "cy@contoso.example" in out


def test_sarif_writes_advice_and_staged_as_notes_and_tags_levels(report: Report) -> None:
    sarif = json.loads(render(report, "sarif"))
    jsonschema.validate(sarif, json.loads((SHARED / "sarif-schema-2.1.0.json").read_text()))
    run = sarif["runs"][0]
    levels = {r["ruleId"].split("/")[1]: r["level"] for r in run["results"]}
    assert levels == {"gates": "error", "registration": "note", "campaign": "note"}  # pass: no result
    assert run["results"][0]["ruleId"] == f"{CONTROL}/gates"  # most severe first
    rules = {r["id"].split("/")[1]: r for r in run["tool"]["driver"]["rules"]}
    assert (
        CISA in rules["registration"]["properties"]["tags"]
        and "baseline" in rules["registration"]["properties"]["tags"]
    )
    assert rules["campaign"]["defaultConfiguration"]["level"] == "note"
    staged = next(r for r in run["results"] if r["ruleId"].endswith("/registration"))
    assert "staged: report-only → enabled" in staged["message"]["text"]
    gates = next(r for r in run["results"] if r["ruleId"].endswith("/gates"))
    assert "ada@contoso.example" in gates["message"]["text"]


def test_csv_lists_failures_first_advice_after_and_names_levels(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert [r["status"] for r in rows] == ["fail", "staged", "advice", "pass"]
    by = {r["setting"]: r for r in rows}
    assert by["registration"]["baselines"] == CISA and by["registration"]["stage"].startswith("staged: report-only")
    assert by["gates"]["impact"].startswith("⚠ locks out: 3 users") and by["enabled"]["level"] == "criterion"
    plan = list(csv.DictReader(io.StringIO(render(report, "actionplan"))))
    assert [r["setting"] for r in plan] == ["gates"]  # advice and staged are not failures to act on
    assert "bo@contoso.example" in plan[0]["impact"]


def test_markdown_has_staged_advice_and_impact_sections(report: Report) -> None:
    text = render(report, "md")
    failing = text.split("## Failing settings")[1].split("\n## ")[0]
    assert "gates" in failing and "campaign" not in failing and "registration" not in failing
    assert "## Staged rollouts — neither pass nor fail yet (1)" in text
    assert "| ◐ staged\\: report\\-only → enabled\\; report\\-only 2 days\\; next stage needs 7 days" in text
    assert "## Advice — not required by the configuration, never a failure (1)" in text and "| ℹ advice |" in text
    impact = text.split("## Impact of the planned changes (1)")[1].split("\n## ")[0]
    assert "⚠ locks out" in impact and "ada\\@contoso\\.example" in impact and "To make it safe" in impact
    assert "| ◐ staged | ⧗ pending | ℹ advice | ✔ pass |" in text  # the counts table, advice after failures


def test_html_orders_rows_and_shows_stage_level_and_impact(report: Report) -> None:
    html = render(report, "html")
    order = [html.index(f"<code>{s}</code>") for s in ("gates", "registration", "campaign", "enabled")]
    assert order == sorted(order)  # fail, staged, advice, pass
    staged_row = html[html.index('<tr data-s="staged">') :].split("</tr>")[0]
    assert "<td>◐ staged</td>" in staged_row and "✔" not in staged_row  # its own label, never a tick
    assert '<p class="stage">◐ staged: report-only → enabled; report-only 2 days; next stage needs 7' in staged_row
    assert f'<span class="lvl baseline">baseline: {CISA}</span>' in html
    assert '<span class="lvl advice"><a href="https://learn.microsoft.com/' in html
    section = html.split("<h3>Impact of the planned changes</h3>")[1].split("<h3>")[0]
    assert "cy@contoso.example — loses mobile phone" in section and "To make it safe:" in section
    assert "tr[data-s=advice]>td:nth-child(2){color:var(--t-advice)}" in html  # its own colour


def test_remediation_ledger_names_whom_each_change_affected(runs: Runs) -> None:
    report = runs.remediation
    ledger = {e.setting: e for e in report.tenants[0].ledger}
    assert ledger["gates"].impact == IMPACT and ledger["gates"].accepted  # written although it locks out
    assert ledger["registration"].stage == "enabled" and ledger["registration"].impact is None  # promoted
    assert ledger["registration"].verified  # a stage reached reads back staged: as intended
    data = json.loads(render(report, "json"))
    jsonschema.validate(data, json.loads((ROOT / "docs" / "report-schema.json").read_text()))
    entries = {e["setting"]: e for e in data["tenants"][0]["ledger"]}
    assert entries["gates"]["accepted"] and entries["gates"]["impact"]["affected"][2]["name"] == "cy@contoso.example"
    assert entries["registration"]["stage"] == "enabled" and entries["registration"]["impact"] is None
    html = render(report, "html")
    ledger_html = html.split("<h3>Remediation ledger</h3>")[1]
    assert "⚠ locks out (accepted by [remediation] accept_impact): 3 users" in ledger_html
    assert "◐ moved to stage enabled" in ledger_html and "bo@contoso.example — loses mobile phone" in ledger_html
    text = render(report, "md")
    assert "- **#" in text and "/gates**" in text and "→ stage enabled" in text
    assert "accept\\_impact\\)\\: 3 users" in text and "cy\\@contoso\\.example" in text

"""Every run kind's report names the tenant truthfully: its own reading, or the earlier run that read it.

Only assessments read ``GET /organization``; remediate, verify and rollback runs read exactly what
they write. Their reports show the names the tenant's newest earlier run recorded and say which
run that was; a run with no record at or before it stays "not recorded" in every format.
"""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from scorekeeper.domain.model import ControlResult, Finding, Status
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.reports import render
from scorekeeper.reports.build import build_report
from scorekeeper.reports.model import Report
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine, simulator_for

ROOT = Path(__file__).resolve().parents[2]
NAME = "Contoso Pharmaceuticals"


@dataclass
class Runs:
    store: HistoryStore
    assess: int
    plan: int
    remediate: int
    verify: int
    rollback: int


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    tmp = tmp_path_factory.mktemp("org-runs")
    store = HistoryStore.open(str(tmp / "history.db"))
    sim = simulator_for(profile_data={"extends": "weak-cloud", "set": {"organization.displayName": NAME}})
    engine = make_engine({"contoso": sim}, store, tmp)
    (assessed,) = asyncio.run(engine.assess(["contoso"]))
    plan_run, plans = asyncio.run(engine.plan("contoso"))
    remediated = asyncio.run(engine.remediate("contoso", plans, parent_run_id=plan_run.run_id))
    verified = asyncio.run(engine.verify(remediated.run_id))
    _, undo = engine.rollback_plans(remediated.run_id)
    rolled = asyncio.run(engine.rollback(remediated.run_id, undo))
    yield Runs(store, assessed.run_id, plan_run.run_id, remediated.run_id, verified.run_id, rolled.run_id)
    store.close()


def _report(store: HistoryStore, run_id: int) -> Report:
    return build_report(store, [run_id], controls=load_plugins().controls, generator={"scorekeeper": "test"})


def _junit_properties(xml: str) -> dict[str, str]:
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    return {p.get("name", ""): p.get("value", "") for p in suite.iter("property")}


@pytest.mark.parametrize("kind", ["plan", "remediate", "verify", "rollback"])
def test_a_run_that_read_no_names_shows_the_assessments_in_every_format(runs: Runs, kind: str) -> None:
    run_id = getattr(runs, kind)
    assessed = runs.store.get_run(runs.assess)
    assert assessed is not None and assessed.organization is not None
    domain = assessed.organization.primary_domain
    assert runs.store.get_run(run_id).organization is None  # type: ignore[union-attr]  # it read none itself
    report = _report(runs.store, run_id)

    data = json.loads(render(report, "json"))
    jsonschema.validate(data, json.loads((ROOT / "docs" / "report-schema.json").read_text()))
    tenant = data["tenants"][0]
    assert (tenant["display_name"], tenant["primary_domain"]) == (NAME, domain)
    assert tenant["run"]["id"] == run_id and tenant["run"]["kind"] == kind
    assert tenant["organization_recorded_by"]["run_id"] == runs.assess
    assert tenant["organization_recorded_by"]["kind"] == "assess"

    html = render(report, "html")
    assert f"contoso — {NAME}" in html and f"<dd>{domain}</dd>" in html
    assert f"<dt>Names as read by</dt><dd>assess run {runs.assess}, " in html
    assert "<dt>Not recorded</dt>" not in html  # nothing listed "Not recorded"

    markdown = render(report, "md")
    line = next(x for x in markdown.splitlines() if x.startswith("Organisation:"))
    assert NAME in line and f"as read by assess run {runs.assess}, " in line

    props = _junit_properties(render(report, "junit"))
    assert props["display_name"] == NAME and props["primary_domain"] == domain
    assert props["organization_recorded_by_run"] == str(runs.assess)

    sarif = json.loads(render(report, "sarif"))
    (org,) = sarif["runs"][0]["properties"]["organizations"]
    assert org == {
        "tenant": "contoso",
        "displayName": NAME,
        "primaryDomain": domain,
        "unread": None,
        "recordedByRun": runs.assess,
    }


def test_an_assessment_report_names_itself_as_the_source_and_adds_no_line(runs: Runs) -> None:
    report = _report(runs.store, runs.assess)
    tenant = json.loads(render(report, "json"))["tenants"][0]
    assert tenant["display_name"] == NAME and tenant["organization_recorded_by"]["run_id"] == runs.assess
    assert "Names as read by" not in render(report, "html")
    assert "as read by" not in render(report, "md")


def test_a_run_with_no_record_at_or_before_it_stays_not_recorded_in_every_format(tmp_path: Path) -> None:
    control = "SelfServicePasswordReset"
    finding = Finding(control=control, setting="enabled", status=Status.PASS, current=True, desired=True)
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        run_id = store.start_run("t", "remediate", controls=[control])
        store.record_run(run_id, [ControlResult(control, "SSPR", (finding,))])
        report = _report(store, run_id)
    tenant = json.loads(render(report, "json"))["tenants"][0]
    assert tenant["display_name"] is None and tenant["organization_recorded_by"] is None
    assert "Organisation: not recorded\n" in render(report, "md")
    assert "display name, primary domain" in render(report, "html")  # under "Not recorded"
    props = _junit_properties(render(report, "junit"))
    assert props["display_name"] == "not recorded" and "organization_recorded_by_run" not in props
    (org,) = json.loads(render(report, "sarif"))["runs"][0]["properties"]["organizations"]
    assert org["displayName"] is None and org["recordedByRun"] is None

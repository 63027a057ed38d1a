"""`assess --json` carries what history and reports hold about the run: its versions and the tenant's names."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from scorekeeper import __version__
from scorekeeper.cli.schemas import versioned
from scorekeeper.domain.model import Organization, RunResult

from .contract import validated

SSPR = "SelfServicePasswordReset"
PROFILE = Path(__file__).resolve().parents[2] / "scorekeeper" / "simulator" / "profiles" / "weak-cloud.json"


def test_assess_json_names_the_code_and_the_organisation_history_records(run: Callable) -> None:
    plugins = json.loads(run("plugins", "--json").out)["plugins"]
    expected_versions = {"scorekeeper": __version__} | {
        p["distribution"]: p["version"] for p in plugins if p["distribution"] and p["version"]
    }
    organization = json.loads(PROFILE.read_text(encoding="utf-8"))["tenant"]["organization"]

    result = run("assess", "--tenant", "demo", "--json")
    assert result.code == 3, result.err
    assessed = validated("assess", result.out)
    assert assessed["versions"] == expected_versions
    names = assessed["organization"]
    assert names["display_name"] == organization["displayName"] and names["unread"] is None
    assert names["primary_domain"] and "$" not in names["primary_domain"]  # the isDefault domain, substituted

    # the same facts as history keeps them, and as the report shows them
    stored = validated("history-run", run("history", str(assessed["run_id"]), "--json").out)
    assert (stored["versions"], stored["organization"]) == (assessed["versions"], assessed["organization"])
    report = json.loads(run("report", str(assessed["run_id"]), "--format", "json").out)["tenants"][0]
    assert (report["display_name"], report["primary_domain"]) == (names["display_name"], names["primary_domain"])
    assert report["run"]["versions"] == assessed["versions"]


def test_a_remediation_records_its_versions_and_says_it_read_no_names(run: Callable) -> None:
    result = run("remediate", "--tenant", "demo", "--control", SSPR, "--yes", "--json")
    fixed = validated("remediate", result.out)
    assert fixed["versions"]["scorekeeper"] == __version__
    assert fixed["organization"] is None  # only assessments read GET /organization; reports name the source


def test_an_organisation_that_could_not_be_read_has_its_reason_in_the_json() -> None:
    at = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    why = "Graph refused GET /organization (403 Authorization_RequestDenied): grant Organization.Read.All"
    org = Organization(unread=why)
    unread = RunResult(1, "t", "assess", (), at, at, versions={"scorekeeper": "1"}, organization=org)
    data = validated("assess", json.dumps(versioned(unread.to_dict())))
    assert data["organization"] == {"display_name": None, "primary_domain": None, "unread": why}
    old = validated("assess", json.dumps(versioned(RunResult(2, "t", "assess", (), at, at).to_dict())))
    assert old["versions"] is None and old["organization"] is None  # history from before migrations 0007/0008

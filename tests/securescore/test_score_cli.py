"""`scorekeeper score`: the whole Secure Score as an admin reads it, in-process and over a real socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scorekeeper.simulator.securescore import catalogue

from .conftest import Served


def _score(run: Callable, *args: str) -> dict:
    result = run("score", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_demo_lists_every_control_profile_with_points_and_coverage(run: Callable) -> None:
    data = _score(run, "--tenant", "demo")
    assert data["schema_version"] == 1 and data["tenant"] == "demo"
    ids = [c["id"] for c in data["controls"]]
    assert set(ids) == {r["id"] for r in catalogue()} and len(ids) == len(set(ids))
    assert data["current_score"] == pytest.approx(sum(c["score"] for c in data["controls"]))
    assert data["max_score"] == pytest.approx(sum(c["max_score"] for c in data["controls"]))
    by_id = {c["id"]: c for c in data["controls"]}
    assert by_id["SelfServicePasswordReset"]["covered_by"] == "sspr"
    assert by_id["PWAgePolicyNew"]["covered_by"] == "pwage"
    assert by_id["DLPEnabled"]["covered_by"] is None
    assert by_id["MDMAlphaPW"]["state"]["state"] == "ThirdParty"
    available = [c["available"] for c in data["controls"]]
    assert available == sorted(available, reverse=True)  # most points to gain first
    assert {c["basis"] for c in data["comparisons"]} == {"AllTenants", "TotalSeats"}


def test_the_first_read_shows_microsofts_90_day_trend(run: Callable) -> None:
    trend = _score(run, "--tenant", "demo")["trend"]
    assert len(trend) == 90 and {p["source"] for p in trend[:-1]} == {"imported"}
    assert trend[-1]["source"] == "read"  # today's, as this read saw it
    assert trend[0]["score"] <= trend[-1]["score"]
    assert len(_score(run, "--tenant", "demo")["trend"]) == 90  # imported once, not twice


def test_filters_by_category_service_and_coverage(run: Callable) -> None:
    device = _score(run, "--tenant", "demo", "--category", "device")["controls"]
    assert device and {c["category"] for c in device} == {"Device"}
    exo = _score(run, "--tenant", "demo", "--service", "EXO", "--category", "Data")["controls"]
    assert exo and {(c["service"], c["category"]) for c in exo} == {("EXO", "Data")}
    covered = _score(run, "--tenant", "demo", "--covered")["controls"]
    shipped = {"SelfServicePasswordReset", "PWAgePolicyNew", "IntegratedApps", "OneAdmin", "ManyAdmins", "RoleOverlap"}
    shipped |= {"AdminMFAV2", "MFARegistrationV2", "BlockLegacyAuthentication", "SigninRiskPolicy", "UserRiskPolicy"}
    assert {c["id"] for c in covered} == shipped
    uncovered = _score(run, "--tenant", "demo", "--not-covered")["controls"]
    assert len(uncovered) == len(catalogue()) - len(shipped) and all(c["covered_by"] is None for c in uncovered)


def test_people_see_the_total_the_trend_and_the_ranked_controls(run: Callable) -> None:
    shown = run("score", "--tenant", "demo")
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0].startswith("demo Secure Score 94.2 / 270")
    assert "AllTenants average 41.2" in shown.out and "(90 days)" in shown.out
    assert lines.index(next(x for x in lines if "DLPEnabled" in x)) < lines.index(
        next(x for x in lines if "SelfServicePasswordReset" in x)
    )
    details = run("score", "--tenant", "demo", "--category", "Device", "--details").out
    assert "ThirdParty set by admin@contoso.onmicrosoft.com" in details and "IntuneInventory.aspx" in details


def test_bad_input_is_one_line(run: Callable) -> None:
    missing = run("score")
    assert missing.code == 2 and len(missing.err.strip().splitlines()) == 1 and "--tenant" in missing.err
    unknown = run("score", "--tenant", "nope")
    assert unknown.code == 2 and "nope" in unknown.err and "Traceback" not in unknown.err


def test_the_served_simulator_through_the_real_sdk(served: Served, run: Callable, home: Path) -> None:
    config = home / "scorekeeper.toml"
    config.write_text(served.config("lab"))
    data = _score(run, "--tenant", "lab")
    assert len(data["controls"]) == len(catalogue())
    assert data["current_score"] == pytest.approx(sum(c["score"] for c in data["controls"]))
    assert len(data["trend"]) == 90
    assert any(r.path == "/v1.0/security/secureScoreControlProfiles" for r in served.sim.request_log)


def test_a_token_without_securityevents_read_is_refused_naming_it(served: Served, run: Callable, home: Path) -> None:
    config = home / "scorekeeper.toml"
    config.write_text(served.config("lab", roles=["Policy.Read.All"]))
    refused = run("score", "--tenant", "lab")
    assert refused.code == 1 and "SecurityEvents.Read.All" in refused.err
    assert len(refused.err.strip().splitlines()) == 1


def test_the_fleet_view_sums_points_available_per_control(run: Callable, home: Path) -> None:
    config = home / "scorekeeper.toml"
    config.write_text(
        '[tenants.weak]\nsimulator = true\nprofile = "weak-cloud"\n'
        '[tenants.hard]\nsimulator = true\nprofile = "hardened"\n'
        '[groups.lab]\ntenants = ["weak", "hard"]\n'
    )
    data = _score(run, "--group", "lab")
    assert [t["tenant"] for t in data["tenants"]] == ["weak", "hard"]
    rows = {r["control"]: r for r in data["fleet"]}
    weak, hard = ({c["id"]: c for c in t["controls"]} for t in data["tenants"])
    assert rows["DLPEnabled"]["available"] == {"weak": 20.0, "hard": 0.0}
    assert rows["DLPEnabled"]["total_available"] == weak["DLPEnabled"]["available"] + hard["DLPEnabled"]["available"]
    totals = [r["total_available"] for r in data["fleet"]]
    assert totals == sorted(totals, reverse=True)
    shown = run("score", "--all-tenants")
    assert shown.code == 0 and "tenant × top controls" in shown.out  # tenants in rows (issue 28)
    top = data["fleet"][0]["control"]  # the control with the most points over the fleet (ties by name)
    assert f"C1 {top}" in shown.out  # named whole in the legend


def test_json_follows_its_schema_for_one_tenant_and_a_fleet(run: Callable, home: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "score.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_score(run, "--tenant", "demo"), schema)
    (home / "scorekeeper.toml").write_text(
        '[tenants.other]\nsimulator = true\nprofile = "hardened"\n'
        '[tenants.weak]\nsimulator = true\nprofile = "weak-cloud"\n'
    )  # two configured tenants: the simulated demo joins a fleet only when nothing else is configured
    fleet = _score(run, "--all-tenants")
    jsonschema.validate(fleet, schema)
    assert {t["tenant"] for t in fleet["tenants"]} == {"weak", "other"}  # demo stays out (issue 28)


def test_the_first_assessment_shows_the_whole_score_and_its_90_days_in_the_report(run: Callable, home: Path) -> None:
    assessed = run("assess", "--tenant", "demo", "--json")
    assert assessed.code in (0, 1, 3), assessed.err
    out = home / "report.html"
    made = run("report", "--tenant", "demo", "-o", str(out))
    assert made.code == 0, made.err
    html = out.read_text()
    assert "The tenant's whole Secure Score" in html and "<code>DLPEnabled</code>" in html
    assert "94.2 / 270" in html  # the tenant total beside the plugins' controls
    as_json = json.loads(run("report", "--tenant", "demo", "--format", "json").out)
    [tenant] = as_json["tenants"]
    assert tenant["total_score"]["score"] == 94.2
    assert len(tenant["secure_score"]["trend"]) == 90  # the daily total, imported days included


def test_a_tenant_that_cannot_be_read_does_not_hide_the_fleet(
    run: Callable, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One unreachable customer: its own line, the others' scores shown, exit 1 (never all or nothing)."""
    (home / "scorekeeper.toml").write_text(
        '[tenants.weak]\nsimulator = true\nprofile = "weak-cloud"\n'
        '[tenants.gone]\ntenant_id = "00000000-0000-0000-0000-000000000009"\nauth = "static"\n'
        'token_env = "GONE_TOKEN"\ngraph_url = "http://127.0.0.1:9/v1.0"\nportal_url = "http://127.0.0.1:9/api"\n'
    )
    monkeypatch.setenv("GONE_TOKEN", "t")
    shown = run("score", "--all-tenants")
    as_json = run("score", "--all-tenants", "--json")
    assert shown.code == 1 and as_json.code == 1, shown.err
    assert "weak" in shown.out and "tenant × top controls" in shown.out
    lines = [line for line in shown.err.splitlines() if line.strip()]
    assert lines[0].startswith("error: gone: ") and "1 of 2 tenant(s) could not be read" in lines[-1]
    assert "Traceback" not in shown.err
    assert [t["tenant"] for t in json.loads(as_json.out)["tenants"]] == ["weak"]

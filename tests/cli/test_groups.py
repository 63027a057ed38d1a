"""Tenant groups and per-tenant overrides, through the CLI as a user types it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

CONFIG = """
[tenants.alpha]
simulator = true
profile = "weak-cloud"
auth = "static"
portal_auth = "static"
state = "alpha.json"

[tenants.beta]
simulator = true
profile = "weak-cloud"
auth = "static"
portal_auth = "static"
state = "beta.json"

[tenants.beta.controls.SelfServicePasswordReset]
reconfirm_days = 90
auto_remediate = true

[tenants.gamma]
simulator = true
auth = "static"
portal_auth = "static"
state = "gamma.json"

[controls.SelfServicePasswordReset]
reconfirm_days = 365
notify_admins = false

[groups.customers]
tenants = ["alpha", "beta"]

[groups.all_but_alpha]
tenants = ["beta", "gamma"]
"""


@pytest.fixture
def config(home: Path) -> Path:
    path = home / "fleet.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def sspr(shown: list[dict], tenant: str) -> dict[str, tuple[object, str]]:
    entry = next(t for t in shown if t["tenant"] == tenant)
    control = next(c for c in entry["controls"] if c["control"] == "SelfServicePasswordReset")
    return {v["key"]: (v["value"], v["source"]) for v in control["values"]}


def test_config_show_explains_every_key_and_where_it_came_from(run: Callable, config: Path) -> None:
    result = run("--config", str(config), "config", "show", "--group", "customers", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["schema_version"] == 1
    shown = document["tenants"]
    assert [t["tenant"] for t in shown] == ["alpha", "beta"]
    assert shown[1]["groups"] == ["all_but_alpha", "customers"]
    alpha, beta = sspr(shown, "alpha"), sspr(shown, "beta")
    assert alpha["reconfirm_days"] == (365, "controls.SelfServicePasswordReset")
    assert beta["reconfirm_days"] == (90, "tenants.beta.controls.SelfServicePasswordReset")
    # key by key: beta overrides reconfirm_days only, so the shared notify_admins still applies
    assert beta["notify_admins"] == (False, "controls.SelfServicePasswordReset")
    assert beta["methods_required"] == (2, "default")
    assert alpha["auto_remediate"] == (False, "default")
    assert beta["auto_remediate"] == (True, "tenants.beta.controls.SelfServicePasswordReset")


def test_config_show_text_names_the_source(run: Callable, config: Path) -> None:
    result = run("--config", str(config), "config", "show", "--tenant", "beta", "--control", "SelfServicePasswordReset")
    assert result.code == 0, result.err
    line = next(line for line in result.out.splitlines() if "reconfirm_days" in line)
    assert "90" in line and "tenants.beta.controls.SelfServicePasswordReset" in line


def test_the_override_is_what_the_assessment_runs_with(run: Callable, config: Path) -> None:
    result = run(
        "--config", str(config), "assess", "--group", "customers", "--control", "SelfServicePasswordReset", "--json"
    )
    runs = json.loads(result.out)["runs"]
    assert [r["tenant"] for r in runs] == ["alpha", "beta"]
    reasons = {
        r["tenant"]: next(f for c in r["controls"] for f in c["findings"] if f["setting"] == "reconfirm_days")
        for r in runs
    }
    assert "365" in json.dumps(reasons["alpha"]) and "90" not in json.dumps(reasons["alpha"]["desired"])
    assert "90" in json.dumps(reasons["beta"]["desired"])


def test_unknown_tenants_and_groups_are_one_line_naming_all(run: Callable, config: Path) -> None:
    result = run("--config", str(config), "assess", "--tenant", "nope", "--group", "missing", "--group", "customers")
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.err
    assert "unknown tenant 'nope'" in lines[0] and "unknown group 'missing'" in lines[0]
    assert "configured" not in lines[0] or "demo" not in lines[0]  # the closest names, never the whole list


def test_groups_and_tenants_combine_without_repeats(run: Callable, config: Path) -> None:
    result = run("--config", str(config), "config", "show", "--tenant", "gamma", "--group", "all_but_alpha", "--json")
    assert [t["tenant"] for t in json.loads(result.out)["tenants"]] == ["gamma", "beta"]


def test_schedule_add_with_a_group_adds_one_schedule_per_tenant(run: Callable, config: Path) -> None:
    result = run("--config", str(config), "schedule", "add", "--group", "customers", "--interval", "3600", "--json")
    assert result.code == 0, result.err
    assert [s["tenant"] for s in json.loads(result.out)] == ["alpha", "beta"]
    listed = run("--config", str(config), "schedule", "list", "--group", "all_but_alpha", "--json")
    assert [s["tenant"] for s in json.loads(listed.out)["schedules"]] == ["beta"]


def test_history_and_drift_filter_by_group(run: Callable, config: Path) -> None:
    for tenant in ("alpha", "beta", "gamma"):
        run("--config", str(config), "assess", "--tenant", tenant, "--control", "SelfServicePasswordReset")
    listed = json.loads(run("--config", str(config), "history", "--group", "customers", "--json").out)["runs"]
    assert sorted(r["tenant"] for r in listed) == ["alpha", "beta"]
    assert [r["run_id"] for r in listed] == sorted((r["run_id"] for r in listed), reverse=True)
    assert run("--config", str(config), "drift", "--group", "nope").code == 2


def test_config_check_lists_group_and_override_problems_together(run: Callable, home: Path) -> None:
    bad = home / "bad.toml"
    bad.write_text(
        CONFIG
        + '\n[groups.broken]\ntenants = ["alpha", "zeta", "alpha"]\n'
        + "[groups.empty]\ntenants = []\n"
        + "[tenants.gamma.controls.SelfServicePasswordReset]\nreconfirm_days = 5000\ncolour = 'red'\n"
        + "[tenants.gamma.controls.NoSuchControl]\nx = 1\n",
        encoding="utf-8",
    )
    result = run("--config", str(bad), "config", "check")
    assert result.code == 2
    lines = result.err.splitlines()
    for expected in (
        "groups.broken.tenants[1]: unknown tenant 'zeta'",
        "groups.broken.tenants[2]: 'alpha' is listed twice",
        "groups.empty.tenants: a group needs at least one tenant",
        "tenants.gamma.controls.SelfServicePasswordReset.reconfirm_days: Input should be less than or equal to 730",
        "tenants.gamma.controls.SelfServicePasswordReset.colour: unknown key (check the spelling)",
        "tenants.gamma.controls.NoSuchControl: no installed plugin provides this control",
    ):
        assert sum(expected in line for line in lines) == 1, f"{expected!r} not reported once: {lines}"
    assert lines[-1] == "error: 6 problem(s) in the configuration"


def test_a_bad_override_alone_is_reported_at_the_tenant(run: Callable, home: Path) -> None:
    bad = home / "bad.toml"
    bad.write_text(CONFIG + "\n[tenants.gamma.controls.SelfServicePasswordReset]\nreconfirm_days = -1\n")
    result = run("--config", str(bad), "config", "check")
    assert result.code == 2
    assert "tenants.gamma.controls.SelfServicePasswordReset.reconfirm_days" in result.err
    assert result.err.count("reconfirm_days") == 1
    assessed = run("--config", str(bad), "assess", "--tenant", "gamma")
    assert assessed.code == 2 and "tenants.gamma.controls.SelfServicePasswordReset.reconfirm_days" in assessed.err

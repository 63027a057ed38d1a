"""Fleet views that read: one line per tenant, whole names at 80/120/200 columns, one rollback for a fleet.

Through the CLI as an operator types it, against three simulated tenants with long names (the
names are what a person looks for first, so every assertion is about them appearing whole).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

TENANTS = ("northwind-traders-holdings", "contoso-pharma-eu", "fabrikam")

CONFIG = (
    "".join(
        f"""
[tenants.{name}]
simulator = true
profile = "weak-cloud"
auth = "static"
portal_auth = "static"
state = "{name}.json"
"""
        for name in TENANTS
    )
    + f"""
[groups.customers]
tenants = {json.dumps(list(TENANTS))}
"""
)


@pytest.fixture
def sk(run: Callable, home: Path) -> Callable:
    path = home / "fleet.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return lambda *args: run("--config", str(path), *args)


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_assess_over_a_group_is_one_line_per_tenant_and_a_total(sk: Callable) -> None:
    result = sk("assess", "--group", "customers", "--control", "SelfServicePasswordReset")
    assert result.code == 3, result.err
    lines = lines_of(result.out)
    assert len(lines) == len(TENANTS) + 1, result.out
    for name, line in zip(TENANTS, lines, strict=False):
        assert line.startswith(f"{name}: ") and "exit 3 (a requirement fails)" in line
        assert re.search(r"\d+ pass · \d+ fail · \d+ advice · \d+ staged · \d+ unknown · points ", line)
    assert lines[-1].startswith(f"total {len(TENANTS)} tenant(s): ")
    assert lines[-1].endswith(f"{len(TENANTS)} tenant(s) need attention")


def test_verbose_or_one_tenant_brings_back_the_settings(sk: Callable) -> None:
    verbose = sk("assess", "--group", "customers", "--control", "SelfServicePasswordReset", "--verbose")
    one = sk("assess", "--tenant", "fabrikam", "--control", "SelfServicePasswordReset")
    for result in (verbose, one):
        assert "helpdesk_link" in result.out and "┃ setting" in result.out
    assert len(lines_of(verbose.out)) > 10 * len(TENANTS)


def test_a_fleet_remediation_is_undone_by_one_rollback(sk: Callable) -> None:
    done = sk("remediate", "--group", "customers", "--control", "PWAgePolicyNew", "--yes")
    assert done.code == 0, done.err
    lines = lines_of(done.out)
    # One line per tenant as it finishes (cli/operations.py): which finishes first is timing.
    assert sorted(line.split(":")[0] for line in lines[:-1]) == sorted(TENANTS), done.out
    assert all("remediate run" in line and "change(s)" in line for line in lines[:-1])
    undo = re.search(r"undo them all with: scorekeeper rollback --fleet (\d+)$", lines[-1])
    assert undo, lines[-1]
    before = json.loads(sk("history", "--json").out)["runs"]
    remediations = {r["run_id"]: r["tenant"] for r in before if r["kind"] == "remediate"}
    assert sorted(remediations.values()) == sorted(TENANTS)

    # Any run of the batch names the whole batch, not only the first one.
    undone = sk("rollback", "--fleet", str(max(remediations)), "--yes")
    assert undone.code == 0, undone.err
    rolled = lines_of(undone.out)
    assert sorted(line.split(":")[0] for line in rolled[:-1]) == sorted(TENANTS)
    assert all("restored" in line and "exit 0 (ok)" in line for line in rolled[:-1])
    after = json.loads(sk("history", "--json").out)["runs"]
    parents = sorted(r["parent_run_id"] for r in after if r["kind"] == "rollback")
    assert parents == sorted(remediations)
    again = sk("rollback", "--fleet", str(min(remediations)), "--yes")
    assert again.code == 0 and again.out.count("nothing left to roll back") == len(TENANTS)


def test_rollback_fleet_refuses_a_run_that_is_no_remediation(sk: Callable) -> None:
    sk("assess", "--tenant", "fabrikam", "--control", "PWAgePolicyNew")
    result = sk("rollback", "--fleet", "1", "--yes")
    assert result.code == 2 and "Traceback" not in result.err
    assert "no remediation" in result.err


@pytest.mark.parametrize("width", [80, 120, 200])
def test_score_fleet_has_tenants_in_rows_with_whole_names(
    sk: Callable, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = sk("score", "--group", "customers")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    table = [line for line in lines if line.startswith("  ")]
    assert all(len(line) <= width for line in table)
    for name in TENANTS:  # each tenant is a row, its name whole in the first column
        assert any(line.strip().startswith(name + " ") for line in table), (name, result.out)
    legend = [line for line in lines if re.match(r"C\d+ \S", line)]
    headers = re.findall(r"\bC(\d+)\b", next(line for line in table if " score " in line))
    assert legend and len(legend) == len(headers)  # every column named in full below
    assert len(headers) >= (4 if width == 80 else 8)


@pytest.mark.parametrize("width", [80, 120, 200])
def test_history_keeps_tenant_names_whole(sk: Callable, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    for name in TENANTS:
        sk("assess", "--tenant", name, "--control", "PWAgePolicyNew")
    monkeypatch.setenv("COLUMNS", str(width))
    result = sk("history")
    assert result.code == 0, result.err
    for name in TENANTS:
        assert name in result.out, (width, result.out)
    assert all(len(line) <= width for line in result.out.splitlines()[:-1])


def test_plan_over_a_group_is_one_line_per_tenant(sk: Callable) -> None:
    result = sk("plan", "--group", "customers", "--control", "PWAgePolicyNew")
    assert result.code == 0, result.err
    lines = lines_of(result.out)
    assert [line.split(":")[0] for line in lines[:-1]] == list(TENANTS)
    assert all("1 automated change(s)" in line for line in lines[:-1])
    assert lines[-1].startswith("total 3 tenant(s): 3 automated change(s)")

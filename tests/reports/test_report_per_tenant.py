"""``report --group G -o reports/{tenant}.html``: one file per customer, never one with every customer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

CONFIG = """
[tenants.alpha]
simulator = true
profile = "weak-cloud"
auth = "static"
portal_auth = "static"
state = "alpha.json"

[tenants.beta]
simulator = true
profile = "hardened"
auth = "static"
portal_auth = "static"
state = "beta.json"

[groups.customers]
tenants = ["alpha", "beta"]
"""


@pytest.fixture
def fleet(run: Callable[..., Result], home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    path = home / "fleet.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SCOREKEEPER_CONFIG", str(path))
    assessed = run("assess", "--group", "customers", "--json")
    assert assessed.code in (0, 1, 3), assessed.err
    return run


def test_one_report_per_tenant_of_a_group(fleet: Callable[..., Result], home: Path) -> None:
    result = fleet("report", "--group", "customers", "-o", "reports/{tenant}.json")
    assert result.code == 0, result.err
    assert "2 report(s)" in result.err
    for name in ("alpha", "beta"):
        data = json.loads((home / "reports" / f"{name}.json").read_text())
        assert [t["name"] for t in data["tenants"]] == [name]  # that customer's data only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1", "-o", "r/{tenant}.html"), "needs tenants"),
        (("-o", "r/{tenant}.html"), "give --tenant"),
    ],
)
def test_per_tenant_output_needs_tenants(fleet: Callable[..., Result], args: tuple[str, ...], message: str) -> None:
    result = fleet("report", *args)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err

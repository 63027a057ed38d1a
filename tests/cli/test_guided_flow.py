"""A guided setting on a hybrid tenant: exact dsacls commands, then a person's attestation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

SSPR = "SelfServicePasswordReset"
CONFIG = """
[tenants.lab]
simulator = true
profile = "hybrid-writeback-off"
state = "{state}"

[controls.SelfServicePasswordReset]
helpdesk = "https://help.contoso.com/password"
connect_domain_dn = "DC=contoso,DC=com"
connect_account = "CONTOSO\\\\svc-aadconnect"
"""


def _finding(output: str, setting: str) -> dict:
    run = json.loads(output)
    return next(f for c in run["controls"] for f in c["findings"] if f["setting"] == setting)


def test_connector_rights_are_guided_with_dsacls_then_attested(run: Callable, home: Path) -> None:
    (home / "scorekeeper.toml").write_text(CONFIG.format(state=home / "lab.json"), encoding="utf-8")

    plan = run("plan", "--tenant", "lab", "--control", SSPR)
    assert 'dsacls "DC=contoso,DC=com" /I:S /G "CONTOSO\\svc-aadconnect:CA;Reset Password;user"' in plan.out
    assert 'dsacls "DC=contoso,DC=com" /G "CONTOSO\\svc-aadconnect:CA;Unexpire Password"' in plan.out

    before = run("assess", "--tenant", "lab", "--control", SSPR, "--json")
    assert _finding(before.out, "connect_account_permissions")["status"] == "manual"

    attested = run(
        "attest",
        "--tenant",
        "lab",
        "--control",
        SSPR,
        "--setting",
        "connect_account_permissions",
        "--by",
        "alex@contoso.com",
        "--note",
        "CHG-1042: rights granted with the commands above",
    )
    assert attested.code == 0, attested.err

    after = _finding(run("assess", "--tenant", "lab", "--control", SSPR, "--json").out, "connect_account_permissions")
    assert after["status"] == "pass"
    assert "alex@contoso.com" in after["reason"] and "CHG-1042" in after["reason"]

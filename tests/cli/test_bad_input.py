"""Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scorekeeper.store import HistoryStore


def one_line_error(result) -> str:
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {result.err!r}"
    return lines[0]


def test_config_check_lists_every_problem_at_once(run: Callable, home: Path) -> None:
    bad = home / "bad.toml"
    bad.write_text(
        '[tenants.a]\nauth = "client-secret"\nclient_secret = "hunter2"\n'
        '[tenants.b]\nauth = "nope"\n'
        '[controls.SelfServicePasswordReset]\nmethods_required = 7\nhelpdesk = "call bob"\n',
        encoding="utf-8",
    )
    result = run("--config", str(bad), "config", "check")
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    for expected in ("tenants.a: client_secret", "tenants.b", "methods_required", "helpdesk"):
        assert sum(expected in line for line in lines) == 1, f"{expected} not reported once: {lines}"
    assert lines[-1] == "error: 5 problem(s) in the configuration"
    assert "hunter2" not in result.err, "a secret must never be echoed"


def test_unparseable_toml_is_one_line(run: Callable, home: Path) -> None:
    bad = home / "broken.toml"
    bad.write_text("[tenants.a\n", encoding="utf-8")
    result = run("--config", str(bad), "assess", "--tenant", "a")
    assert result.code == 2
    assert "broken.toml" in one_line_error(result)


def test_missing_config_file_named_explicitly(run: Callable, home: Path) -> None:
    result = run("--config", str(home / "nowhere.toml"), "assess", "--tenant", "demo")
    assert result.code == 2
    assert "nowhere.toml" in one_line_error(result)


def test_unknown_tenant(run: Callable) -> None:
    result = run("assess", "--tenant", "fabrikam")
    assert result.code == 2
    assert "fabrikam" in one_line_error(result)


def test_unknown_control(run: Callable) -> None:
    result = run("plan", "--tenant", "demo", "--control", "NoSuchControl")
    assert result.code == 2
    assert "NoSuchControl" in one_line_error(result)


def test_rollback_of_a_run_that_does_not_exist(run: Callable, home: Path) -> None:
    result = run("--db", str(home / "h.db"), "rollback", "999", "--yes")
    assert result.code == 2
    assert "999" in one_line_error(result)


def test_remediate_without_a_terminal_or_yes_refuses_and_writes_nothing(run: Callable, home: Path) -> None:
    result = run("--db", str(home / "h.db"), "remediate", "--tenant", "demo")
    assert result.code == 2
    assert "--yes" in one_line_error(result)
    with HistoryStore.open(home / "h.db") as store:
        assert all(r.kind != "remediate" for r in store.runs())


def test_attest_an_unknown_setting(run: Callable) -> None:
    result = run(
        "attest",
        "--tenant",
        "demo",
        "--control",
        "SelfServicePasswordReset",
        "--setting",
        "nope",
        "--by",
        "a",
        "--note",
        "b",
    )
    assert result.code == 2
    assert "nope" in one_line_error(result)


def test_database_newer_than_the_app_is_refused_and_left_untouched(run: Callable, home: Path) -> None:
    db = home / "future.db"
    with HistoryStore.open(db):
        pass
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = db.read_bytes()
    result = run("--db", str(db), "history")
    assert result.code != 0
    assert "newer" in one_line_error(result)
    assert sqlite3.connect(db).execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_future",)
    assert len(db.read_bytes()) == len(before)


@pytest.mark.parametrize("args", [("history", "--limit", "0"), ("report", "--format", "pdf")])
def test_click_usage_errors_exit_2(run: Callable, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.code == 2
    assert "Traceback" not in result.err


#: A tenant whose Graph and portal endpoints refuse every connection (loopback port 9).
UNREACHABLE_TENANT = """
[tenants.dead]
auth = "static"
token = "t"
tenant_id = "00000000-0000-0000-0000-000000000001"
graph_url = "http://127.0.0.1:9"
portal_url = "http://127.0.0.1:9/api"
"""


def _findings(output: str) -> list[dict]:
    return [f for c in json.loads(output)["controls"] for f in c["findings"]]


def test_an_unreachable_tenant_is_not_a_clean_result(run: Callable, home: Path) -> None:
    """Nothing read must never look like nothing failing: exit 1, the run failed, the reason once (issue 28)."""
    (home / "scorekeeper.toml").write_text(UNREACHABLE_TENANT, encoding="utf-8")
    result = run("assess", "--tenant", "dead", "--control", "PWAgePolicyNew", "--json")

    assert result.code == 1
    assert "1 tenant(s) could not be reached; exit code 1" in result.err
    output = json.loads(result.out)
    assert output["status"] == "failed" and output["controls"] == []  # no setting counted, not even unknown
    assert output["unreachable"].startswith("cannot connect to 127.0.0.1:9")


def test_settings_left_unread_on_purpose_can_be_accepted_as_exceptions(run: Callable, home: Path) -> None:
    """Every unread setting under an accepted-risk exception: nothing nags, the tenant is not probed (exit 0)."""
    exceptions = "".join(
        f'\n[[exceptions]]\ntenant = "dead"\ncontrol = "PWAgePolicyNew"\nsetting = "{setting}"\n'
        f'reason = "lab tenant, unreachable on purpose"\nexpires = 2099-01-01\n'
        for setting in ("password_expiry", "secure_score")
    )
    (home / "scorekeeper.toml").write_text(UNREACHABLE_TENANT + exceptions, encoding="utf-8")
    result = run("assess", "--tenant", "dead", "--control", "PWAgePolicyNew", "--json")

    assert result.code == 0, result.err
    findings = _findings(result.out)
    assert findings and all(f["status"] == "unknown" and f["excepted"] for f in findings)


CONTOSO = """
[tenants.contoso]
tenant_id = "00000000-0000-0000-0000-000000000000"
client_id = "11111111-1111-1111-1111-111111111111"
auth = "client-secret"
client_secret_env = "SK_TEST_CONTOSO_SECRET"
[tenants.fabrikam]
tenant_id = "00000000-0000-0000-0000-000000000002"
client_id = "11111111-1111-1111-1111-111111111111"
auth = "certificate"
certificate_path = "missing/app.pem"
"""


def test_broken_credentials_are_one_line_per_tenant_before_anything_runs(
    run: Callable, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SK_TEST_CONTOSO_SECRET", raising=False)
    (home / "scorekeeper.toml").write_text(CONTOSO, encoding="utf-8")
    result = run("--db", str(home / "h.db"), "assess", "--tenant", "contoso", "--tenant", "fabrikam")
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines() == [
        "error: contoso: client_secret_env SK_TEST_CONTOSO_SECRET is not set",
        "error: fabrikam: certificate_path missing/app.pem does not exist",
    ]
    assert not (home / "h.db").exists(), "a rejected config must not create a database"
    checked = run("config", "check")
    assert checked.code == 2
    assert "tenants.contoso: client_secret_env SK_TEST_CONTOSO_SECRET is not set" in checked.err


def test_db_in_a_folder_that_does_not_exist_is_refused(run: Callable, home: Path) -> None:
    result = run("--db", str(home / "typo" / "h.db"), "assess", "--tenant", "demo")
    assert result.code == 2
    assert "does not exist" in one_line_error(result)
    assert not (home / "typo").exists()


def test_debug_is_accepted_after_the_subcommand(run: Callable, home: Path) -> None:
    result = run("history", "--debug")
    assert result.code == 0, result.err
    assert "No such option" not in result.err


def test_unknown_event_loop_is_one_line(run: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCOREKEEPER_EVENT_LOOP", "trio")
    result = run("assess", "--tenant", "demo")
    assert result.code == 2
    line = one_line_error(result)
    assert "SCOREKEEPER_EVENT_LOOP" in line and "trio" in line

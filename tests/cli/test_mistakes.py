"""The ordinary mistakes of issue 16, fed as a new admin makes them: one line, the README's exit code.

No traceback anywhere; exit 2 (bad input) never contacts a tenant or creates a database; a "no"
at a confirmation or Ctrl-C before anything ran is exit 1, "nothing was changed".
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.store import HistoryStore
from tests.cli.test_unreachable import served  # noqa: F401  (a fixture: a simulator on loopback)

IDS = 'tenant_id = "00000000-0000-0000-0000-000000000000"\nclient_id = "11111111-1111-1111-1111-111111111111"\n'


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def one_line(result) -> str:
    assert "Traceback" not in result.out + result.err
    found = lines(result.err)
    assert len(found) == 1, result.err
    return found[0]


def config(home: Path, text: str) -> Path:
    path = home / "scorekeeper.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'auth = "client-secret"\nclient_secret_env = "SK_UNSET_SECRET"\n',
            "client_secret_env SK_UNSET_SECRET is not set",
        ),
        (
            'auth = "certificate"\ncertificate_path = "nowhere/app.pem"\n',
            "certificate_path nowhere/app.pem does not exist",
        ),
        (
            'auth = "client-secret"\nclient_secret_file = "nowhere/secret"\n',
            "client_secret_file nowhere/secret does not exist",
        ),
    ],
)
def test_credentials_that_cannot_be_built(
    run: Callable, home: Path, monkeypatch: pytest.MonkeyPatch, table: str, expected: str
) -> None:
    monkeypatch.delenv("SK_UNSET_SECRET", raising=False)
    config(home, f"[tenants.contoso]\n{IDS}{table}")
    result = run("--db", str(home / "h.db"), "assess", "--tenant", "contoso")
    assert result.code == 2
    assert one_line(result) == f"error: contoso: {expected}"
    assert not (home / "h.db").exists()
    checked = run("config", "check")
    assert checked.code == 2 and f"tenants.contoso: {expected}" in checked.err


def test_config_check_lists_every_problem_in_one_pass(run: Callable, home: Path) -> None:
    config(
        home,
        f'[tenants.contoso]\n{IDS}auth = "client-secrets"\nclient_secret_env = "X"\n'
        "[controls.SelfServicePasswordReset]\nmethods_required = 7\n"
        '[[exceptions]]\ncontrol = "SelfServicePasswordRest"\nsetting = "admin_sspr"\nreason = "pilot"\n'
        "expires = 2030-01-01\n"
        '[[exceptions]]\ncontrol = "SelfServicePasswordReset"\nsetting = "admin_ssp"\nreason = "pilot"\n'
        "expires = 2020-01-01\n",
    )
    result = run("config", "check")
    assert result.code == 2 and "Traceback" not in result.err
    text = result.err
    assert "tenants.contoso.auth" in text and "(did you mean 'client-secret'?)" in text
    assert "methods_required" in text
    assert "unknown control 'SelfServicePasswordRest' (did you mean 'SelfServicePasswordReset'?)" in text
    assert "no setting 'admin_ssp' (did you mean 'admin_sspr'?)" in text
    assert "warning: exceptions[1]" in text and "expired on 2020-01-01" in text
    assert lines(text)[-1] == "error: 4 problem(s) in the configuration"


def test_an_exception_with_a_bad_field_still_has_its_target_checked_at_its_own_index(run: Callable, home: Path) -> None:
    """A too-short reason must not hide a mistyped control, nor renumber the tables after it."""
    config(
        home,
        '[[exceptions]]\ncontrol = "SelfServicePasswordRest"\nsetting = "admin_sspr"\nreason = "x"\n'
        "expires = 2030-01-01\n"
        '[[exceptions]]\ncontrol = "PWAgePolicyNew"\nsetting = "password_expiri"\nreason = "pilot"\n'
        "expires = 2020-01-01\n",
    )
    result = run("config", "check")
    assert result.code == 2
    text = result.err
    assert "exceptions[0].reason" in text
    assert "exceptions[0].control: unknown control 'SelfServicePasswordRest'" in text
    assert "exceptions[1].setting: control PWAgePolicyNew has no setting 'password_expiri'" in text
    assert "warning: exceptions[1]" in text and "expired on 2020-01-01" in text
    assert lines(text)[-1] == "error: 3 problem(s) in the configuration"


def test_an_expired_exception_alone_is_a_warning(run: Callable, home: Path) -> None:
    config(
        home,
        '[[exceptions]]\ncontrol = "SelfServicePasswordReset"\nsetting = "admin_sspr"\nreason = "pilot"\n'
        "expires = 2020-01-01\n",
    )
    result = run("config", "check")
    assert result.code == 0 and "expired on 2020-01-01" in result.err and "1 warning(s)" in result.out


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        ("[tenants.a]\n".encode("utf-16"), "UTF-16"),
        (b'[tenants.a]\nname = "caf\xe9"\n', "not UTF-8"),
        (b"a = " + b"[" * 20_000 + b"]" * 20_000, "nested too deeply"),
        (b"[tenants.a\n", "not valid TOML"),
    ],
)
def test_files_that_are_not_toml(run: Callable, home: Path, raw: bytes, fragment: str) -> None:
    (home / "scorekeeper.toml").write_bytes(raw)
    result = run("--db", str(home / "h.db"), "assess", "--tenant", "demo")
    assert result.code == 2 and fragment in one_line(result)
    assert not (home / "h.db").exists()


def test_typos_and_paths(run: Callable, home: Path) -> None:
    config(home, f'[tenants.contoso]\n{IDS}auth = "managed-identity"\n')
    typo = run("assess", "--tenant", "contso")
    assert typo.code == 2 and "(did you mean 'contoso'?)" in one_line(typo)
    db = run("--db", str(home / "histroy" / "h.db"), "history")
    assert db.code == 2 and "does not exist" in one_line(db)
    huge = run("history", "99999999999999999999999")
    assert huge.code == 2 and "RUN_ID" in one_line(huge)
    debug = run("history", "--debug")
    assert debug.code == 0 and "No such option" not in debug.err


def answer(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """A terminal on stdin that types ``text`` (empty: end of input, as Ctrl-D / Ctrl-C at a prompt)."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(text))


@pytest.mark.parametrize("typed", ["n\n", ""])
def test_no_at_the_confirmation_changes_nothing_and_exits_1(
    run: Callable, home: Path, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    answer(monkeypatch, typed)
    result = run("--db", str(home / "h.db"), "remediate", "--tenant", "demo", "--control", "PWAgePolicyNew")
    assert result.code == 1
    assert lines(result.err)[-1].endswith("nothing was changed")
    with HistoryStore.open(home / "h.db") as store:
        assert all(r.kind != "remediate" for r in store.runs())


def test_attest_and_login_say_what_to_do_instead(run: Callable) -> None:
    attest = run(
        "attest",
        "--tenant",
        "demo",
        "--control",
        "SelfServicePasswordReset",
        "--setting",
        "helpdesk_link",
        "--by",
        "ann",
        "--note",
        "done",
    )
    assert attest.code == 2
    assert "scorekeeper remediate --tenant demo --control SelfServicePasswordReset --setting helpdesk_link" in (
        one_line(attest)
    )
    login = run("login", "--tenant", "demo")
    assert login.code == 1 and "simulated tenant" in one_line(login)


def test_plan_never_suggests_attesting_an_automated_setting(run: Callable, home: Path) -> None:
    # Every level selected: the guided rows that are advice by default are planned too (issue 25).
    config(home, '[remediation]\nrequirements = ["criterion", "baseline", "advice"]\n')
    shown = " ".join(run("plan", "--tenant", "demo", "--control", "SelfServicePasswordReset").out.split())
    guided = re.findall(r"guided (\w+) \(.*?\): a person must do this, then record it: (.*?)(?= \d+\. |$)", shown)
    assert guided
    for setting, then in guided:
        if setting == "helpdesk_link":  # automated: a config value, then remediate (issue 28), never attest
            assert "remediate --tenant demo --control SelfServicePasswordReset --setting helpdesk_link" in then
            assert "attest" not in then


def test_portal_rows_say_a_sign_in_is_missing_not_that_none_is_configured(
    run: Callable,
    home: Path,
    served: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    sim, url = served  # Graph answers (a tenant never reached is one line, issue 28); the portal has no sign-in
    config(
        home,
        f'[tenants.lab]\ntenant_id = "{sim.tenant_id}"\nauth = "static"\ntoken = "{sim.issue_token()}"\n'
        f'graph_url = "{url}"\nportal_url = "{url}/api"\nportal_auth = "device-code"\n',
    )
    result = run("assess", "--tenant", "lab", "--control", "SelfServicePasswordReset", "--json")
    assert result.code in (1, 3) and "Traceback" not in result.err
    reasons = [f["reason"] for c in json.loads(result.out)["controls"] for f in c["findings"]]
    assert any("nobody has signed in yet" in r for r in reasons)
    assert not any("none is configured" in r for r in reasons)


def test_history_times_carry_the_year_and_zone_and_plans_are_hidden(run: Callable) -> None:
    run("plan", "--tenant", "demo", "--control", "PWAgePolicyNew")
    run("assess", "--tenant", "demo", "--control", "PWAgePolicyNew")
    listed = run("history").out
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} \w+", listed)
    assert " plan " not in listed and " plan " in run("history", "--all").out

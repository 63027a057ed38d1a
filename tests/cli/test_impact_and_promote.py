"""Issue 25 at the command line: impact in plan and history, advice and staged exit codes, ``promote``.

The staged control of ``tests/core/staged_plugin.py`` runs on a simulated tenant kept in a state
file, as a user's would; the tests change that file between commands the way the tenant would
change between runs (a user appears: the evidence the next stage needs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import scorekeeper.plugin.manager
from scorekeeper.cli.schemas import schema
from scorekeeper.testing import simulator_for
from tests.core import staged_plugin
from tests.core.staged_plugin import EVIDENCE_USER, STATES, StagedPlugin

BASE = """
[tenants.lab]
simulator = true
profile = "hardened"
state = "{state}"
auth = "static"
portal_auth = "static"

[[exceptions]]
control = "StagedCA"
setting = "lockout"
reason = "tested on its own"
expires = "2099-01-01"
"""


@pytest.fixture
def sk(home: Path, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``sk(*args, config=extra TOML)``: the CLI with the staged control installed, on the lab tenant."""
    real_load = scorekeeper.plugin.manager.load_plugins
    monkeypatch.setattr(
        scorekeeper.plugin.manager,
        "load_plugins",
        lambda extra=(), **kw: real_load([*extra, ("staged", StagedPlugin())], **kw),
    )
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "")  # only the staged control: its counts are exact
    simulator_for("hardened").save(home / "lab.json")

    def invoke(*args: str, config: str = "", excepted: bool = True) -> Any:
        base = BASE if excepted else BASE.split("[[exceptions]]")[0]
        (home / "scorekeeper.toml").write_text(base.format(state=home / "lab.json") + config)
        return run(*args)

    return invoke


def _tenant(home: Path) -> dict[str, Any]:
    data = json.loads((home / "lab.json").read_text())
    tenants = data["tenants"]
    return next(iter(tenants.values())) if isinstance(tenants, dict) else tenants[0]


def _edit(home: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads((home / "lab.json").read_text())
    tenants = data["tenants"]
    change(next(iter(tenants.values())) if isinstance(tenants, dict) else tenants[0])
    (home / "lab.json").write_text(json.dumps(data))


def _policy_state(home: Path) -> str | None:
    state = _tenant(home)
    policies = state.get("state", state).get("conditionalAccessPolicies", [])
    found = staged_plugin._policy(policies)
    return None if found is None else found["state"]


def _add_evidence(home: Path) -> None:
    def add(tenant: dict[str, Any]) -> None:
        state = tenant.get("state", tenant)
        users = state["users"]
        users.append({**users[0], "id": "0e7d2c55-5a8b-4b55-9d2e-7f1f0c1a2b3c", "displayName": EVIDENCE_USER})

    _edit(home, add)


def test_plan_text_and_json_name_the_affected_users(sk: Callable[..., Any]) -> None:
    import jsonschema

    text = sk("plan", "--tenant", "lab", "--setting", "lockout", excepted=False)
    assert text.code == 0, text.err
    assert "guided lockout" in text.out
    assert 'accept_impact = ["StagedCA.lockout"]' in text.out
    assert "ada@contoso.example, bo@contoso.example" in text.out
    assert "to make it safe first: enable mobile phone" in text.out
    data = json.loads(sk("plan", "--tenant", "lab", "--setting", "lockout", "--json", excepted=False).out)
    jsonschema.validate(data, schema("plan"))
    [item] = data["controls"][0]["items"]
    assert item["kind"] == "guided" and item["impact"]["harm"] == "locks_out"
    assert [a["name"] for a in item["impact"]["affected"]] == ["ada@contoso.example", "bo@contoso.example"]
    accept = '[remediation]\naccept_impact = ["StagedCA.lockout"]\n'
    text = sk("plan", "--tenant", "lab", "--setting", "lockout", config=accept, excepted=False)
    assert "ACCEPTED ([remediation] accept_impact)" in text.out and "automated changes" in text.out


def test_staged_and_advice_alone_exit_0_and_say_so(sk: Callable[..., Any], home: Path) -> None:
    criterion_only = '[remediation]\nrequirements = ["criterion"]\n'
    assert sk("assess", "--tenant", "lab", config=criterion_only).code == 3  # no policy yet: a criterion fails
    done = sk("remediate", "--tenant", "lab", "--setting", "policy", "--yes", config=criterion_only)
    assert done.code == 0, done.err
    assert _policy_state(home) == STATES["report-only"]
    result = sk("assess", "--tenant", "lab", config=criterion_only)
    assert result.code == 0, result.out
    assert "1 staged" in result.out and "2 advice" in result.out
    assert "staged: report-only → enabled" in result.out
    # The default selects baselines: the CISA requirement fails again.
    assert sk("assess", "--tenant", "lab").code == 3


def test_promote_is_refused_then_allowed_with_evidence_then_rolled_back(sk: Callable[..., Any], home: Path) -> None:
    import jsonschema

    assert sk("remediate", "--tenant", "lab", "--setting", "policy", "--yes").code == 0
    waiting = sk("promote", "--tenant", "lab", "--yes")
    assert waiting.code == 0  # nothing may move yet: the normal state of a rollout, said on stderr
    assert "not allowed by [remediation] promote" in waiting.err
    refused = sk("promote", "--tenant", "lab", "--setting", "policy", "--yes", "--json")
    assert refused.code == 1  # the setting asked for could not move
    assert "not promoted: lab/StagedCA.policy (report-only): not allowed by [remediation] promote" in refused.err
    data = json.loads(refused.out)
    jsonschema.validate(data, schema("promote"))
    assert data["status"] == "nothing_to_do" and data["refused"][0]["setting"] == "policy"

    allow = '[remediation]\npromote = ["StagedCA.policy"]\n'
    not_ready = sk("promote", "--tenant", "lab", "--setting", "policy", "--yes", config=allow)
    assert not_ready.code == 1
    assert "not ready: needs report-only results reviewed in the sign-in logs" in not_ready.err
    assert _policy_state(home) == STATES["report-only"]

    _add_evidence(home)
    promoted = sk("promote", "--tenant", "lab", "--yes", "--json", config=allow)
    assert promoted.code == 0, promoted.err
    data = json.loads(promoted.out)
    jsonschema.validate(data, schema("promote"))
    assert _policy_state(home) == "enabled" and data["refused"] == []

    shown = sk("history", str(data["run_id"]), "--json")
    history = json.loads(shown.out)
    jsonschema.validate(history, schema("history-run"))
    assert history["planned_from"] == data["plan_run_id"]
    assert [(i["setting"], i["stage"]) for i in history["impacts"]] == [("policy", "enabled")]
    assert "→ stage enabled" in sk("history", str(data["run_id"])).out

    assert sk("rollback", str(data["run_id"]), "--yes").code == 0
    assert _policy_state(home) == STATES["report-only"]


def test_history_shows_whom_an_accepted_change_affected(sk: Callable[..., Any]) -> None:
    import jsonschema

    accept = '[remediation]\naccept_impact = ["StagedCA.lockout"]\n'
    done = sk("remediate", "--tenant", "lab", "--setting", "lockout", "--yes", "--json", config=accept, excepted=False)
    output = json.loads(done.out)
    jsonschema.validate(output, schema("remediate"))
    [item] = output["plans"][0]["items"]  # the confirmed plan, with whom each change affects
    assert item["kind"] == "automated" and len(item["impact"]["affected"]) == 2
    run_id = output["run_id"]
    text = sk("history", str(run_id), excepted=False).out
    assert "Whom the changes affected" in text
    assert "ada@contoso.example, bo@contoso.example" in text and "ACCEPTED" in text


def test_config_check_names_an_unknown_promote_setting(sk: Callable[..., Any]) -> None:
    result = sk("config", "check", config='[remediation]\npromote = ["StagedCA.polcy"]\n')
    assert result.code == 2
    assert "remediation.promote: control StagedCA has no setting 'polcy'" in result.out + result.err
    shown = sk(
        "config", "show", "--tenant", "lab", "--control", "StagedCA", config='[remediation]\npromote = ["StagedCA.*"]\n'
    )
    assert 'promote       = ["StagedCA.*"]  (from remediation)' in shown.out

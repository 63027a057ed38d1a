"""The main flow as a new user runs it, one command at a time, against the stateful demo tenant."""

from __future__ import annotations

import json
from collections.abc import Callable

SSPR = "SelfServicePasswordReset"


def _statuses(output: str) -> dict[str, str]:
    run = json.loads(output)
    return {f["setting"]: f["status"] for c in run["controls"] for f in c["findings"]}


def test_assess_remediate_verify_rollback_across_separate_commands(run: Callable) -> None:
    first = run("assess", "--tenant", "demo", "--control", SSPR, "--json")
    assert first.code == 3, first.err  # settings fail on the weak demo tenant
    before = _statuses(first.out)
    assert before["enablement"] == "fail"

    fixed = run("remediate", "--tenant", "demo", "--control", SSPR, "--yes", "--json")
    assert fixed.code in (0, 3), fixed.err  # 3: guided rows still wait for a person
    remediation = json.loads(fixed.out)
    made = [c for control in remediation["controls"] for c in control["changes"]]
    assert made and all(c["outcome"] == "applied" for c in made)

    verified = run("verify", "--tenant", "demo", "--json")
    assert verified.code in (0, 3), verified.err
    changed = {c["setting"] for c in made}
    reassessed_fix = json.loads(run("assess", "--tenant", "demo", "--control", SSPR, "--json").out)
    after_fix = _statuses(json.dumps(reassessed_fix))
    # The migration is a rollout: this run set Migration in progress (both policies respected, nobody
    # loses a method); completing it is the next stage. A stage is neither pass nor fail.
    staged = {s for s in changed if after_fix[s] == "staged"}
    assert staged == {"methods_policy_migration"}, after_fix
    assert all(after_fix[s] == "pass" for s in changed - staged), {s: after_fix[s] for s in changed}
    [migration] = [f for c in reassessed_fix["controls"] for f in c["findings"] if f["setting"] in staged]
    stage = migration["stage"]
    assert (stage["name"], stage["next"]) == ("migrationInProgress", "migrationComplete")
    assert stage["ready"] and not stage["needs"], stage  # the demo tenant's users keep their methods
    # What the next stage needs: the configuration must allow it, and the reason says how.
    promoted = run("promote", "--tenant", "demo", "--control", SSPR)
    assert promoted.code == 0, promoted.err
    allow = f'"{SSPR}.methods_policy_migration"'
    assert "not allowed by [remediation] promote" in promoted.err and allow in promoted.err, promoted.err
    assert allow in migration["reason"] and "scorekeeper promote" in migration["reason"]

    rolled = run("rollback", str(remediation["run_id"]), "--yes", "--json")
    assert rolled.code == 0, rolled.err
    reassessed = run("assess", "--tenant", "demo", "--control", SSPR, "--json")
    assert _statuses(reassessed.out) == before

    # What the rollback restored is scorekeeper's own undo, not drift (store.baselines.rolled_back_since):
    # the assessment after it reads the old values again and reports no drift for them.
    last_run = json.loads(reassessed.out)["run_id"]
    runs = {r["run_id"]: r for r in json.loads(run("history", "--tenant", "demo", "--json").out)["runs"]}
    assert {"assess", "remediate", "rollback"} <= {r["kind"] for r in runs.values()}
    assert runs[last_run]["drift"] == 0 and runs[json.loads(first.out)["run_id"]]["drift"] == 0, runs
    assert json.loads(run("history", str(last_run), "--json").out)["drift"] == []
    assert "Drift since run" not in run("history", str(last_run)).out


def test_history_for_people_lists_each_run_once(run: Callable) -> None:
    assert "No runs in history yet" in run("history").out
    run("assess", "--tenant", "demo", "--control", SSPR)
    shown = run("history").out
    assert shown.count("┃ run ") == 1 and "assess" in shown

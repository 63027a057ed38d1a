"""Machine output is a contract: every --json document carries schema_version and follows its schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from scorekeeper.cli.schemas import COMMANDS, SCHEMA_VERSION, schema
from scorekeeper.engine.permissions import covering

from .contract import SCHEMAS, validated

SSPR = "SelfServicePasswordReset"


def test_the_published_schemas_are_the_ones_the_code_builds() -> None:
    published = {p.stem for p in SCHEMAS.glob("*.json")}
    assert set(COMMANDS) <= published, "run: python -m scorekeeper.cli.schemas"
    for command in COMMANDS:
        on_disk = json.loads((SCHEMAS / f"{command}.json").read_text(encoding="utf-8"))
        assert on_disk == schema(command), f"docs/schemas/{command}.json is stale: python -m scorekeeper.cli.schemas"


def test_every_command_s_json_follows_its_schema(run: Callable, home: Path) -> None:
    def ok(command: str, *args: str, codes: tuple[int, ...] = (0,)) -> dict:
        result = run(*args, "--json")
        assert result.code in codes, (args, result.err)
        data = validated(command, result.out)
        assert data["schema_version"] == SCHEMA_VERSION
        return data

    ok("plugins", "plugins")
    ok("controls", "controls")
    permissions = ok("permissions", "permissions")
    granted = set(permissions["all"]["remediate"])  # remediating also assesses: every read is granted or covered
    assert all(p in granted or covering(p) & granted for p in permissions["all"]["assess"])
    assessed = ok("assess", "assess", "--tenant", "demo", codes=(3,))
    assert [c["control"] for c in assessed["controls"]] == sorted(c["control"] for c in assessed["controls"])
    planned = ok("plan", "plan", "--tenant", "demo", "--control", SSPR)
    assert planned["controls"] and all(c["items"] for c in planned["controls"])
    assert planned["versions"] == assessed["versions"] and planned["versions"]["scorekeeper"]
    assert assessed["organization"]["display_name"]
    assert planned["organization"] is None, "a plan reads no more than its controls need (engine._assess_all)"
    fixed = ok("remediate", "remediate", "--tenant", "demo", "--control", SSPR, "--yes", codes=(0, 3))
    assert fixed["plan_run_id"] == planned["run_id"] + 1
    assert all("changes" in c and "findings" in c for c in fixed["controls"])  # grouped as assess groups them
    ok("verify", "verify", str(fixed["run_id"]), codes=(0, 3))
    ok("history", "history")
    ok("history-run", "history", str(fixed["run_id"]))
    ok("rollback", "rollback", str(fixed["run_id"]), "--yes")
    ok("drift", "drift")
    run("schedule", "add", "--tenant", "demo", "--cron", "0 6 * * *")
    listed = ok("schedule-list", "schedule", "list")
    assert listed["schedules"][0]["next_run_at"], "the JSON names the next run the table shows"
    nothing = run(
        "remediate", "--tenant", "demo", "--control", "PWAgePolicyNew", "--setting", "secure_score", "--yes", "--json"
    )
    validated("remediate", nothing.out)


def test_history_names_runs_run_id_like_every_other_output(run: Callable) -> None:
    run("assess", "--tenant", "demo", "--control", SSPR)
    [row] = validated("history", run("history", "--json").out)["runs"]
    assert "run_id" in row and "id" not in row
    assert row["actor"]["os_user"] and row["actor"]["identity"].startswith("app ")

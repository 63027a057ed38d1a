"""Walk the README as a new user would: every `scorekeeper ...` line it shows, in order.

Each command runs in-process on a fresh machine (no config, empty data dir); where the command
has a ``--json`` schema its machine output is validated too. None may print a traceback, and
each must end with an exit code the README's table allows for it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from scorekeeper.cli.schemas import COMMANDS

from .contract import validated

README = Path(__file__).resolve().parents[2] / "README.md"

#: Lines the walk does not run in-process, and why (each is exercised by its own tests).
NOT_RUN = {
    "tui": "an interactive screen (tests/tui drive it with Pilot; docs/tui.md shows tmux captures)",
    "scheduler": "a daemon that runs until SIGTERM (tests/scheduler/test_process.py runs it as a process)",
    "fleet": "needs a PostgreSQL history server (tests/fleet run it against the PostgreSQL test server)",
    "worker": "a queue worker on a PostgreSQL history (tests/fleet)",
}

#: Exit codes the README's table gives each command on the README's own examples.
EXPECTED = {
    ("assess", "demo"): {3},
    ("assess", "contoso"): {1},  # no network here: the tenant cannot be read, which is not a clean result
    ("login", "contoso"): {1},  # no keyring (or no network) on a test machine: one line, exit 1
    ("remediate", "demo"): {0, 3},
    ("schedule", "fabrikam"): {2},  # the README's config names contoso only
    # the fleet lines need a PostgreSQL history; a fresh machine has SQLite: one line, exit 2
    ("fleet", ""): {2},
    # the fleet lines on the README's own config: its one tenant (contoso) cannot be reached here
    ("assess", ""): {1},
    ("remediate", ""): {1},
    # `rollback RUN` of the demo's remediation: 0; `rollback --fleet RUN` on the README's config:
    # contoso's remediation read nothing, so the newest run is an assessment: one line, exit 2
    ("rollback", ""): {0, 2},
}


def readme_commands() -> list[str]:
    """Every ``scorekeeper ...`` command in the README's ``sh`` blocks, in order (``&&`` split)."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("scorekeeper "):
                    commands.append(part)
    return commands


def readme_config() -> str:
    return re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)[0]


def schema_for(args: list[str]) -> str | None:
    name = args[0]
    if name == "history" and len(args) > 1 and args[1].isdigit():
        return "history-run"
    if name == "schedule" and args[1:2] == ["list"]:
        return "schedule-list"
    if name == "schedule":
        return None
    return name if name in COMMANDS else None


def test_the_readme_shows_the_commands_this_walk_knows() -> None:
    names = {shlex.split(c)[1] for c in readme_commands()}
    assert {"assess", "plan", "remediate", "history", "rollback", "config", "permissions", "login"} <= names


def test_walk_the_readme(run: Callable, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTOSO_SECRET", "not-a-real-secret")  # the README's example variable
    last_remediation: str | None = None
    ran = []
    for command in readme_commands():
        args = shlex.split(command)[1:]
        if args[0] in NOT_RUN or "--queue" in args:  # --queue: a PostgreSQL job queue, like fleet
            continue
        if args[:1] == ["config"] and not (home / "scorekeeper.toml").exists():
            (home / "scorekeeper.toml").write_text(readme_config(), encoding="utf-8")  # "A real tenant"
        if "RUN" in args:
            assert last_remediation, "the README rolls back before it remediates"
            args = [last_remediation if a == "RUN" else a for a in args]
        if args[0] in ("remediate", "rollback"):
            args.append("--yes")  # the README says: --yes for scripts
        tenant = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--tenant"), "")
        allowed = EXPECTED.get((args[0], tenant), {0})
        result = run(*args)
        assert "Traceback" not in result.out + result.err, command
        assert result.code in allowed, f"{command}: exit {result.code}: {result.err[-400:]}"
        if result.code == 2:
            assert len([line for line in result.err.splitlines() if line.strip()]) == 1, result.err
        schema = schema_for(args)
        chosen_format = {"--output", "-o", "--format"} & set(args)  # the README asked for another format
        if schema is not None and result.code in (0, 1, 3) and not chosen_format:
            as_json = run(*args, "--json") if args[0] not in ("remediate", "rollback") else None
            if as_json is not None:
                validated(schema, as_json.out)
        if args[0] == "remediate":
            as_json = run("history", "--json")
            last_remediation = str(validated("history", as_json.out)["runs"][0]["run_id"])
        ran.append(args[0])
    assert {"assess", "plan", "remediate", "history", "rollback", "simulator", "report"} <= set(ran)

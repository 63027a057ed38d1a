"""The CI examples in docs/examples/ parse, name real scorekeeper options, and wire up what docs/ci.md says."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import yaml

from scorekeeper.cli.main import cli
from scorekeeper.config.model import load_config
from scorekeeper.reports import format_for

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def scorekeeper_lines(text: str) -> list[list[str]]:
    """Every ``scorekeeper ...`` command in a script, split as a shell would, redirections cut off."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("scorekeeper "):
            words = shlex.split(line.split(">>")[0])
            found.append(words[1:])
    return found


def check_command(args: list[str]) -> click.Context:
    """Parse ``args`` as the real CLI would, without running anything (a typo'd option fails here)."""
    name, rest = args[0], args[1:]
    with click.Context(cli) as parent:
        command = cli.get_command(parent, name)
        assert command is not None, f"scorekeeper has no command {name!r}"
        if isinstance(command, click.Group):
            sub = command.get_command(parent, rest[0])
            assert sub is not None, args
            return sub.make_context(rest[0], rest[1:], parent=parent)
        return command.make_context(name, rest, parent=parent)


def scripts(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [
            s
            for key, value in node.items()
            for s in (
                [value] if key in ("run", "script", "inlineScript") and isinstance(value, str) else scripts(value)
            )
        ]
    if isinstance(node, list):
        return [s for item in node for s in scripts(item)]
    return []


def test_github_workflow() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    assert workflow["permissions"]["id-token"] == "write" and workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["assess"]["steps"]
    login = next(s for s in steps if str(s.get("uses", "")).startswith("azure/login@"))
    assert set(login["with"]) >= {"client-id", "tenant-id"} and "client-secret" not in login["with"]
    commands = [c for script in scripts(steps) for c in scorekeeper_lines(script)]
    assert ["assess", "--group", "all"] in commands
    for args in commands:
        check_command(args)
    sarif_out = next(
        a[a.index("-o") + 1] for a in commands if "-o" in a and format_for(a[a.index("-o") + 1]) == "sarif"
    )
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif_out and upload.get("if") == "always()"
    assert any('>> "$GITHUB_STEP_SUMMARY"' in s and "--format md" in s for s in scripts(steps))


def test_azure_pipeline() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "azure-pipelines.yml").read_text())
    steps = pipeline["steps"]
    azure = next(s for s in steps if s.get("task") == "AzureCLI@2")
    assert "azureSubscription" in azure["inputs"]
    commands = [c for script in scripts(steps) for c in scorekeeper_lines(script)]
    for args in commands:
        check_command(args)
    junit_out = next(
        a[a.index("-o") + 1] for a in commands if "-o" in a and format_for(a[a.index("-o") + 1]) == "junit"
    )
    publish = next(s for s in steps if s.get("task") == "PublishTestResults@2")
    assert publish["inputs"]["testResultsFormat"] == "JUnit" and publish["inputs"]["testResultsFiles"] == junit_out
    assert publish["condition"] == "always()"
    assert any("##vso[task.uploadsummary]" in s for s in scripts(steps))


def test_example_config_is_valid(tmp_path: Path) -> None:
    config = load_config(EXAMPLES / "scorekeeper-ci.toml", data_dir=tmp_path)
    assert config.tenants["production"].auth == "azure-cli"
    assert config.select_tenants((), ("all",)) == ["production"]

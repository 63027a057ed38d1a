"""docs/simulator.md's profile reference is generated from the profile data and must match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.kit.profiledoc import END, START, main, render, replace_section
from scorekeeper.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR_MD = ROOT / "docs" / "simulator.md"


def test_docs_simulator_md_profile_reference_is_current() -> None:
    assert main(["--check", str(SIMULATOR_MD)]) == 0, "stale: run .venv/bin/python -m scorekeeper.kit.profiledoc"


def test_the_reference_lists_the_ids_a_built_tenant_really_has() -> None:
    text = render()
    sim = Simulator.from_profiles("hardened", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    section = text.split("### `hardened`")[1].split("### `")[0]
    assert f"`{sim.tenant_id}`" in section
    for user in state["users"]:
        assert f"`{user['id']}`" in section and user["userPrincipalName"] in section
    for policy in state["conditionalAccessPolicies"]:
        assert f"`{policy['id']}` | {policy['displayName']} | {policy['state']}" in section
    assert "Global Administrator" in section and "security defaults: off" in section


def test_check_mode_exits_1_on_a_stale_file_and_the_writer_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "simulator.md"
    doc.write_text(f"# Simulator\n\n{START}\nold\n{END}\n\nafter\n", encoding="utf-8")
    assert main(["--check", str(doc)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main([str(doc)]) == 0
    written = doc.read_text(encoding="utf-8")
    assert written.endswith("\n\nafter\n") and "\nold\n" not in written
    assert main(["--check", str(doc)]) == 0


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "absent.md")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_document_without_markers_gets_the_section_appended() -> None:
    assert replace_section("# Title\n", "SECTION").endswith("\n\nSECTION\n")

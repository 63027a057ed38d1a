"""docs/reference.md is generated from the code and must match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.kit.apidoc import main, render

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference.md"


def test_docs_reference_md_is_current() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(), (
        "docs/reference.md is stale: run .venv/bin/python -m scorekeeper.kit.apidoc > docs/reference.md"
    )


def test_every_public_module_and_name_is_documented() -> None:
    import scorekeeper
    import scorekeeper.simulator

    text = render()
    for module in ("scorekeeper", "scorekeeper.testing", "scorekeeper.simulator", "scorekeeper.reads"):
        assert f"## `{module}`" in text
    for name in (*scorekeeper.__all__, *scorekeeper.simulator.__all__):
        assert f"### `{name}" in text, name
    # simulated_tenant's arguments, and the fixtures, each explained
    for argument in ("roles", "portal", "desired", "tenant_id", "phase", "change_sink"):
        assert f"- `{argument}`:" in text
    assert "### `sk_engine(" in text and "SimulatedEngine" in text
    assert "0x" not in text, "a memory address would make the output differ from run to run"


def test_the_core_simulators_settable_state_paths_are_listed_per_endpoint() -> None:
    text = render()
    section = text[text.index("## The core simulator's endpoints") :]
    authz = section[section.index("### `PATCH /policies/authorizationPolicy`") :].split("\n### ")[0]
    assert "`authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned`" in authz
    assert "Policy.ReadWrite.Authorization" in authz
    assert "`conditionalAccessPolicies[id=…].state`" in section


def test_sk_engine_does_not_hand_out_the_internal_engine(sk_engine, sk_simulator) -> None:
    from scorekeeper.engine import Engine

    built = sk_engine({"contoso": sk_simulator("hardened")})
    assert not isinstance(built, Engine)
    assert not [name for name in vars(type(built)) if name in ("store", "config", "plugins")]


def test_check_mode_exits_1_on_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "reference.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err

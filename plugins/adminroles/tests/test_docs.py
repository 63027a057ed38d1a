"""Each control's page keeps up with its declaration: settings, levels, baselines, permissions, config keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper_adminroles.control import CONTROLS, AdminRolesConfig

DOCS = Path(__file__).resolve().parents[3] / "docs" / "controls"


@pytest.mark.parametrize("control_id", sorted(CONTROLS))
def test_every_setting_baseline_and_permission_is_documented(control_id: str) -> None:
    text = (DOCS / f"{control_id}.md").read_text(encoding="utf-8")
    assert "never" in text.lower()
    for setting in CONTROLS[control_id].settings:
        assert f"`{setting.id}`" in text, f"{control_id}: {setting.id} is not documented"
        assert not setting.write_api and not setting.write_permissions
        for reference in (*setting.baselines, *setting.read_permissions):
            assert reference in text, f"{control_id}.{setting.id}: {reference} is not documented"


def test_config_keys_are_documented() -> None:
    text = (DOCS / "OneAdmin.md").read_text(encoding="utf-8")
    assert [k for k in AdminRolesConfig.model_fields if f"`{k}`" not in text] == []

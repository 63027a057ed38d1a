"""The control's documentation keeps up with its declaration: settings, permissions, config keys."""

from __future__ import annotations

from pathlib import Path

from scorekeeper_integratedapps.control import SETTINGS, IntegratedAppsConfig

DOC = Path(__file__).resolve().parents[3] / "docs" / "controls" / "IntegratedApps.md"


def test_every_setting_permission_and_config_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.id}`" in text, f"{setting.id} is not documented"
        for permission in (*setting.read_permissions, *setting.write_permissions, *setting.directory_roles):
            assert permission in text, f"{setting.id}: {permission} is not documented"
    assert [k for k in IntegratedAppsConfig.model_fields if f"`{k}`" not in text] == []

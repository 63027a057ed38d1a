"""The control's documentation keeps up with its declaration: settings, permissions, config keys, profiles."""

from __future__ import annotations

from pathlib import Path

from scorekeeper_pwage.control import SETTINGS, PasswordAgeConfig
from scorekeeper_pwage.simulated import READ, WRITE
from scorekeeper_pwage.simulated_state import PROFILE_DOMAINS

DOC = Path(__file__).resolve().parents[3] / "docs" / "controls" / "PWAgePolicyNew.md"


def test_every_setting_and_permission_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.id}`" in text, f"{setting.id} is not documented"
        for permission in (*setting.read_permissions, *setting.write_permissions, *setting.directory_roles):
            assert permission in text, f"{setting.id}: {permission} is not documented"
    for permission in (*READ, *WRITE):
        assert permission in text, f"the simulator accepts {permission} but the docs do not say so"


def test_every_config_key_and_simulator_profile_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [k for k in PasswordAgeConfig.model_fields if f"`{k}`" not in text] == []
    assert [p for p in PROFILE_DOMAINS if f"`{p}`" not in text] == []

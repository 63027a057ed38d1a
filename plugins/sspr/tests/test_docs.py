"""The control's documentation keeps up with its catalogue: every setting, every permission."""

from __future__ import annotations

from pathlib import Path

from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.settings import SETTINGS

DOC = Path(__file__).resolve().parents[3] / "docs" / "controls" / "SelfServicePasswordReset.md"


def test_every_setting_is_documented_with_its_permissions() -> None:
    text = DOC.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.id}`" in text, f"{setting.id} is not documented"
        for permission in (*setting.read_permissions, *setting.write_permissions):
            assert permission in text, f"{setting.id}: permission {permission} is not documented"


def test_every_config_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [key for key in SsprConfig.model_fields if f"`{key}`" not in text]
    assert not missing, f"undocumented config keys: {missing}"

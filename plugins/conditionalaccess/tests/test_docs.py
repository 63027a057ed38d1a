"""Each control's docs page keeps up with its declaration: settings, permissions, config keys, template page."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.conditional_access import PolicyConfig
from scorekeeper_conditionalaccess.plugin import AdminMfa, BlockLegacy, MfaRegistration, SignInRisk, UserRisk

DOCS = Path(__file__).resolve().parents[3] / "docs" / "controls"


@pytest.mark.parametrize("controller", [AdminMfa(), BlockLegacy(), MfaRegistration(), SignInRisk(), UserRisk()])
def test_every_setting_permission_config_key_and_template_is_documented(controller: object) -> None:
    control = controller.control  # type: ignore[attr-defined]
    text = (DOCS / f"{control.id}.md").read_text(encoding="utf-8")
    for setting in control.settings:
        assert f"`{setting.id}`" in text, f"{control.id}: {setting.id} is not documented"
        for permission in (*setting.read_permissions, *setting.write_permissions):
            assert permission in text, f"{control.id}.{setting.id}: {permission} is not documented"
    assert [k for k in PolicyConfig.model_fields if f"`{k}`" not in text] == []
    assert controller.template.docs_url in text  # type: ignore[attr-defined]
    assert "What it never does" in text

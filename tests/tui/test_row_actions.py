"""Actions from the row: attest a guided setting, write a tenant's report — as the CLI does them."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.tui.screens.attest import AttestScreen
from scorekeeper.tui.screens.control import ControlScreen
from tests.tui.helpers import settle


async def test_t_attests_the_highlighted_guided_setting(make_app, store) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        await pilot.press("j", "j", "t")  # paperwork, the guided setting
        await pilot.pause()
        assert isinstance(app.screen, AttestScreen)
        await pilot.press(*"Ada", "enter", "enter")  # no note: nothing recorded, the dialog asks
        assert isinstance(app.screen, AttestScreen)
        assert "Both who and what" in str(app.screen.query_one("#attest-error").content)
        await pilot.press(*"CHG-1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        [attestation] = store.attestations("t1")
        assert (attestation.control, attestation.setting, attestation.by, attestation.note) == (
            "ToyControl",
            "paperwork",
            "Ada",
            "CHG-1",
        )


async def test_attesting_an_automated_setting_is_refused_with_the_command_that_fixes_it(make_app, store) -> None:
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")  # colour: automated
        await pilot.pause()
        assert isinstance(app.screen, ControlScreen)
        assert store.attestations("t1") == []
        assert any("scorekeeper remediate --tenant t1" in n.message for n in app._notifications)


async def test_R_writes_the_tenants_report_from_history(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await app.engine.assess(["t1"])
        await pilot.press("R")
        await settle(pilot)
        html = (tmp_path / "reports" / "t1.html").read_text()
        assert "<!doctype html>" in html and "Secure Score report — t1" in html

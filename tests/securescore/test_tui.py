"""The Secure Score screen over a simulated tenant with the shipped plugins, driven with Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.securescore import catalogue
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.securescore import SecureScoreScreen
from tests.tui.helpers import settle


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    config = parse_config({"tenants": {"lab": {"simulator": True, "profile": "weak-cloud"}}}, data_dir=tmp_path)
    plugins = load_plugins()
    if "SelfServicePasswordReset" not in plugins.controls:
        pytest.skip("the SSPR plugin is not installed")
    store = HistoryStore.open(str(tmp_path / "h.db"))
    built = Engine(config, plugins, store, tmp_path, simulators={"lab": Simulator.from_profiles("weak-cloud")})
    yield built
    store.close()


def _rows(screen: SecureScoreScreen) -> list[list[str]]:
    table = screen.query_one("#score-controls", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_first_assessment_shows_the_total_its_90_day_trend_and_every_control(engine: Any) -> None:
    await engine.assess(["lab"])
    app = ScorekeeperApp(engine, ["lab"])
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SecureScoreScreen)
        total = str(screen.query_one("#score-total", Static).render())
        assert "Secure Score 94.2/270" in total and "(90 days)" in total and "AllTenants avg 41.2" in total
        rows = _rows(screen)
        assert len(rows) == len(catalogue())
        assert rows[0][2] == "DLPEnabled" and rows[0][0] == "20"
        covered = {r[2]: r[5] for r in rows if r[5] != "—"}
        ca = ("AdminMFAV2", "MFARegistrationV2", "BlockLegacyAuthentication", "SigninRiskPolicy", "UserRiskPolicy")
        assert covered == {
            "SelfServicePasswordReset": "✔ sspr",
            "PWAgePolicyNew": "✔ pwage",
            "IntegratedApps": "✔ integratedapps",
            **dict.fromkeys(ca, "✔ conditionalaccess"),
            **dict.fromkeys(("OneAdmin", "ManyAdmins", "RoleOverlap"), "✔ adminroles"),
        }
        await pilot.press("c")  # covered only
        await settle(pilot)
        shown = [r[2] for r in _rows(screen)]
        assert sorted(shown) == sorted(covered) and shown[0] == "IntegratedApps"  # most points available first
        screen.query_one("#score-controls", DataTable).move_cursor(row=shown.index("SelfServicePasswordReset"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen) and app.screen.control_id == "SelfServicePasswordReset"


async def test_a_tenant_never_read_says_so_and_g_reads_it(engine: Any) -> None:
    app = ScorekeeperApp(engine, ["lab"])
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SecureScoreScreen)
        assert "No Secure Score of lab in history yet" in str(screen.query_one("#score-total", Static).render())
        await pilot.press("g")
        await settle(pilot)
        assert len(_rows(screen)) == len(catalogue())
        assert engine.simulators["lab"].writes() == []

"""Accepted-risk exceptions and Secure Score states from the row, and the coverage line — as the CLI does them.

An exception is an ``[[exceptions]]`` table appended to the config file (validated by the config's
own model, shown before it is written), after which the re-assessment marks the finding excepted.
A state goes through the engine's ``state_plans`` and ``remediate`` under the tenant's lease, with
the usual confirmation, against a simulated tenant; the Secure Score screen says the coverage in
``scorekeeper score``'s words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input

from scorekeeper.config.model import parse_config, parse_toml
from scorekeeper.domain.coverage import coverage_line
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from scorekeeper.tui.safe import SafeStatic
from scorekeeper.tui.screens.confirm import ConfirmScreen
from scorekeeper.tui.screens.control import ControlScreen
from scorekeeper.tui.screens.exception import ExceptionScreen
from scorekeeper.tui.screens.securescore import SecureScoreScreen
from scorekeeper.tui.screens.state import StateScreen
from tests.core import toy_plugins
from tests.tui.helpers import settle

CONFIG = """\
# the operator's own comment, kept
[tenants.t1]
auth = "static"
token = "not-a-secret"
graph_url = "http://127.0.0.1:9"
portal_url = "http://127.0.0.1:9/api"
"""


@pytest.fixture
def filed(store: HistoryStore, tmp_path: Path) -> tuple[ScorekeeperApp, Path]:
    """The toy control in tenant t1, configured from a file the dashboard may append to."""
    path = tmp_path / "scorekeeper.toml"
    path.write_text(CONFIG)
    config = parse_config(parse_toml(path.read_bytes(), path), path, data_dir=tmp_path)
    plugins = load_plugins([("toy", toy_plugins.GoodPlugin())])
    engine = Engine(config, plugins, store, tmp_path, today=lambda: date(2026, 1, 5))
    return ScorekeeperApp(engine, ["t1"]), path


def _error(app: ScorekeeperApp) -> str:
    return str(app.screen.query_one("#exception-error", SafeStatic).content)


async def test_e_appends_a_validated_exception_and_the_reassessment_marks_the_finding(filed, store) -> None:
    app, path = filed
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await app.engine.assess(["t1"])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        await pilot.press("e")  # colour, failing
        await pilot.pause()
        assert isinstance(app.screen, ExceptionScreen)

        await pilot.press(*"ok", "enter", *"2026-13-01", "enter")  # too short a reason, no such month
        assert "exception.reason" in _error(app) and "exception.expires" in _error(app)
        reason = app.screen.query_one("#exception-reason", Input)
        expires = app.screen.query_one("#exception-expires", Input)
        reason.value, expires.value = "Vendor needs red (RISK-7)", "2025-12-31"
        await pilot.press("enter")  # focus is on expires: submits
        assert "already past" in _error(app)

        expires.value = "2026-06-30"
        await pilot.press("enter")  # checked: the table is shown, nothing written yet
        await pilot.pause()
        assert "[[exceptions]]" in str(app.screen.query_one("#exception-preview", SafeStatic).content)
        assert path.read_text() == CONFIG
        await pilot.press("enter")  # append
        await settle(pilot)

        assert isinstance(app.screen, ControlScreen)
        text = path.read_text()
        assert text.startswith(CONFIG)  # comments and tables kept: only added to
        [rule] = tomllib.loads(text)["exceptions"]
        assert rule == {
            "tenant": "t1",
            "control": "ToyControl",
            "setting": "colour",
            "reason": "Vendor needs red (RISK-7)",
            "expires": date(2026, 6, 30),
        }
        # The re-assessment the dashboard started sees the rule: the finding is excepted, still failing.
        cell = store.control_cell("t1", "ToyControl")
        assert cell is not None
        colour = next(f for f in cell.result.findings if f.setting == "colour")
        assert colour.status.value == "fail"
        assert colour.excepted == "accepted risk until 2026-06-30: Vendor needs red (RISK-7)"
        first = app.screen.query_one("#settings", DataTable).get_row_at(0)
        assert "⚑" in str(first[0])

        await pilot.press("e")  # a second one for the same setting is refused: edit the file
        await pilot.pause()
        assert isinstance(app.screen, ControlScreen)
        assert any("already excepted until 2026-06-30" in n.message for n in app._notifications)


async def test_escape_in_the_exception_dialog_writes_nothing(filed) -> None:
    app, path = filed
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"Vendor needs red", "enter", *"2026-06-30", "enter")
        assert app.screen.query_one("#record", Button).label.plain == "Append"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ControlScreen)
        assert path.read_text() == CONFIG
        assert app.engine.config.exceptions == []


async def test_without_a_config_file_the_exception_is_refused_in_one_line(make_app) -> None:
    app = make_app()
    async with app.run_test(notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ControlScreen)
        assert any("--config FILE" in n.message for n in app._notifications)


# ---------------------------------------------------------------------- Secure Score (simulated tenant)


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Simulator]]:
    monkeypatch.delenv("SCOREKEEPER_LOAD_PLUGINS", raising=False)  # the shipped plugins
    config = parse_config({"tenants": {"lab": {"simulator": True, "profile": "weak-cloud"}}}, data_dir=tmp_path)
    plugins = load_plugins()
    if "SelfServicePasswordReset" not in plugins.controls:
        pytest.skip("the SSPR plugin is not installed")
    sim = Simulator.from_profiles("weak-cloud")
    store = HistoryStore.open(str(tmp_path / "h.db"))
    yield Engine(config, plugins, store, tmp_path, simulators={"lab": sim}), sim
    store.close()


def _state_of(sim: Simulator, control: str) -> tuple[str, str]:
    profile = next(p for p in sim.tenant(sim.tenant_id).state["secureScoreControlProfiles"] if p["id"] == control)
    last = profile["controlStateUpdates"][-1] if profile["controlStateUpdates"] else {}
    return last.get("state", "Default"), last.get("comment", "")


async def _score_screen(pilot, app: ScorekeeperApp) -> SecureScoreScreen:
    await settle(pilot)
    await app.engine.secure_score("lab")
    await pilot.press("s")
    await settle(pilot)
    assert isinstance(app.screen, SecureScoreScreen)
    return app.screen


async def test_secure_score_screen_says_the_coverage_as_score_does(lab) -> None:
    engine, _sim = lab
    app = ScorekeeperApp(engine, ["lab"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _score_screen(pilot, app)
        assert screen.overview is not None
        coverage = engine.score_coverage(screen.overview)
        line = coverage_line(coverage.totals)
        assert coverage.totals.covered > 0 and coverage.totals.automated > 0
        assert line in str(screen.query_one("#score-total", SafeStatic).content)
        table = screen.query_one("#score-controls", DataTable)
        rows = {str(table.get_row_at(i)[2]): [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}
        sspr = coverage.of("SelfServicePasswordReset")
        assert sspr is not None and sspr.remediation is not None
        want = {"automated": "auto", "guided": "guided", "assess-only": "read"}[sspr.remediation.value]
        assert rows["SelfServicePasswordReset"][6] == want
        assert rows["SelfServicePasswordReset"][5].startswith("✔ ")
        uncovered = next(r for r in rows.values() if r[5] == "—")
        assert uncovered[6] == "—"
        # At 120 columns every control id and plugin name is whole (at 80 they are cut with "…").
        for control in screen.rows:
            assert rows[control.id][2] == control.id
            if control.covered_by:
                assert rows[control.id][5] == f"✔ {control.covered_by}"


async def test_S_sets_a_controls_state_through_the_plan_confirmation_and_verify(lab) -> None:
    engine, sim = lab
    app = ScorekeeperApp(engine, ["lab"])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _score_screen(pilot, app)
        table = screen.query_one("#score-controls", DataTable)
        table.move_cursor(row=next(i for i, r in enumerate(screen.rows) if r.id == "DLPEnabled"))
        await pilot.pause()
        assert _state_of(sim, "DLPEnabled")[0] == "Default"
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, StateScreen)
        await pilot.press("tab", *"MSP-42", "enter", "enter")  # Default (as now) with a comment
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # declined: nothing written, the lease released
        await settle(pilot)
        assert isinstance(app.screen, SecureScoreScreen)
        assert not [r for r in sim.writes() if r.method == "PATCH"]
        assert engine.store.latest_run("lab", "remediate") is None

        await pilot.press("S")
        await pilot.pause()
        await pilot.press("down", "enter")  # Ignored
        await pilot.press("tab", "enter", "enter")  # no reason: the dialog asks
        assert isinstance(app.screen, StateScreen)
        assert "must say why" in str(app.screen.query_one("#state-error", SafeStatic).content)
        app.screen.query_one("#state-reason", Input).value = "Risk accepted (MSP-42)"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert not [r for r in sim.writes() if r.method == "PATCH"]  # nothing before the yes
        await pilot.press("y")
        await settle(pilot)

        assert _state_of(sim, "DLPEnabled") == ("Ignored", "Risk accepted (MSP-42)")
        latest = engine.store.latest_run("lab", "remediate")
        assert latest is not None
        run = engine.store.get_run(latest.id)
        assert run is not None and run.status == "completed"
        [change] = run.changes
        assert change.setting == "DLPEnabled" and change.before["state"] == "Default"
        # The screen read the Secure Score again: the row shows the new state.
        assert isinstance(app.screen, SecureScoreScreen)
        row = next(r for r in app.screen.rows if r.id == "DLPEnabled")
        assert row.state.state == "Ignored"

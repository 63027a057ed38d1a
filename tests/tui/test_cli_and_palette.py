"""``scorekeeper tui`` from the command line, and the actions in the command palette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from scorekeeper.cli.main import main
from scorekeeper.tui.app import ScorekeeperApp
from tests.tui.helpers import run_from_palette, settle

CONFIG = """
[tenants.t1]
auth = "static"
token = "not-a-secret"
graph_url = "http://127.0.0.1:9"
portal_url = "http://127.0.0.1:9/api"
"""


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCOREKEEPER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCOREKEEPER_CONFIG", raising=False)
    monkeypatch.delenv("SCOREKEEPER_DB", raising=False)
    path = tmp_path / "scorekeeper.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_unknown_tenant_is_a_one_line_usage_error(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config_file), "--db", str(config_file.parent / "h.db"), "tui", "--tenant", "nope"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert (
        err == "error: unknown tenant 'nope': none of the 1 configured tenant(s) is close (scorekeeper config show)\n"
    )


def test_command_opens_the_dashboard_on_the_named_tenant(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    async def look(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        table = pilot.app.screen.query_one("#overview", DataTable)
        seen["rows"] = [[str(c) for c in table.get_row_at(i)][:2] for i in range(table.row_count)]
        seen["summary"] = str(pilot.app.screen.query_one("#cell-summary").content)
        seen["tenants"] = pilot.app.tenants
        pilot.app.exit()

    original = ScorekeeperApp.run

    def run_headless(self: ScorekeeperApp, **kwargs: Any) -> Any:
        return original(self, headless=True, size=(80, 24), auto_pilot=look)

    monkeypatch.setattr(ScorekeeperApp, "run", run_headless)
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config_file), "--db", str(config_file.parent / "h.db"), "tui", "--tenant", "t1"])
    assert exit_info.value.code == 0, capsys.readouterr().err
    # SCOREKEEPER_LOAD_PLUGINS="" (conftest): no control is installed, so no row but the message
    assert seen["tenants"] == ["t1"]
    assert seen["rows"] == []
    assert seen["summary"].startswith("No control to show: install a control plugin")


async def test_palette_runs_an_assessment_for_a_named_tenant(make_app: Any, store: Any) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "Assess t2")
        assert [(r.tenant, r.kind, r.status) for r in store.runs()] == [("t2", "assess", "completed")]


async def test_palette_assesses_a_group(make_engine: Any, store: Any) -> None:
    from scorekeeper.tui.app import ScorekeeperApp

    engine = make_engine(None, ("t1", "t2", "t3"), groups={"emea": {"tenants": ["t1", "t3"]}})
    app = ScorekeeperApp(engine, ["t1", "t2", "t3"])
    async with app.run_test() as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "Assess group emea")
        assert sorted(r.tenant for r in store.runs()) == ["t1", "t3"]

"""The exception and Secure Score state dialogs at 80×24 and 120×40: every line of the form readable.

The exception dialog is shown checked (the ``[[exceptions]]`` table it will append on screen),
the state dialog as it opens from the control view; both over the toy control, so the
snapshots are the same on every run (the config file is named relative to the working directory).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.config.model import parse_config, parse_toml
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.store import HistoryStore
from scorekeeper.tui.app import ScorekeeperApp
from tests.core import toy_plugins
from tests.tui.test_exception_and_state import CONFIG
from tests.tui.test_snapshots import keys

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}


@pytest.fixture
def app(store: HistoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScorekeeperApp:
    monkeypatch.chdir(tmp_path)
    path = Path("scorekeeper.toml")
    path.write_text(CONFIG)
    config = parse_config(parse_toml(path.read_bytes(), path), path, data_dir=tmp_path)
    plugins = load_plugins([("toy", toy_plugins.GoodPlugin())])
    engine = Engine(config, plugins, store, tmp_path, today=lambda: date(2026, 1, 5))
    return ScorekeeperApp(engine, ["t1"])


@pytest.mark.parametrize("size", SIZES)
def test_exception_dialog_sizes(snap_compare: Any, app: ScorekeeperApp, size: str) -> None:
    typed = ["enter", "e", *"Vendor needs red until the rebrand (RISK-7)", "enter", *"2026-06-30", "enter"]
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys(*typed))


@pytest.mark.parametrize("size", SIZES)
def test_state_dialog_sizes(snap_compare: Any, app: ScorekeeperApp, size: str) -> None:
    assert snap_compare(app, terminal_size=SIZES[size], run_before=keys("enter", "S", "down", "enter"))

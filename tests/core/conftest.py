from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.plugin.manager import load_plugins
from tests.core import toy_plugins

LOOPBACK = {
    "auth": "static",
    "token": "not-a-secret",
    "graph_url": "http://127.0.0.1:9",
    "portal_url": "http://127.0.0.1:9/api",
}


@pytest.fixture(autouse=True)
def fresh_toy_tenants(monkeypatch: pytest.MonkeyPatch) -> None:
    toy_plugins.TENANTS.clear()
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "")  # only the toy plugins, not what is installed


@pytest.fixture
def toy_engine(sk_store: Any, tmp_path: Path):
    def build(*extra: tuple[str, object], tenants: tuple[str, ...] = ("t1",), **sections: Any) -> Engine:
        data = {"tenants": {name: dict(LOOPBACK) for name in tenants}, **sections}
        config = parse_config(data, None, data_dir=tmp_path)
        plugins = load_plugins(extra or [("toy", toy_plugins.GoodPlugin())])
        return Engine(config, plugins, sk_store, tmp_path)

    return build


@pytest.fixture
def sk_store(history_store: Any) -> Any:
    """Every test here runs on SQLite and on PostgreSQL (see ``history_store`` in tests/conftest.py)."""
    return history_store

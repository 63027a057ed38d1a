"""The writer lease belongs to the tenant (its directory), not to the name a config gives it.

The same tenant id under two config names used to get two concurrent writers and duplicated
objects (0 of 2 held in the trial): the lease was keyed by the name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scorekeeper.config.model import parse_config
from scorekeeper.engine import Engine
from scorekeeper.errors import LeaseHeld
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.safety.lease import lease_key
from scorekeeper.store import HistoryStore
from tests.core import toy_plugins

DIRECTORY = "6F1C2A3B-0000-4000-8000-000000000001"
LOOPBACK = {
    "auth": "static",
    "token": "not-a-secret",
    "graph_url": "http://127.0.0.1:9",
    "portal_url": "http://127.0.0.1:9/api",
}


def engine(store: Any, tmp_path: Path, tenants: dict[str, str]) -> Engine:
    data = {"tenants": {name: {**LOOPBACK, "tenant_id": tid} for name, tid in tenants.items()}}
    config = parse_config(data, None, data_dir=tmp_path)
    return Engine(config, load_plugins([("toy", toy_plugins.GoodPlugin())]), store, tmp_path)


def test_the_key_is_the_directory_not_the_name() -> None:
    assert lease_key("contoso", DIRECTORY, "https://graph.microsoft.com") == f"graph.microsoft.com/{DIRECTORY.lower()}"
    assert lease_key("contoso-eu", DIRECTORY.lower(), "https://graph.microsoft.com/") == lease_key(
        "contoso", DIRECTORY, "https://graph.microsoft.com"
    )
    assert lease_key("contoso", DIRECTORY, "https://graph.microsoft.us") != lease_key(
        "contoso", DIRECTORY, "https://graph.microsoft.com"
    )  # another cloud, another directory
    assert lease_key("lab", "", "http://127.0.0.1:9") == "lab"  # no tenant id configured: the name


def test_one_tenant_under_two_names_has_one_writer(tmp_path: Path) -> None:
    path = str(tmp_path / "history.db")
    first, second = HistoryStore.open(path), HistoryStore.open(path)  # two processes' stores
    try:
        names = {"contoso": DIRECTORY, "contoso-again": DIRECTORY.lower()}
        other = engine(second, tmp_path, names)

        def second_writer() -> None:
            with other.changing("contoso-again", "remediate"):
                pass

        held = pytest.raises(LeaseHeld, match="tenant contoso-again is being changed by remediate")
        with engine(first, tmp_path, names).changing("contoso", "remediate"), held:
            second_writer()
        second_writer()  # free again once the first writer is done
    finally:
        first.close()
        second.close()


def test_two_directories_have_two_writers(tmp_path: Path) -> None:
    path = str(tmp_path / "history.db")
    first, second = HistoryStore.open(path), HistoryStore.open(path)
    try:
        names = {"contoso": DIRECTORY, "fabrikam": "6f1c2a3b-0000-4000-8000-000000000002"}
        with engine(first, tmp_path, names).changing("contoso"), engine(second, tmp_path, names).changing("fabrikam"):
            pass
    finally:
        first.close()
        second.close()

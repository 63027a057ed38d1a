"""Runs record the scorekeeper and plugin versions they used (migration 0007), in the run's one write."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from scorekeeper import __version__
from scorekeeper.domain.model import ControlResult, Finding, Status
from scorekeeper.engine.versions import run_versions
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import resolve_url
from scorekeeper.testing import make_engine, simulator_for

C = "SelfServicePasswordReset"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return resolve_url(tmp_path / "history.db")
    return str(request.getfixturevalue("postgres_server").create_database())


def test_record_run_stores_versions_and_get_run_reads_them(url: str) -> None:
    finding = Finding(control=C, setting="enabled", status=Status.PASS, current=True, desired=True)
    with HistoryStore.open(url) as store:
        old = store.start_run("t", "assess", controls=[C])
        store.record_run(old, [ControlResult(C, "SSPR", (finding,))])  # as before 0007: nothing recorded
        new = store.start_run("t", "assess", controls=[C])
        store.record_run(new, [ControlResult(C, "SSPR", (finding,))], versions={"scorekeeper": "1.2.3", "d": "4"})
        old_run, new_run = store.get_run(old), store.get_run(new)
        assert old_run is not None and old_run.versions is None
        assert new_run is not None and new_run.versions == {"scorekeeper": "1.2.3", "d": "4"}
        assert store.runs_by_id([new])[new].versions == {"scorekeeper": "1.2.3", "d": "4"}


def test_versions_name_scorekeeper_and_each_loaded_distribution() -> None:
    plugins = load_plugins()
    versions = run_versions(plugins)
    assert versions["scorekeeper"] == __version__
    for info in plugins.info():
        if info.distribution:
            assert versions[info.distribution] == info.version, info.name


def test_an_engine_run_records_the_versions_it_used(tmp_path: Path) -> None:
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        engine = make_engine({"contoso": simulator_for("weak-cloud")}, store, tmp_path)
        (run,) = asyncio.run(engine.assess(["contoso"]))
        assert run.versions == run_versions(engine.plugins)
        stored = store.get_run(run.run_id)
        assert stored is not None and stored.versions == run.versions
        assert stored.versions["scorekeeper"] == __version__ and "scorekeeper-m365-sspr" in stored.versions

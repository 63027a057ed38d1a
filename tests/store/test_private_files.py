"""History (with its WAL and shared-memory files) and simulator state are created readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from scorekeeper.simulator import Simulator
from scorekeeper.store import HistoryStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual 022: without care, files would be world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_history_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "nested" / "history.db"
    with HistoryStore.open(str(db)) as store:
        store.finish_run(store.start_run("contoso", "assess", controls=["X"]))
        for path in (db, db.with_name("history.db-wal"), db.with_name("history.db-shm")):
            assert path.exists(), path
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700  # the folders it made


def test_an_sqlite_url_is_created_owner_only_too(tmp_path: Path) -> None:
    db = tmp_path / "url" / "h.db"
    HistoryStore.open(f"sqlite:///{db}").close()
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700


def test_an_existing_database_keeps_the_mode_its_owner_chose(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    HistoryStore.open(str(db)).close()
    db.chmod(0o640)  # deliberately group-readable
    HistoryStore.open(str(db)).close()
    assert _mode(db) == 0o640


def test_simulator_state_and_its_new_folder_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "new" / "sim.json"
    Simulator.from_profiles("weak-cloud", extensions=[]).save(state)
    assert _mode(state) == 0o600 and _mode(state.parent) == 0o700

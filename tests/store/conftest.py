"""Fixtures for the history store tests: a freshly migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scorekeeper.store import HistoryStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore.open(str(db_path))
    yield store
    store.close()

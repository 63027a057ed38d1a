"""Fixtures for the history store tests: a freshly migrated database per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorekeeper.store import HistoryStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.db"


@pytest.fixture
def store(history_store: HistoryStore) -> HistoryStore:
    """A migrated history on SQLite and on PostgreSQL (tests/conftest.py); ``db_path`` stays SQLite."""
    return history_store


@pytest.fixture
def sk_store(history_store: HistoryStore) -> HistoryStore:
    return history_store

"""A history file that exists but holds no history is refused, never silently replaced by a new one.

SQLite takes a 0-byte file for a new, empty database: a history truncated by a full disk or a
mistaken copy would quietly become a new history, and the before-values that rollback needs would
be gone without a word. Opening it is refused with one line naming the file and what to do, and
the file is left as it was; a missing file is still created on first use.
"""

from __future__ import annotations

import argparse
import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.util import CommandError

from alembic import command
from scorekeeper.store import HistoryStore, StoreError

ROOT = Path(__file__).resolve().parents[2]


def _refusal(path: Path) -> str:
    with pytest.raises(StoreError) as refused:
        HistoryStore.open(str(path))
    message = str(refused.value)
    assert "\n" not in message and str(path) in message
    return message


def test_an_empty_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    db.touch()

    message = _refusal(db)

    assert "empty file (0 bytes)" in message and "will not start a new history" in message
    assert "restore the file from a backup, or delete it" in message
    assert db.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.db"]  # no -wal, no -shm, no temporary file


def test_an_empty_file_named_by_url_is_refused_too(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    db.touch()
    with pytest.raises(StoreError, match="empty file"):
        HistoryStore.open(f"sqlite:///{db}")
    assert db.stat().st_size == 0


def test_a_file_that_is_not_an_sqlite_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    db.write_text("runs,findings\n1,2\n")

    message = _refusal(db)

    assert "not an SQLite database" in message and "--db" in message
    assert db.read_text() == "runs,findings\n1,2\n"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "history.db"
    folder.mkdir()
    assert "is a folder" in _refusal(folder)


def test_an_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "history.db"
    HistoryStore.open(str(db)).close()
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == db:  # what a mode-0 file owned by another account answers (root reads anything)
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    message = _refusal(db)
    assert "cannot read the history database" in message and "Permission denied" in message


def test_a_missing_file_is_still_created_whole_and_private(tmp_path: Path) -> None:
    db = tmp_path / "new" / "history.db"
    with HistoryStore.open(str(db)) as store:
        store.finish_run(store.start_run("contoso", "assess", controls=["X"]))
    assert db.read_bytes()[:16] == b"SQLite format 3\x00"
    assert db.stat().st_mode & 0o777 == 0o600
    assert not [p.name for p in db.parent.iterdir() if p.name.endswith(".new")]  # the temporary file is gone
    with HistoryStore.open(str(db)) as store:  # and it opens again as the same history
        assert store.latest_run("contoso") is not None


def test_the_cli_says_it_in_one_line(run: Callable, home: Path) -> None:
    db = home / "history.db"
    db.touch()
    result = run("--db", str(db), "history")
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "empty file (0 bytes)" in lines[0] and str(db) in lines[0]
    assert db.stat().st_size == 0


def test_alembic_by_hand_refuses_it_too(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    db.touch()
    config = Config(str(ROOT / "alembic.ini"), cmd_opts=argparse.Namespace(x=[f"db={db}"]))
    with pytest.raises(CommandError, match="empty file"):
        command.upgrade(config, "head")
    assert db.stat().st_size == 0

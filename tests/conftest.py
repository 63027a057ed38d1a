from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new user's machine: empty data dir, no config, no database, cwd in a temp folder."""
    for name in ("SCOREKEEPER_CONFIG", "SCOREKEEPER_DB", "SCOREKEEPER_LOAD_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCOREKEEPER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def no_read_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the count of ``graph/retry.py``'s read retries, drop their waits (0.5 s, then 2 s).

    Toy tenants point at a closed loopback port (127.0.0.1:9): every assess reads the Secure
    Score and the organisation beside the controls, got no answer, and slept 2.5 s before giving
    up — in about a hundred tests, minutes of the suite spent asleep. Every attempt still happens
    and still fails the same way; ``tests/core/test_read_retries.py`` does the same for its own.
    """
    from scorekeeper.graph import retry

    monkeypatch.setattr(retry, "READ_RETRY_DELAYS", (0.0,) * len(retry.READ_RETRY_DELAYS))


@pytest.fixture
def run(home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in-process as a user would type it; returns exit code and output."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # main() always exits
            code = -1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


# --------------------------------------------------------------------------- history backends
#: The one database the PostgreSQL runs share: migrated once per session, emptied before each test.
PG_HISTORY_DB = "history"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A PostgreSQL server of the session's own (see :mod:`tests.support.pgserver`), with the history migrated.

    Installed from Debian's ``postgresql`` package when missing. It is never skipped in CI
    (``CI`` set): there, a server that cannot start fails the tests that need it. Elsewhere a
    machine without PostgreSQL and without root skips them with the reason.
    """
    from scorekeeper.store import HistoryStore
    from tests.support.pgserver import PostgresServer, PostgresUnavailable

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    try:
        HistoryStore.open(server.create_database(PG_HISTORY_DB)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The history database of one test, once on SQLite (a file) and once on PostgreSQL (emptied)."""
    if request.param == "sqlite":
        return str(tmp_path / "history.db")
    server = request.getfixturevalue("postgres_server")
    server.empty_database(PG_HISTORY_DB)
    return str(server.url_of(PG_HISTORY_DB))


@pytest.fixture
def history_store(history_url: str) -> Iterator[Any]:
    """A migrated history store on each backend; the history, engine and scheduler tests use it as ``sk_store``."""
    from scorekeeper.store import HistoryStore

    store = HistoryStore.open(history_url)
    yield store
    store.close()

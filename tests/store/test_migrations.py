"""The schema comes only from Alembic, matches the models, and is never silently downgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Index, MetaData, Table
from sqlmodel import SQLModel

import scorekeeper.store.tables  # noqa: F401  (fills SQLModel.metadata)
from alembic import command
from scorekeeper.store import HistoryStore, StoreError
from scorekeeper.store.db import alembic_config, create_store_engine, migrate, resolve_url, script_location

from .helpers import release_all, result, spawn, wait_ready

HEAD = "0013"


def _diff(db_path: Path, metadata: MetaData) -> list[object]:
    engine = create_store_engine(resolve_url(db_path))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_scripts_are_found_in_the_repository() -> None:
    location = script_location()
    assert location.name == "alembic"
    assert (location / "env.py").is_file()
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD]


def test_the_fast_path_knows_the_newest_migration() -> None:
    """Opening a database at head skips Alembic; that shortcut must name the real head."""
    from scorekeeper.store.db import SCHEMA_HEAD

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [SCHEMA_HEAD]


def test_empty_database_upgrades_to_head_matching_the_models(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()

    assert _diff(db_path, SQLModel.metadata) == []
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"tenants", "runs", "findings", "changes", "score_snapshots", "attestations", "drift_events"} <= tables


def test_comparison_would_notice_a_model_without_migration(db_path: Path) -> None:
    """Guards the guard: an index the migrations do not create shows up as a difference."""
    HistoryStore.open(str(db_path)).close()
    metadata = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    runs: Table = metadata.tables["runs"]
    Index("ix_runs_kind_only", runs.c.kind)

    diff = _diff(db_path, metadata)

    assert [(d[0], d[1].name) for d in diff] == [("add_index", "ix_runs_kind_only")]  # type: ignore[index]


def test_reopening_a_migrated_database_is_a_no_op(db_path: Path) -> None:
    with HistoryStore.open(str(db_path)) as store:
        run_id = store.start_run("contoso", "assess", controls=[])
    with HistoryStore.open(str(db_path)) as store:
        assert store.latest_run("contoso") is not None
        assert store.latest_run("contoso").id == run_id  # type: ignore[union-attr]


def test_downgrade_to_base_and_back(db_path: Path) -> None:
    engine = create_store_engine(resolve_url(db_path))
    try:
        migrate(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with sqlite3.connect(db_path) as raw:
            left = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert left == {"alembic_version"}
        migrate(engine)
    finally:
        engine.dispose()
    assert _diff(db_path, SQLModel.metadata) == []


def test_database_from_a_newer_scorekeeper_is_refused(db_path: Path) -> None:
    HistoryStore.open(str(db_path)).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '0042_from_the_future'")

    with pytest.raises(StoreError) as refused:
        HistoryStore.open(str(db_path))

    message = str(refused.value)
    assert "0042_from_the_future" in message
    assert HEAD in message
    assert "newer" in message
    with sqlite3.connect(db_path) as raw:  # and it was left exactly as it was
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0042_from_the_future",)]


def test_database_url_password_never_appears_in_errors() -> None:
    with pytest.raises(StoreError) as refused:
        HistoryStore.open("postgresql+nosuchdriver://admin:s3cret-pw@db.example/history")
    assert "s3cret-pw" not in str(refused.value)


def test_sqlite_connections_are_tuned(db_path: Path) -> None:
    with HistoryStore.open(str(db_path)) as store, store._engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000, "synchronous": 1}


def test_default_location_is_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = resolve_url(None)
    assert url == f"sqlite:///{tmp_path / 'xdg' / 'scorekeeper' / 'history.db'}"
    assert (tmp_path / "xdg" / "scorekeeper").is_dir()


def test_paths_and_urls_are_both_accepted(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "h.db"
    assert resolve_url(str(nested)) == f"sqlite:///{nested}"
    assert nested.parent.is_dir()
    assert resolve_url(f"sqlite:///{tmp_path / 'c' / 'h.db'}") == f"sqlite:///{tmp_path / 'c' / 'h.db'}"
    assert (tmp_path / "c").is_dir()


def test_in_memory_database_works() -> None:
    with HistoryStore.open("sqlite://") as store:
        run_id = store.start_run("contoso", "assess", controls=["c"])
        assert store.get_run(run_id) is not None


def test_concurrent_first_opens_migrate_once(db_path: Path) -> None:
    """Four processes open one fresh file at the same moment; all succeed and it is migrated once."""
    workers = [spawn("migrate", str(db_path)) for _ in range(4)]
    for worker in workers:
        wait_ready(worker)
    release_all(workers)

    assert [result(w) for w in workers] == [{"opened": True}] * 4
    assert _diff(db_path, SQLModel.metadata) == []
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def _diff_url(url: str, metadata: MetaData) -> list[object]:
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_postgresql_upgrades_to_the_models_and_downgrades_to_base(postgres_server: Any) -> None:
    """The same migrations on PostgreSQL: an empty database reaches the models, and goes back down."""
    url = postgres_server.create_database()
    HistoryStore.open(url).close()
    assert _diff_url(url, SQLModel.metadata) == []

    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            left = connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        assert {name for (name,) in left} == {"alembic_version"}
        migrate(engine)
    finally:
        engine.dispose()
    assert _diff_url(url, SQLModel.metadata) == []


def test_a_database_that_cannot_be_migrated_is_named_in_one_line(tmp_path: Path) -> None:
    """A half-migrated file (a table exists that its revision does not know) fails on one line."""
    from scorekeeper.store.db import open_engine

    path = tmp_path / "history.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('0001')")
        db.execute("CREATE TABLE schedules (id INTEGER PRIMARY KEY)")  # 0002 creates it
    with pytest.raises(StoreError) as caught:
        open_engine(path)
    message = str(caught.value)
    assert "\n" not in message and "already exists" in message and "CREATE TABLE" not in message

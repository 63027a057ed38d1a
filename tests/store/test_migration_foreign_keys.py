"""SQLite's table rebuilds never cascade into history, however Alembic is run.

Migrations 0003 and 0004 rebuild ``runs`` on SQLite (copy, drop, rename). With foreign keys on,
dropping the old ``runs`` deleted every finding, change and control result (``ON DELETE
CASCADE``) and emptied every ``SET NULL`` link — which is what ``alembic -x db=... downgrade``
did, because ``env.py`` opened the database with the application's settings (foreign keys on).
``env.py`` now switches them off outside the transaction as Alembic's batch documentation says;
a connection handed over inside a transaction with foreign keys on, where that cannot be done, is
refused before any row goes. The full round trips of every revision are in
``test_migration_round_trips.py``; these are the ways in.
"""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.config import Config

from alembic import command
from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, Status
from scorekeeper.scheduler.store import ScheduleStore
from scorekeeper.store import HistoryStore, StoreError
from scorekeeper.store.db import SCHEMA_HEAD, alembic_config, create_store_engine, resolve_url

ROOT = Path(__file__).resolve().parents[2]
C = "SelfServicePasswordReset"
#: What a cascade or a SET NULL would take: rows hanging off runs, and the links between them.
CHECKS = {
    "runs": "SELECT count(*) FROM runs",
    "findings": "SELECT count(*) FROM findings",
    "changes": "SELECT count(*) FROM changes",
    "control_results": "SELECT count(*) FROM control_results",
    "runs with a parent": "SELECT count(*) FROM runs WHERE parent_run_id IS NOT NULL",
    "changes rolled back": "SELECT count(*) FROM changes WHERE rolled_back_by_run_id IS NOT NULL",
    "schedules with a last run": "SELECT count(*) FROM schedules WHERE last_run_id IS NOT NULL",
}


def _fill(db: Path) -> dict[str, int]:
    with HistoryStore.open(str(db)) as store:
        for n in range(3):
            run = store.start_run("contoso", "assess", controls=[C])
            findings = (
                Finding(C, "enabled", Status.FAIL, current=False, desired=True),
                Finding(C, "n", Status.PASS, n),
            )
            store.record_run(run, [ControlResult(C, "SSPR", findings)])
        fix = store.start_run("contoso", "remediate", controls=[C])
        change = Change(setting="enabled", before=False, after=True, outcome=Outcome.APPLIED)
        change = replace(change, id=store.change_started(fix, C, change))
        store.change_finished(change)
        store.record_run(fix, [ControlResult(C, "SSPR", ())])
        back = store.start_run("contoso", "rollback", controls=[C], parent_run_id=fix)
        assert change.id is not None
        store.mark_rolled_back([change.id], back)
        store.finish_run(back)
        schedules = ScheduleStore(store)
        schedules.record_fire(schedules.add("contoso", cron="0 6 * * *").id, status="completed", run_id=fix)
    return _read(db)


def _read(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as raw:
        return {name: raw.execute(sql).fetchone()[0] for name, sql in CHECKS.items()}


def _revision(db: Path) -> str:
    with sqlite3.connect(db) as raw:
        return str(raw.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_the_alembic_command_line_keeps_every_row_down_and_up(tmp_path: Path) -> None:
    """The issue's own steps: ``alembic -x db=... downgrade 0003`` then ``upgrade head``, as an admin types them."""
    db = tmp_path / "history.db"
    before = _fill(db)
    assert all(before.values()), before
    alembic = [str(Path(sys.executable).with_name("alembic")), "-x", f"db={db}"]

    for step in (["downgrade", "0003"], ["upgrade", "head"]):
        done = subprocess.run([*alembic, *step], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _read(db) == before, step

    assert _revision(db) == SCHEMA_HEAD
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []


def test_migrating_on_open_from_an_old_revision_keeps_every_row(tmp_path: Path) -> None:
    """``alembic downgrade 0002`` by hand, then the next scorekeeper command upgrades on open (0004 rebuilds runs)."""
    db = tmp_path / "history.db"
    before = _fill(db)
    engine = create_store_engine(resolve_url(db))
    try:
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0002")
            connection.commit()
    finally:
        engine.dispose()
    assert _revision(db) == "0002" and _read(db) == before

    HistoryStore.open(str(db)).close()

    assert _revision(db) == SCHEMA_HEAD and _read(db) == before


def test_a_connection_with_foreign_keys_on_outside_a_transaction_gets_them_off_and_back_on(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    before = _fill(db)
    engine = create_store_engine(resolve_url(db))
    try:
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0002")
            command.upgrade(alembic_config(connection), "head")
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            connection.commit()
    finally:
        engine.dispose()
    assert _revision(db) == SCHEMA_HEAD and _read(db) == before


def test_a_transaction_with_foreign_keys_on_is_refused_before_any_row_goes(tmp_path: Path) -> None:
    """Inside a caller's transaction the pragma cannot change: the rebuild's DROP TABLE is stopped instead."""
    db = tmp_path / "history.db"
    before = _fill(db)
    engine = create_store_engine(resolve_url(db))
    try:
        with pytest.raises(StoreError) as refused, engine.begin() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            command.downgrade(alembic_config(connection), "0003")
    finally:
        engine.dispose()
    message = str(refused.value)
    assert "\n" not in message
    assert "refusing to drop table runs with SQLite foreign keys on" in message
    assert "in findings.run_id" in message and "in changes.run_id" in message
    assert _revision(db) == SCHEMA_HEAD and _read(db) == before  # the caller's transaction rolled it all back


def test_the_offline_script_for_sqlite_switches_foreign_keys_off_around_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``alembic upgrade ... --sql``: the printed script must not cascade when someone runs it either."""
    monkeypatch.setenv("SCOREKEEPER_DB", str(tmp_path / "offline.db"))
    out = io.StringIO()
    command.upgrade(Config(str(ROOT / "alembic.ini"), output_buffer=out), "0002", sql=True)
    script = out.getvalue()
    assert script.index("PRAGMA foreign_keys = OFF") < script.index("CREATE TABLE")
    assert script.rstrip().endswith("PRAGMA foreign_keys = ON;")
    assert not (tmp_path / "offline.db").exists()  # printing the script touches no database

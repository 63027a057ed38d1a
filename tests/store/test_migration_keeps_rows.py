"""Going down a migration and back up loses no history row (runs, findings, changes and the rest).

A migration that rebuilds ``runs`` on SQLite (``batch_alter_table``: copy, drop, rename) with
foreign keys on cascades the drop into every child table, so a downgrade would silently empty
``findings`` and ``changes``. The downgrade is run here both ways it is run in practice: through
``HistoryStore``'s migration connection (foreign keys off) and as ``alembic downgrade`` with the
application's engine (foreign keys on, as ``alembic -x db=...`` opens it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from alembic import command
from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, SecureScore, Status
from scorekeeper.store import HistoryStore
from scorekeeper.store.db import SCHEMA_HEAD, alembic_config, create_store_engine, migration_connection, resolve_url

C = "SelfServicePasswordReset"
#: Every table whose rows hang off ``runs`` (directly or through a foreign key), and ``runs``.
TABLES = ("runs", "findings", "finding_bodies", "changes", "control_results", "latest_results", "score_snapshots")


def _fill(db_path: Path) -> None:
    with HistoryStore.open(str(db_path)) as store:
        for n in range(3):
            run = store.start_run("contoso", "assess", controls=[C])
            findings = (
                Finding(control=C, setting="enabled", status=Status.FAIL, current=False, desired=True),
                Finding(control=C, setting="methods", status=Status.PASS, current=[n], desired=[n]),
            )
            score = SecureScore(control=C, score=float(n), max_score=8.0)
            store.record_run(run, [ControlResult(C, "SSPR", findings, score=score)], versions={"scorekeeper": "1"})
        fix = store.start_run("contoso", "remediate", controls=[C])
        change = Change(setting="enabled", before=False, after=True, outcome=Outcome.APPLIED)
        change = replace(change, id=store.change_started(fix, C, change))
        store.change_finished(change)
        store.record_run(fix, [ControlResult(C, "SSPR", ())])


def _read_back(db_path: Path) -> dict[int, tuple[object, ...]]:
    """Each run's findings and changes as the store reads them (the downgraded columns themselves go)."""
    with HistoryStore.open(str(db_path)) as store:
        out: dict[int, tuple[object, ...]] = {}
        for summary in store.runs("contoso", limit=10):
            run = store.get_run(summary.id)
            assert run is not None
            out[summary.id] = (run.kind, run.status, run.findings, store.changes_for_run(summary.id))
        return out


def _counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as raw:
        return {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _previous() -> str:
    return f"{int(SCHEMA_HEAD) - 1:04d}"


#: Down to the migration before head, and to 0006, below the ones that add columns to ``runs``
#: (0007 versions, 0008 organisation names) and every later one.
TARGETS = [_previous(), "0006"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("foreign_keys", ["off (HistoryStore)", "on (alembic -x db=...)"])
def test_head_down_and_up_again_keeps_every_row(db_path: Path, foreign_keys: str, target: str) -> None:
    _fill(db_path)
    before, read = _counts(db_path), _read_back(db_path)
    assert before["runs"] == 4 and before["findings"] == 6 and before["changes"] == 1

    engine = create_store_engine(resolve_url(db_path))
    try:
        down: Any
        if foreign_keys.startswith("off"):
            down = migration_connection(engine)
        else:
            down = engine.begin()
            with down as connection:  # the application's engine switches foreign keys on
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            down = engine.begin()
        with down as connection:
            command.downgrade(alembic_config(connection), target)
        with sqlite3.connect(db_path) as raw:
            assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(target,)]
        assert _counts(db_path) == before
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()
    assert _counts(db_path) == before
    assert _read_back(db_path) == read  # and they read back as they were

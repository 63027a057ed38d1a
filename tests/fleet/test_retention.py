"""Retention: ``HistoryStore.prune`` and ``scorekeeper history prune`` keep what rollback and the dashboard need."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from scorekeeper.cli.main import cli, main
from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, SecureScore, Status
from scorekeeper.store import HistoryStore


def _assess(store: HistoryStore, status: Status, day: int, score: float) -> int:
    run_id = store.start_run("t", "assess", controls=["A"])
    finding = Finding(control="A", setting="s", status=status, current=day)
    result = ControlResult("A", "A", (finding,), score=SecureScore("A", score, 2.0))
    store.record_run(run_id, [result], detect_drift=True)
    return run_id


def _count(store: HistoryStore, table: str) -> int:
    engine = sa.create_engine(store._engine.url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_prune_keeps_the_newest_assessment_and_every_remediation(tmp_path: Path) -> None:
    with HistoryStore.open(str(tmp_path / "h.db")) as store:
        old = _assess(store, Status.PASS, 1, 2.0)
        fix = store.start_run("t", "remediate", controls=["A"])
        change = Change(setting="s", before=1, after=2, outcome=Outcome.APPLIED)
        store.record_run(fix, [ControlResult("A", "A", (), changes=(change,))])
        newest = _assess(store, Status.FAIL, 2, 1.0)
        assert {e.previous_run_id for e in store.drift_events()} == {old}
        overview = store.overview()
        later = store.get_run(newest)

        dry = store.prune(1, dry_run=True, now=later.started_at + timedelta(days=10))  # type: ignore[union-attr]
        assert (dry.runs, dry.findings) == (1, 1) and store.get_run(old) is not None
        done = store.prune(1, now=later.started_at + timedelta(days=10))  # type: ignore[union-attr]

        assert (done.runs, done.findings, done.bodies) == (1, 1, 1)
        assert store.get_run(old) is None
        assert store.get_run(newest) == later and store.get_run(fix) is not None
        assert [(c, ch.before) for c, ch in store.changes_for_run(fix)] == [("A", 1)]
        [cell], [before] = store.overview(), overview
        assert (cell.counts, cell.last_run_id, cell.score, cell.drift) == (before.counts, newest, 1.0, before.drift)
        assert cell.trend == [1.0] and before.trend == [2.0, 1.0], "the pruned run's score left the trend"
        assert [(e.run_id, e.previous_run_id) for e in store.drift_events()] == [(newest, None)] * 2
        assert _count(store, "finding_bodies") == 1
        assert store.prune(1, now=later.started_at + timedelta(days=10)).runs == 0  # type: ignore[union-attr]


def test_recent_runs_are_not_pruned(tmp_path: Path) -> None:
    with HistoryStore.open(str(tmp_path / "h.db")) as store:
        first = _assess(store, Status.PASS, 1, 2.0)
        _assess(store, Status.PASS, 2, 2.0)
        assert store.prune(30).runs == 0 and store.get_run(first) is not None


def test_history_prune_command_reads_keep_days_from_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.db"
    with HistoryStore.open(str(db)) as store:
        _assess(store, Status.PASS, 1, 2.0)
        _assess(store, Status.PASS, 2, 2.0)
    config = tmp_path / "scorekeeper.toml"
    config.write_text("[history]\nkeep_days = 30\n")
    runner = CliRunner()
    done = runner.invoke(cli, ["--config", str(config), "--db", str(db), "history", "prune", "--json"])
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    assert (answer["keep_days"], answer["runs"], answer["dry_run"]) == (30, 0, False)
    config.write_text("[history]\nkeep_days = 0\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config), "--db", str(db), "history", "prune"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "history.keep_days" in err and "Traceback" not in err

"""``HistoryStore.record_run``: a whole run in one transaction, stored exactly as the call-by-call path stores it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, SecureScore, Status
from scorekeeper.store import HistoryStore

T0 = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)


def _results(statuses: dict[str, Status], score: float) -> list[ControlResult]:
    findings = tuple(Finding(control="A", setting=s, status=st, current=s, desired="x") for s, st in statuses.items())
    other = (Finding(control="B", setting="only", status=Status.MANUAL),)
    change = Change(setting="late", before=1, after=2, outcome=Outcome.APPLIED)
    return [
        ControlResult("A", "Control A", findings, score=SecureScore("A", score, 2.0, T0)),
        ControlResult("B", "Control B", other, changes=(change,), error="half read"),
    ]


def _one_by_one(store: HistoryStore, results: list[ControlResult]) -> int:
    run_id = store.start_run("t", "assess", controls=["A", "B"])
    for result in results:
        store.record_control_result(run_id, result)
    store.finish_run(run_id)
    store.detect_drift(run_id)
    return run_id


def _in_one(store: HistoryStore, results: list[ControlResult]) -> int:
    run_id = store.start_run("t", "assess", controls=["A", "B"])
    store.record_run(run_id, results, detect_drift=True)
    return run_id


def test_record_run_stores_what_the_separate_calls_store(tmp_path: Path) -> None:
    first = _results({"a": Status.PASS, "b": Status.FAIL}, 2.0)
    second = _results({"a": Status.FAIL, "b": Status.PASS}, 1.0)
    answers = []
    for name, record in (("separate", _one_by_one), ("together", _in_one)):
        with HistoryStore.open(str(tmp_path / f"{name}.db")) as store:
            ids = [record(store, first), record(store, second)]
            runs = [store.get_run(i) for i in ids]
            assert all(r is not None and r.status == "completed" for r in runs)
            drift = [(e.kind, e.control, e.setting, e.run_id, e.previous_run_id) for e in store.drift_events()]
            overview = [(o.tenant, o.control, o.counts, o.last_run_id, o.score) for o in store.overview()]
            shape = [
                [(c.control, c.title, c.error, c.findings, [x.setting for x in c.changes], c.score) for c in r.controls]
                for r in runs
                if r is not None
            ]
            answers.append((shape, sorted(drift, key=str), overview))
    assert answers[0] == answers[1]
    assert {d[0] for d in answers[1][1]} == {"setting_regressed", "score_dropped"}


def test_a_failed_run_records_no_drift(tmp_path: Path) -> None:
    with HistoryStore.open(str(tmp_path / "h.db")) as store:
        _in_one(store, _results({"a": Status.PASS}, 2.0))
        run_id = store.start_run("t", "assess", controls=["A", "B"])
        actor = store.record_run(run_id, _results({"a": Status.FAIL}, 0.0), "failed", "boom", detect_drift=True)
        assert actor == store.run_actor(run_id)
        run = store.get_run(run_id)
        assert run is not None and run.status == "failed"
        assert store.drift_events() == []

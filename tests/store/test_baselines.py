"""Baselines a person's word establishes (attestation, accepted exception), and the drift against them.

Straight through the store on SQLite and PostgreSQL: the rule is ``domain/baseline.py``; the
engine-level flow (a verified remediation, a customer's change, a rollback) is in
``tests/scheduler/test_baseline_drift.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scorekeeper.domain.baseline import Baseline, by_person, drifted, same_value
from scorekeeper.domain.model import Attestation, ControlResult, Finding, RemediationKind, Status
from scorekeeper.store import HistoryStore

C = "ToyControl"


def _assess(store: HistoryStore, *findings: Finding) -> list:
    run = store.start_run("t1", "assess", controls=[C])
    store.record_run(run, [ControlResult(C, "Toy", tuple(findings))], detect_drift=True)
    return [d for d in store.drift_of_runs([run]).get(run, []) if d.kind == "setting_drifted"]


def _guided(value: object, status: Status = Status.MANUAL) -> Finding:
    return Finding(C, "helpdesk", status, current=value, remediation=RemediationKind.GUIDED)


def test_an_attestation_makes_the_next_read_value_the_baseline_and_a_change_after_it_drift(store: HistoryStore) -> None:
    assert _assess(store, _guided("https://help.example")) == []
    assert store.baselines("t1") == []  # nobody vouched for it yet: no baseline
    store.record_attestation(Attestation("t1", C, "helpdesk", "alice", "set by hand", datetime.now(UTC)))
    assert _assess(store, _guided("https://help.example")) == []
    [baseline] = store.baselines("t1")
    assert (baseline.source, baseline.value) == ("attestation", "https://help.example")

    [event] = _assess(store, _guided("https://elsewhere.example"))
    assert (event.detail["baseline"], event.detail["value"]) == ("https://help.example", "https://elsewhere.example")
    assert event.detail["baseline_source"] == "attestation"
    assert _assess(store, _guided("https://elsewhere.example")) == []  # reported once while it lasts
    assert _assess(store, _guided("https://help.example")) == []  # back in line: the drift is closed
    assert store.open_drift("t1") == []


def test_an_accepted_exception_establishes_the_accepted_value(store: HistoryStore) -> None:
    excepted = Finding(C, "colour", Status.FAIL, current="purple", desired="green", excepted="accepted until 2027")
    assert _assess(store, excepted) == []
    [baseline] = store.baselines("t1")
    assert (baseline.source, baseline.value) == ("exception", "purple")
    [event] = _assess(store, Finding(C, "colour", Status.FAIL, current="red", desired="green", excepted="accepted"))
    assert (event.setting, event.detail["value"]) == ("colour", "red")


def test_an_unread_setting_is_never_drift() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    held = {(C, "colour"): Baseline("t1", C, "colour", "green", "remediation", 1, at)}
    unread = Finding(C, "colour", Status.UNKNOWN, current=None, reason="403")
    assert drifted(held, [unread]) == []
    assert by_person({}, [unread], {(C, "colour"): at + timedelta(days=1)}) == []
    assert [d.current for d in drifted(held, [Finding(C, "colour", Status.FAIL, current="red")])] == ["red"]


def test_lists_of_scalars_compare_in_any_order() -> None:
    assert same_value(["a", "b"], ["b", "a"]) and not same_value(["a"], ["a", "b"])
    assert same_value({"x": [1, 2]}, {"x": [1, 2]}) and not same_value({"x": 1}, {"x": 2})

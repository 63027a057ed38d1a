"""``record_run`` with who acted and the tenant's whole score: one commit that stores what the separate calls store.

An assessment used to write its token identity, the tenant's directory id and its whole Secure
Score in transactions of their own; ``record_run`` now keeps them in the run's commit, and takes
the run's own findings and scores from memory for drift instead of reading them back. These tests
run both ways side by side, on SQLite and PostgreSQL, and compare everything a reader can see.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scorekeeper.domain.model import ControlResult, Finding, SecureScore, Status
from scorekeeper.domain.securescore import AssessedScore, Comparison, ControlScore, DailyScore
from scorekeeper.store import HistoryStore

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
IDENTITY = "app 11111111-2222-3333-4444-555555555555"
DIRECTORY = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _results(day: int) -> list[ControlResult]:
    """Day 0 passes where day 1 fails (with list and dict values, which JSON keeps as they are)."""
    status = Status.PASS if day == 0 else Status.FAIL
    findings = (
        Finding("A", "methods", status, current=["sms", "email"][: 2 - day], desired=["email"], reason=f"day {day}"),
        Finding("A", "policy", Status.FAIL, current={"enabled": bool(day)}, desired={"enabled": True}),
        Finding("A", "guided", Status.MANUAL, evidence={"big": list(range(50))}),
    )
    return [ControlResult("A", "Control A", findings, score=SecureScore("A", 2.0 - day, 2.0, T0 + timedelta(days=day)))]


def _score(day: int) -> AssessedScore:
    today = DailyScore(
        scored_at=T0 + timedelta(days=day),
        current=50.0 - 10 * day,
        max_score=100.0,
        comparisons=(Comparison("AllTenants", 40.0),),
        controls={"A": 2.0 - day, "Other": 5.0 - day},
    )
    profiles = (ControlScore("Other", "Other control", "Identity", "AzureAD", 5.0 - day, 5.0),)
    older = tuple(DailyScore(scored_at=T0 - timedelta(days=d), current=40.0 + d, max_score=100.0) for d in range(1, 4))
    return AssessedScore(today, profiles, older if day == 0 else ())


def _one_by_one(store: HistoryStore, tenant: str, day: int) -> int:
    run_id = store.start_run(tenant, "assess", controls=["A"])
    score = _score(day)
    store.record_tenant_scores(tenant, [score.today], source="assessment", run_id=run_id, profiles=list(score.profiles))
    if score.imported:
        store.record_tenant_scores(tenant, list(score.imported), source="imported")
    store.record_identity(run_id, IDENTITY)
    store.record_tenant_id(tenant, DIRECTORY)
    for result in _results(day):
        store.record_control_result(run_id, result)
    store.finish_run(run_id)
    store.detect_drift(run_id)
    return run_id


def _together(store: HistoryStore, tenant: str, day: int) -> int:
    run_id = store.start_run(tenant, "assess", controls=["A"])
    actor = store.record_run(
        run_id, _results(day), detect_drift=True, identity=IDENTITY, tenant_id=DIRECTORY, tenant_score=_score(day)
    )
    assert actor is not None and actor.identity == IDENTITY  # what the run's actor now says
    return run_id


def _seen(store: HistoryStore, tenant: str, runs: list[int]) -> dict[str, Any]:
    drift = [(e.kind, e.control, e.setting, dict(e.detail)) for e in store.drift_events(tenant)]
    latest = store.latest_tenant_score(tenant)
    return {
        "drift": sorted(drift, key=repr),
        "actors": [store.run_actor(r) for r in runs],
        "directory": store.tenant_ids()[tenant],
        "trend": store.score_trend(tenant, days=400),
        "latest": latest,
        "findings": [store.findings_for_run(r) for r in runs],
        "scored": tenant in store.scored_tenants(),
    }


def test_record_run_keeps_who_acted_and_the_whole_score_as_the_separate_calls(store: HistoryStore) -> None:
    separate = [_one_by_one(store, "separate", day) for day in (0, 1)]
    together = [_together(store, "together", day) for day in (0, 1)]
    expected, got = _seen(store, "separate", separate), _seen(store, "together", together)
    assert got == expected
    kinds = {(kind, control) for kind, control, _, _ in got["drift"]}
    assert kinds == {("setting_regressed", "A"), ("score_dropped", "A"), ("score_dropped", "SecureScore"),
                     ("score_dropped", "Other")}  # fmt: skip
    assert got["directory"] == DIRECTORY and got["scored"] and len(got["trend"]) == 5  # 3 imported + 2 assessed


def test_record_run_leaves_an_identity_already_recorded(store: HistoryStore) -> None:
    run_id = store.start_run("t", "assess", controls=["A"])
    store.record_identity(run_id, IDENTITY)
    actor = store.record_run(run_id, _results(0))
    assert actor is not None and actor.identity == IDENTITY
    assert store.tenant_ids()["t"] == ""  # no directory id given: none invented
    assert store.scored_tenants() == set()


def _repeating(day: int) -> list[ControlResult]:
    """Days 0-1 as above, 2 = day 1 again (unchanged), 3-4 = one setting reported twice, fail then pass.

    A setting reported twice makes an unchanged run drift against itself (the rule keys the
    previous run by setting, the last one winning), so the shortcut ``record_run`` takes for a
    run whose bodies equal the previous run's must still find that event.
    """
    if day <= 2:
        return _results(min(day, 1))
    twice = (Finding("A", "methods", Status.FAIL, current=[]), Finding("A", "methods", Status.PASS, current=["x"]))
    return [ControlResult("A", "Control A", twice, score=SecureScore("A", 1.0, 2.0, T0 + timedelta(days=day)))]


def test_record_run_drift_of_unchanged_and_repeated_runs_is_what_detect_drift_finds(store: HistoryStore) -> None:
    def separate(tenant: str, day: int) -> int:
        run_id = store.start_run(tenant, "assess", controls=["A"])
        for result in _repeating(day):
            store.record_control_result(run_id, result)
        store.finish_run(run_id)
        store.detect_drift(run_id)
        return run_id

    def together(tenant: str, day: int) -> int:
        run_id = store.start_run(tenant, "assess", controls=["A"])
        store.record_run(run_id, _repeating(day), detect_drift=True)
        return run_id

    days = [0, 1, 2, 3, 4, 4, 0]
    a = [separate("separate", day) for day in days]
    b = [together("together", day) for day in days]

    def seen(tenant: str, runs: list[int]) -> list[Any]:
        by_run = {r: i for i, r in enumerate(runs)}
        events = store.drift_events(tenant)
        return sorted((by_run[e.run_id], e.kind, e.control, e.setting, repr(dict(e.detail))) for e in events)

    assert seen("together", b) == seen("separate", a)
    assert [store.findings_for_run(r) for r in b] == [store.findings_for_run(r) for r in a]
    repeated = [event for event in seen("together", b) if event[0] in (4, 5) and event[1] == "setting_regressed"]
    assert len(repeated) == 2  # runs 4 and 5 each drift against the run before: the same bodies


def test_record_run_writes_a_changed_directory_id_and_keeps_an_unchanged_one(store: HistoryStore) -> None:
    for directory in (DIRECTORY, DIRECTORY, "ffffffff-0000-0000-0000-000000000000", ""):
        run_id = store.start_run("t", "assess", controls=["A"])
        store.record_run(run_id, _results(0), tenant_id=directory)
    assert store.tenant_ids()["t"] == "ffffffff-0000-0000-0000-000000000000"  # "" keeps what was recorded

"""Round trips through every ``HistoryStore`` method, against a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from scorekeeper.domain.model import (
    Attestation,
    Change,
    ControlResult,
    Finding,
    Outcome,
    RemediationKind,
    SecureScore,
    Status,
)
from scorekeeper.store import DriftEvent, HistoryStore, StoreError

SSPR = "SelfServicePasswordReset"
T0 = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)


def _finding(setting: str, status: Status, **extra: object) -> Finding:
    return Finding(control=SSPR, setting=setting, status=status, **extra)  # type: ignore[arg-type]


def _assess(
    store: HistoryStore, tenant: str, statuses: dict[str, Status], score: float | None = None, *, at: datetime = T0
) -> int:
    run_id = store.start_run(tenant, "assess", controls=[SSPR])
    findings = tuple(_finding(s, st) for s, st in statuses.items())
    snapshot = SecureScore(SSPR, score, 1.0, at) if score is not None else None
    store.record_control_result(run_id, ControlResult(SSPR, "Enable SSPR", findings, score=snapshot))
    store.finish_run(run_id)
    return run_id


def test_a_full_finding_round_trips(store: HistoryStore) -> None:
    finding = Finding(
        control=SSPR,
        setting="helpdesk_link",
        status=Status.FAIL,
        current={"customizeHelpdeskLink": False, "customHelpdeskEmailOrUrl": None},
        desired={"customizeHelpdeskLink": True, "customHelpdeskEmailOrUrl": "https://help.example"},
        reason="the helpdesk link is not customised",
        title="Customise helpdesk link",
        remediation=RemediationKind.GUIDED,
        steps=("Open Entra admin center", "Password reset › Customization"),
        evidence={"portal": {"customizeHelpdeskLink": False}},
        missing_permissions=("portal: delegated sign-in",),
        excepted="accepted risk until 2026-01-01: pilot",
    )
    unknown = Finding(control=SSPR, setting="reconfirm_days", status=Status.UNKNOWN, current=None, desired=180)
    run_id = store.start_run("contoso", "assess", controls=[SSPR, "Other"], tenant_id="0000-tenant")
    store.record_control_result(run_id, ControlResult(SSPR, "Enable SSPR", (finding, unknown)))

    assert store.findings_for_run(run_id) == [finding, unknown]


def test_run_lifecycle_and_get_run(store: HistoryStore) -> None:
    taken = datetime(2025, 11, 2, 8, 30, tzinfo=UTC)
    run_id = store.start_run("contoso", "assess", controls=[SSPR, "MFARegistrationV2"], scheduled=True)
    running = store.get_run(run_id)
    assert running is not None and running.status == "running" and running.controls == ()

    store.record_control_result(
        run_id,
        ControlResult(
            SSPR, "Enable SSPR", (_finding("notify_users", Status.PASS),), score=SecureScore(SSPR, 1, 1, taken)
        ),
    )
    store.record_control_result(run_id, ControlResult("MFARegistrationV2", "MFA", (), error="plugin crashed"))
    store.finish_run(run_id, "failed", "one control failed")

    run = store.get_run(run_id)
    assert run is not None
    assert (run.run_id, run.tenant, run.kind, run.status) == (run_id, "contoso", "assess", "failed")
    assert [c.control for c in run.controls] == [SSPR, "MFARegistrationV2"]
    assert run.controls[0].score == SecureScore(SSPR, 1.0, 1.0, taken)
    assert run.controls[1].error == "plugin crashed"
    assert run.started_at.tzinfo is UTC and run.finished_at >= run.started_at
    summary = store.runs("contoso")[0]
    assert summary.scheduled is True and summary.error == "one control failed"
    assert summary.controls == (SSPR, "MFARegistrationV2")
    assert store.get_run(run_id + 100) is None


def test_timestamps_come_back_aware_and_in_utc(store: HistoryStore) -> None:
    paris = timezone(timedelta(hours=1))
    store.record_attestation(
        Attestation("contoso", SSPR, "connect_account_permissions", "ann", "done", T0.astimezone(paris))
    )
    (att,) = store.attestations("contoso")
    assert att.at == T0 and att.at.tzinfo is UTC


def test_naive_timestamps_are_refused(store: HistoryStore) -> None:
    with pytest.raises(StoreError, match="naive datetime 2025-01-01T00:00:00"):
        store.record_attestation(Attestation("contoso", SSPR, "x", "ann", "note", datetime(2025, 1, 1)))


def test_bad_kind_and_status_are_refused(store: HistoryStore) -> None:
    with pytest.raises(StoreError, match="unknown run kind 'audit'"):
        store.start_run("contoso", "audit", controls=[])
    run_id = store.start_run("contoso", "assess", controls=[])
    with pytest.raises(StoreError, match="cannot finish as 'running'"):
        store.finish_run(run_id, "running")
    with pytest.raises(StoreError, match="no run 999"):
        store.finish_run(999)
    with pytest.raises(StoreError, match="parent run 999"):
        store.start_run("contoso", "verify", controls=[], parent_run_id=999)


def test_changes_round_trip_in_write_order(store: HistoryStore) -> None:
    assess_id = _assess(store, "contoso", {"notify_users": Status.FAIL})
    run_id = store.start_run("contoso", "remediate", controls=[SSPR], parent_run_id=assess_id)
    first = store.change_started(run_id, SSPR, Change("methods_available", ["email"], None, Outcome.SKIPPED))
    second = store.change_started(
        run_id,
        SSPR,
        Change("registration_ca_policy", None, None, Outcome.SKIPPED, resource={"type": "policy"}, created=True),
    )
    store.change_finished(Change("methods_available", ["email"], ["email", "sms"], Outcome.APPLIED, id=first))
    store.change_finished(
        Change(
            "registration_ca_policy",
            None,
            {"state": "enabledForReportingButNotEnforced"},
            Outcome.FAILED,
            resource={"type": "conditionalAccessPolicy", "id": "p-1"},
            created=True,
            error="HTTP 403",
            id=second,
        )
    )

    pairs = store.changes_for_run(run_id)

    assert [(c, ch.id, ch.setting, ch.outcome) for c, ch in pairs] == [
        (SSPR, first, "methods_available", Outcome.APPLIED),
        (SSPR, second, "registration_ca_policy", Outcome.FAILED),
    ]
    assert pairs[1][1].resource == {"type": "conditionalAccessPolicy", "id": "p-1"}
    assert pairs[1][1].error == "HTTP 403" and pairs[1][1].created is True
    assert pairs[0][1].before == ["email"] and pairs[0][1].after == ["email", "sms"]
    run = store.get_run(run_id)
    assert run is not None and [c.id for c in run.changes] == [first, second]


def _other_connection(store: HistoryStore) -> Any:
    """A second engine on the same database (SQLite file or PostgreSQL), as another process would have."""
    from scorekeeper.store.db import create_store_engine

    return create_store_engine(store.url)


def _json(value: Any) -> Any:
    """A JSON column as read raw: text on SQLite, already decoded by psycopg on PostgreSQL."""
    import json

    return json.loads(value) if isinstance(value, str) else value


def test_change_started_is_committed_before_the_write(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "remediate", controls=[SSPR])
    change_id = store.change_started(
        run_id, SSPR, Change("notify_users", False, None, Outcome.SKIPPED, error="pending")
    )
    other = _other_connection(store)
    query = text("SELECT setting, before, outcome, finished_at IS NOT NULL FROM changes WHERE id = :id")
    try:
        with other.connect() as connection:  # a second connection sees it before change_finished
            row = connection.execute(query, {"id": change_id}).one()
        assert (row[0], _json(row[1]), row[2], bool(row[3])) == ("notify_users", False, "skipped", False)

        store.change_finished(Change("notify_users", False, True, Outcome.APPLIED, id=change_id))
        with other.connect() as connection:
            done = connection.execute(
                text("SELECT after, outcome, finished_at IS NOT NULL FROM changes WHERE id = :id"), {"id": change_id}
            ).one()
        assert (_json(done[0]), done[1], bool(done[2])) == (True, "applied", True)
    finally:
        other.dispose()


def test_change_finished_needs_a_known_id(store: HistoryStore) -> None:
    with pytest.raises(StoreError, match="no id"):
        store.change_finished(Change("x", 1, 2, Outcome.APPLIED))
    with pytest.raises(StoreError, match="no change 77"):
        store.change_finished(Change("x", 1, 2, Outcome.APPLIED, id=77))


def test_changes_reported_without_an_id_are_kept(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "remediate", controls=[SSPR])
    store.record_control_result(run_id, ControlResult(SSPR, "SSPR", changes=(Change("x", 1, 2, Outcome.APPLIED),)))
    ((control, change),) = store.changes_for_run(run_id)
    assert control == SSPR and change.id is not None and change.after == 2


def test_mark_rolled_back(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "remediate", controls=[SSPR])
    ids = [store.change_started(run_id, SSPR, Change(s, 0, None, Outcome.SKIPPED)) for s in ("a", "b")]
    rollback = store.start_run("contoso", "rollback", controls=[SSPR], parent_run_id=run_id)

    store.mark_rolled_back([ids[0]], rollback)

    assert [ch.rolled_back_by for _, ch in store.changes_for_run(run_id)] == [rollback, None]
    with pytest.raises(StoreError, match="only 1 of changes"):
        store.mark_rolled_back([ids[1], 999], rollback)
    assert [ch.rolled_back_by for _, ch in store.changes_for_run(run_id)] == [rollback, None]


def test_runs_listing_filters_pages_and_counts(store: HistoryStore) -> None:
    a1 = _assess(store, "contoso", {"a": Status.PASS, "b": Status.FAIL, "c": Status.FAIL})
    f1 = _assess(store, "fabrikam", {"a": Status.UNKNOWN})
    rem = store.start_run("contoso", "remediate", controls=[SSPR], parent_run_id=a1)
    a2 = _assess(store, "contoso", {"a": Status.PASS})

    assert [r.id for r in store.runs()] == [a2, rem, f1, a1]
    assert [r.id for r in store.runs("contoso")] == [a2, rem, a1]
    assert [r.id for r in store.runs("contoso", kind="assess")] == [a2, a1]
    assert [r.id for r in store.runs(limit=2, offset=1)] == [rem, f1]
    by_id = {r.id: r for r in store.runs()}
    zero = dict.fromkeys(["manual", "pending", "unknown", "not_applicable", "error", "staged", "advice"], 0)
    assert by_id[a1].counts == {**zero, "pass": 1, "fail": 2}
    assert by_id[a1].total == 3
    assert by_id[rem].parent_run_id == a1 and by_id[rem].status == "running" and by_id[rem].finished_at is None


def test_latest_run(store: HistoryStore) -> None:
    first = _assess(store, "contoso", {"a": Status.PASS})
    second = _assess(store, "contoso", {"a": Status.FAIL})
    failed = store.start_run("contoso", "assess", controls=[SSPR])
    store.finish_run(failed, "failed", "no credentials")

    assert store.latest_run("contoso").id == failed  # type: ignore[union-attr]
    assert store.latest_run("contoso", status="completed").id == second  # type: ignore[union-attr]
    assert store.latest_run("contoso", before_run_id=second).id == first  # type: ignore[union-attr]
    assert store.latest_run("contoso", before_run_id=first) is None
    assert store.latest_run("contoso", "remediate") is None
    assert store.latest_run("contoso", before_run_id=failed).counts["fail"] == 1  # type: ignore[union-attr]


def test_score_history_keeps_the_latest_oldest_first(store: HistoryStore) -> None:
    for day, score in enumerate([0.0, 0.5, 1.0]):
        _assess(store, "contoso", {"a": Status.PASS}, score, at=T0 + timedelta(days=day))
    _assess(store, "fabrikam", {"a": Status.PASS}, 0.25)

    assert [s.score for s in store.score_history("contoso", SSPR)] == [0.0, 0.5, 1.0]
    assert store.score_history("contoso", SSPR, limit=1) == [SecureScore(SSPR, 1.0, 1.0, T0 + timedelta(days=2))]
    assert store.score_history("contoso", "Other") == []


def test_attestations_filter_and_order(store: HistoryStore) -> None:
    later = Attestation("contoso", SSPR, "connect_account_permissions", "bob", "re-granted", T0 + timedelta(days=1))
    earlier = Attestation("contoso", SSPR, "connect_account_permissions", "ann", "granted", T0)
    other = Attestation("contoso", "Other", "s", "ann", "n", T0)
    ids = [store.record_attestation(a) for a in (later, earlier, other)]

    assert len(set(ids)) == 3
    assert store.attestations("contoso", SSPR) == [earlier, later]
    assert store.attestations("contoso") == [earlier, other, later]
    assert store.attestations("fabrikam") == []


def test_drift_recorded_and_listed(store: HistoryStore) -> None:
    first = _assess(store, "contoso", {"a": Status.PASS})
    second = _assess(store, "contoso", {"a": Status.FAIL})
    event = DriftEvent("contoso", SSPR, "setting_regressed", second, first, setting="a", detail={"was": "pass"}, at=T0)

    event_id = store.record_drift(event)

    assert store.drift_events() == [DriftEvent(**{**event.__dict__, "id": event_id})]
    assert store.drift_events("fabrikam") == []
    with pytest.raises(StoreError, match="unknown drift kind"):
        store.record_drift(DriftEvent("contoso", SSPR, "feelings_hurt", second, first))


def test_detect_drift_compares_with_the_previous_completed_assessment(store: HistoryStore) -> None:
    first = _assess(store, "contoso", {"a": Status.PASS, "b": Status.PASS, "c": Status.FAIL}, 1.0)
    assert store.detect_drift(first) == []  # nothing to compare with
    interrupted = store.start_run("contoso", "assess", controls=[SSPR])
    store.finish_run(interrupted, "interrupted")
    second = _assess(store, "contoso", {"a": Status.FAIL, "b": Status.UNKNOWN, "c": Status.PASS}, 0.5)

    events = store.detect_drift(second)

    assert sorted((e.kind, e.setting, e.previous_run_id) for e in events) == [
        ("score_dropped", None, first),
        ("setting_regressed", "a", first),
    ]
    dropped = next(e for e in events if e.kind == "score_dropped")
    assert dropped.detail == {"previous_score": 1.0, "score": 0.5, "max_score": 1.0}
    assert store.detect_drift(second) == events  # idempotent
    assert len(store.drift_events("contoso")) == 2


def test_overview_per_tenant_and_control(store: HistoryStore) -> None:
    for day, score in enumerate([0.0, 0.5]):
        _assess(store, "contoso", {"a": Status.PASS, "b": Status.PASS}, score, at=T0 + timedelta(days=day))
    latest = _assess(store, "contoso", {"a": Status.PASS, "b": Status.FAIL}, 0.25, at=T0 + timedelta(days=2))
    store.detect_drift(latest)
    verify = store.start_run("contoso", "verify", controls=[SSPR], parent_run_id=latest)
    store.record_control_result(verify, ControlResult(SSPR, "SSPR", (_finding("b", Status.PASS),)))
    store.finish_run(verify)
    _assess(store, "fabrikam", {"a": Status.UNKNOWN})

    cells = {(c.tenant, c.control): c for c in store.overview()}

    contoso = cells[("contoso", SSPR)]
    assert contoso.last_run_id == latest  # a verify run re-reads only what changed: not the state
    assert (contoso.counts["pass"], contoso.counts["fail"]) == (1, 1)
    assert (contoso.score, contoso.max_score) == (0.25, 1.0)
    assert contoso.trend == [0.0, 0.5, 0.25]
    assert contoso.drift == 2  # b regressed and the score dropped
    assert contoso.last_run_at is not None and contoso.last_run_at.tzinfo is UTC
    fabrikam = cells[("fabrikam", SSPR)]
    assert fabrikam.counts["unknown"] == 1 and fabrikam.score is None and fabrikam.trend == [] and fabrikam.drift == 0


def test_overview_statement_count_does_not_grow_with_tenants(store: HistoryStore) -> None:
    from sqlalchemy import event

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append("x")

        event.listen(store._engine, "before_cursor_execute", count)
        try:
            store.overview()
        finally:
            event.remove(store._engine, "before_cursor_execute", count)
        return len(seen)

    _assess(store, "t0", {"a": Status.PASS}, 1.0)
    few = statements()
    for n in range(1, 20):
        _assess(store, f"t{n}", {"a": Status.PASS}, 1.0)
    assert len(store.overview()) == 20
    assert statements() == few


def test_interrupt_stale_runs_spares_live_processes(store: HistoryStore) -> None:
    from .helpers import spawn

    mine = store.start_run("contoso", "assess", controls=[SSPR])
    worker = spawn("abandon", store.url, "contoso")
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    import json

    abandoned = json.loads(out)

    assert store.interrupt_stale_runs() == 1

    by_id = {r.id: r for r in store.runs()}
    assert by_id[abandoned["run_id"]].status == "interrupted"
    assert f"pid {abandoned['pid']}" in by_id[abandoned["run_id"]].error
    assert by_id[abandoned["run_id"]].finished_at is not None
    assert by_id[mine].status == "running"  # this process is alive
    assert store.interrupt_stale_runs() == 0


def _set_run(store: HistoryStore, run_id: int, **values: Any) -> None:
    """Change a run's row directly, as another process (or another machine) would have written it."""
    from sqlalchemy import update

    from scorekeeper.store.tables import RunRow

    with store._write() as session:
        session.execute(update(RunRow).where(RunRow.id == run_id).values(**values))


def test_a_run_from_another_host_is_interrupted_when_its_heartbeat_stops(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "assess", controls=[SSPR])
    store.heartbeat.remove_run(run_id)  # that machine's process beats, not ours
    _set_run(store, run_id, host="elsewhere", pid=1, process_key="other-boot/pid:[1]")

    assert store.interrupt_stale_runs() == 0  # its heartbeat is fresh: alive, wherever it runs
    # ... and then that machine went silent for 5 intervals
    _set_run(store, run_id, heartbeat_at=datetime.now(UTC) - timedelta(seconds=50))
    assert store.interrupt_stale_runs() == 1
    [run] = store.runs()
    assert run.status == "interrupted"
    assert "no heartbeat for 50 s" in run.error and "pid 1 on elsewhere" in run.error


def test_a_run_recorded_before_heartbeats_is_interrupted_only_when_old(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "assess", controls=[SSPR])
    store.heartbeat.remove_run(run_id)
    _set_run(store, run_id, host="elsewhere", pid=1, process_key="", heartbeat_at=None, heartbeat_seconds=None)

    assert store.interrupt_stale_runs() == 0
    assert store.interrupt_stale_runs(older_than=timedelta(hours=1)) == 0
    assert store.interrupt_stale_runs(older_than=timedelta(0)) == 1
    assert "elsewhere" in store.runs()[0].error


def test_record_control_result_twice_for_one_control_is_refused(store: HistoryStore) -> None:
    run_id = store.start_run("contoso", "assess", controls=[SSPR])
    store.record_control_result(run_id, ControlResult(SSPR, "SSPR", (_finding("a", Status.PASS),)))
    with pytest.raises(StoreError, match="write failed"):
        store.record_control_result(run_id, ControlResult(SSPR, "SSPR", (_finding("a", Status.FAIL),)))
    assert store.findings_for_run(run_id) == [_finding("a", Status.PASS)]  # the failed call left nothing behind
    with pytest.raises(StoreError, match="no run 404"):
        store.record_control_result(404, ControlResult(SSPR, "SSPR"))


def test_overview_keeps_the_newest_assessment_when_an_older_run_reports_late(store: HistoryStore) -> None:
    older = store.start_run("contoso", "assess", controls=[SSPR])
    newer = store.start_run("contoso", "assess", controls=[SSPR])
    store.record_control_result(newer, ControlResult(SSPR, "SSPR", (_finding("a", Status.PASS),)))
    store.record_control_result(older, ControlResult(SSPR, "SSPR", (_finding("a", Status.FAIL),)))

    (cell,) = store.overview()

    assert cell.last_run_id == newer and cell.counts["pass"] == 1 and cell.counts["fail"] == 0


def test_overview_trend_is_bounded_and_rebuild_gives_the_same_answer(store: HistoryStore) -> None:
    from scorekeeper.store.records import TREND_POINTS

    scores = [n / 100 for n in range(TREND_POINTS + 5)]
    for n, score in enumerate(scores):
        _assess(store, "contoso", {"a": Status.PASS}, score, at=T0 + timedelta(hours=n))
    _assess(store, "fabrikam", {"a": Status.FAIL}, 0.0)
    before = store.overview()

    assert store.rebuild_latest_results() == 2
    assert store.overview() == before
    contoso = next(c for c in before if c.tenant == "contoso")
    assert contoso.trend == scores[-TREND_POINTS:]
    assert contoso.score == scores[-1]


def test_a_run_records_who_acted(store: HistoryStore) -> None:
    from scorekeeper.domain.model import Actor

    run_id = store.start_run("t", "assess", controls=[], actor=Actor(os_user="alice", host="jump1"))
    store.record_identity(run_id, "app 11111111-1111-1111-1111-111111111111")
    store.finish_run(run_id)
    run = store.get_run(run_id)
    assert run is not None and run.actor is not None
    assert run.actor.to_dict() == {
        "os_user": "alice",
        "host": "jump1",
        "identity": "app 11111111-1111-1111-1111-111111111111",
    }
    assert store.runs()[0].actor == run.actor


def test_a_passing_setting_back_in_a_stage_is_drift_and_one_turned_advice_is_not(store: HistoryStore) -> None:
    first = _assess(store, "contoso", {"a": Status.PASS, "b": Status.PASS, "c": Status.PASS})
    second = _assess(store, "contoso", {"a": Status.STAGED, "b": Status.ADVICE, "c": Status.FAIL})
    events = store.detect_drift(second)
    assert sorted((e.setting, e.detail["status"]) for e in events) == [("a", "staged"), ("c", "fail")]
    assert all(e.previous_run_id == first for e in events)

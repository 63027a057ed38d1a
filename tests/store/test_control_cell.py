"""The control view's own query (``store/controlcell.py``) agrees with the dashboard and the whole run.

On SQLite and PostgreSQL: for every tenant × control, ``control_cell`` must say what the TUI
used to find by reading all of ``overview()`` and then ``get_run`` of the cell's run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scorekeeper.domain.model import Change, ControlResult, Finding, Outcome, SecureScore, Status
from scorekeeper.store import HistoryStore

SSPR, PW = "SelfServicePasswordReset", "PWAgePolicyNew"
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _finding(control: str, setting: str, status: Status, current: object = None) -> Finding:
    return Finding(control=control, setting=setting, status=status, current=current, desired=True, reason=setting)


def _assess(store: HistoryStore, tenant: str, kind: str, results: list[ControlResult]) -> int:
    run_id = store.start_run(tenant, kind, controls=[r.control for r in results])
    store.record_run(run_id, results)
    return run_id


def _expected(store: HistoryStore, tenant: str, control: str) -> tuple[int, str, datetime, float | None, ControlResult]:
    """What the control view read before: the overview's cell, then that cell's run."""
    (cell,) = [c for c in store.overview() if (c.tenant, c.control) == (tenant, control)]
    assert cell.last_run_id is not None
    run = store.get_run(cell.last_run_id)
    assert run is not None
    (result,) = [c for c in run.controls if c.control == control]
    return run.run_id, run.kind, run.started_at, cell.score, result


def test_every_cell_is_what_the_overview_and_its_run_say(store: HistoryStore) -> None:
    sspr = ControlResult(
        SSPR,
        "SSPR",
        (_finding(SSPR, "enabled", Status.FAIL, False), _finding(SSPR, "notify_users", Status.PASS, True)),
        score=SecureScore(SSPR, 3.0, 10.0, AT),
    )
    pw = ControlResult(PW, "Password age", (_finding(PW, "never_expire", Status.PASS, True),))
    _assess(store, "contoso", "assess", [sspr, pw])
    # a newer plan run of SSPR only: its cell moves, PW's stays with the first run
    passing = (_finding(SSPR, "enabled", Status.PASS, True),)
    newer = ControlResult(SSPR, "SSPR", passing, score=SecureScore(SSPR, 8.0, 10.0, AT))
    plan = _assess(store, "contoso", "plan", [newer])
    # another tenant, whose plugin failed: a result with an error and no findings
    _assess(store, "fabrikam", "assess", [ControlResult(SSPR, "SSPR", (), error="plugin sspr failed in assess")])
    # a remediation is not an assessment: it moves no cell
    fix = store.start_run("contoso", "remediate", controls=[SSPR])
    store.change_started(fix, SSPR, Change(setting="enabled", before=False, after=True, outcome=Outcome.APPLIED))
    store.finish_run(fix)

    for tenant, control in [("contoso", SSPR), ("contoso", PW), ("fabrikam", SSPR)]:
        cell = store.control_cell(tenant, control)
        assert cell is not None
        assert (cell.run_id, cell.run_kind, cell.run_started_at, cell.score, cell.result) == _expected(
            store, tenant, control
        )
    contoso = store.control_cell("contoso", SSPR)
    assert contoso is not None and contoso.run_id == plan and contoso.run_kind == "plan"
    assert [f.status for f in contoso.result.findings] == [Status.PASS] and contoso.score == 8.0
    failed = store.control_cell("fabrikam", SSPR)
    assert failed is not None and failed.result.error == "plugin sspr failed in assess" and not failed.result.findings


def test_a_pair_never_assessed_has_no_cell(store: HistoryStore) -> None:
    _assess(store, "contoso", "assess", [ControlResult(SSPR, "SSPR", (_finding(SSPR, "enabled", Status.PASS),))])
    assert store.control_cell("contoso", PW) is None
    assert store.control_cell("nobody", SSPR) is None

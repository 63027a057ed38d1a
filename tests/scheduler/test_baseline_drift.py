"""Drift against the baseline a verified remediation established, on SQLite and PostgreSQL (issue 28).

The SSPR plugin against the simulator: after a verified remediation a customer admin sets a
setting back with their own (delegated) token; the next assessment reports it as drift — in the
store, through the notification channels, in the ``drift`` CLI — naming who did it from the
tenant's audit log. Scorekeeper's own rollback moves the baseline and raises no drift, and
``remediate --drift`` puts a drifted setting back to its baseline through the usual plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from scorekeeper.domain.model import Status
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine
from tests.scheduler.conftest import CHANNELS

simulator = pytest.importorskip("scorekeeper.simulator")

SSPR = "SelfServicePasswordReset"
CONTROLS = {SSPR: {"helpdesk": "https://help.contoso.com/password"}}
SETTING = "methods_policy_migration"
#: The customer's own change: the methods policy migration back to its first state (beta, as the plugin writes it).
CUSTOMER_PATH = "/beta/policies/authenticationMethodsPolicy"


@pytest.fixture(autouse=True)
def load_sspr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCOREKEEPER_LOAD_PLUGINS", "sspr")
    with HistoryStore.open("sqlite://") as scratch:
        engine = make_engine({"probe": simulator.Simulator.from_profiles("weak-cloud")}, scratch, tmp_path)
        if SSPR not in engine.plugins.controls:
            pytest.skip("the SSPR plugin is not installed")


async def customer_sets_back(sim: Any) -> None:
    """A customer admin, signed in with their own delegated Graph token, undoes the migration step."""
    token = sim.issue_delegated_token(audience="https://graph.microsoft.com")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url="http://127.0.0.1") as client:
        answer = await client.patch(
            CUSTOMER_PATH, json={"policyMigrationState": "preMigration"}, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 204, answer.text


async def remediated(sk_store: Any, tmp_path: Path, sim: Any, **kw: Any) -> tuple[Any, Any]:
    engine = make_engine({"contoso": sim}, sk_store, tmp_path, controls=CONTROLS, **kw)
    _, plans = await engine.plan("contoso", [SSPR])
    fixed = await engine.remediate("contoso", plans)
    assert fixed.status == "completed"
    return engine, fixed


async def test_a_customer_change_after_a_verified_remediation_is_drift_everywhere(
    harness: Any, receiver: Any, sk_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("SK_TEST_WEBHOOK", receiver.url)
    sim = simulator.Simulator.from_profiles("weak-cloud")
    engine, fixed = await remediated(sk_store, tmp_path, sim, extra_plugins=CHANNELS)
    engine.config.notifications = {"webhook": {"url_env": "SK_TEST_WEBHOOK", "backoff": 0, "allow_private": True}}
    baselines = {(b.setting, b.source, b.run_id) for b in sk_store.baselines("contoso")}
    assert (SETTING, "remediation", fixed.run_id) in baselines
    [calm] = await engine.assess(["contoso"], [SSPR])
    assert sk_store.drift_of_runs([calm.run_id]) == {}  # the remediated values read back: no drift

    await customer_sets_back(sim)
    harness.schedules.add("contoso", control=SSPR, interval_seconds=0.05)
    [outcome], _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 1)

    [event] = [d for d in outcome.drift if d.kind == "setting_drifted"]
    assert (event.control, event.setting, event.previous_run_id) == (SSPR, SETTING, fixed.run_id)
    assert (event.detail["baseline"], event.detail["value"]) == ("migrationInProgress", "preMigration")
    assert event.detail["who"].startswith("user admin@") and event.detail["when"]
    stored = [d for d in sk_store.drift_events("contoso") if d.kind == "setting_drifted"]
    assert [(d.setting, d.run_id) for d in stored] == [(SETTING, outcome.run_id)]
    [open_] = sk_store.open_drift("contoso")
    assert (open_.setting, open_.value, open_.drift_value) == (SETTING, "migrationInProgress", "preMigration")
    body = receiver.next()
    assert body["kind"] == "drift" and body["summary"].startswith("Drift in contoso: 1 setting off its baseline")
    [item] = [i for i in body["items"] if i["kind"] == "setting_drifted"]
    assert item["line"].startswith(f'{SSPR}.{SETTING}: baseline "migrationInProgress", now "preMigration" (who: user')

    # A drift that lasts is reported once, not at every assessment.
    [again] = await engine.assess(["contoso"], [SSPR])
    assert [
        d for d in sk_store.drift_of_runs([again.run_id]).get(again.run_id, []) if d.kind == "setting_drifted"
    ] == []

    from scorekeeper.cli.main import main

    with pytest.raises(SystemExit) as ended:
        main(["--db", sk_store.url, "drift", "--json"])
    assert ended.value.code == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert any(e["kind"] == "setting_drifted" and "who: user admin@" in e["line"] for e in events)


async def test_scorekeepers_own_rollback_raises_no_drift_and_moves_the_baseline(sk_store: Any, tmp_path: Path) -> None:
    sim = simulator.Simulator.from_profiles("weak-cloud")
    engine, fixed = await remediated(sk_store, tmp_path, sim)
    assert sk_store.baselines("contoso")
    _, undo = engine.rollback_plans(fixed.run_id)
    back = await engine.rollback(fixed.run_id, undo)
    assert back.status == "completed"
    assert sk_store.baselines("contoso") == []  # nothing was established before the rolled-back run
    [after] = await engine.assess(["contoso"], [SSPR])
    assert sk_store.drift_of_runs([after.run_id]) == {}  # neither "off its baseline" nor "regressed"


async def test_remediate_drift_puts_the_baseline_back(sk_store: Any, tmp_path: Path) -> None:
    sim = simulator.Simulator.from_profiles("weak-cloud")
    engine, _ = await remediated(sk_store, tmp_path, sim)
    await customer_sets_back(sim)
    run, plans = await engine.plan("contoso", [SSPR], drift=True)
    [plan] = plans
    assert [(i.setting, i.current, i.desired) for i in plan.items] == [(SETTING, "preMigration", "migrationInProgress")]
    again = await engine.remediate("contoso", plans, parent_run_id=run.run_id)
    assert again.status == "completed"
    [now] = await engine.assess(["contoso"], [SSPR])
    [finding] = [f for r in now.controls for f in r.findings if f.setting == SETTING]
    assert finding.current == "migrationInProgress" and finding.status is not Status.UNKNOWN
    assert not [d for d in sk_store.drift_of_runs([now.run_id]).get(now.run_id, []) if d.kind == "setting_drifted"]


async def test_without_audit_permission_who_is_unknown_and_the_run_still_completes(
    sk_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = simulator.Simulator.from_profiles("weak-cloud")
    engine, _ = await remediated(sk_store, tmp_path, sim)
    await customer_sets_back(sim)
    issue = sim.issue_token
    from scorekeeper.simulator.tokens import application_permissions

    withheld = {"AuditLog.Read.All", "Directory.Read.All"}
    roles = [p for p in application_permissions(sim.known_permissions()) if p not in withheld]
    monkeypatch.setattr(sim, "issue_token", lambda tenant_id=None, roles_=None: issue(tenant_id, roles=roles))
    [run] = await engine.assess(["contoso"], [SSPR])
    assert run.status == "completed"
    [event] = [d for d in sk_store.drift_of_runs([run.run_id])[run.run_id] if d.kind == "setting_drifted"]
    assert event.detail["who"] == "unknown (AuditLog.Read.All not granted)"

"""Real-tenant behaviour the happy-path profiles do not reach, through the real SDK pipeline.

Each test sets up what a real tenant can hold or do (Microsoft's own OMA-URI spelling, a refused
write, an object deleted behind scorekeeper's back, a second step that fails after a create) and
asserts on what the tenant ends up holding and what history records.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sspr_tenant_json as tenant
from sspr_engine import sspr_engine

from scorekeeper import Outcome, RestoreStatus, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.evaluate import evaluate
from scorekeeper_sspr.reads import Read

SSPR = "SelfServicePasswordReset"
CONFIG = {"helpdesk": "https://help.contoso.com/password"}
#: The OMA-URI exactly as Microsoft's "Enable SSPR at the Windows sign-in screen" how-to spells it.
DOCUMENTED_URI = "./Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset"


def _windows_config(uri: str, targets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@odata.type": rules.WINDOWS_CUSTOM,
        "id": "5f8d7c3a-1b2e-4c6d-9a0f-7e1d2c3b4a59",
        "displayName": "SSPR at sign-in",
        "omaSettings": [
            {"@odata.type": rules.OMA_INTEGER, "displayName": "Reset link", "omaUri": uri, "value": 1},
        ],
        "assignments": [
            {"@odata.type": "#microsoft.graph.deviceConfigurationAssignment", "id": f"a{i}", "target": t}
            for i, t in enumerate(targets)
        ],
    }


def test_the_oma_uri_spelling_of_microsofts_how_to_is_recognised() -> None:
    configs = {"value": [_windows_config(DOCUMENTED_URI, [{"@odata.type": rules.ALL_DEVICES}])]}
    snapshot = tenant.with_graph(tenant.weak(), device_configurations=Read(configs))

    findings, _ = evaluate(snapshot, SsprConfig(**CONFIG))
    [row] = [f for f in findings if f.setting == "windows_sign_in_reset"]

    assert row.status is Status.PASS, row.reason
    # Another CSP node (a user-scoped one here) is not the same setting.
    other = {"value": [_windows_config("./User/Vendor/MSFT/Policy/Config/Authentication/AllowAadPasswordReset", [])]}
    assert rules.sspr_device_configurations(other) == []


async def test_a_tenant_configured_by_microsofts_how_to_passes_and_gets_no_duplicate(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")
    state = sim.tenant(sim.tenant_id).state
    state["deviceConfigurations"].append(_windows_config(DOCUMENTED_URI, [{"@odata.type": rules.ALL_DEVICES}]))
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})

    _, plans = await engine.plan("contoso", [SSPR])

    planned = {i.setting for p in plans for i in p.items}
    assert "windows_sign_in_reset" not in planned
    assert "admin_sspr" in planned  # the plan itself was built


async def test_a_refused_write_names_the_permission_it_lacked(sk_simulator: Any, sk_store: Any, tmp_path: Any) -> None:
    sim = sk_simulator("weak-cloud")
    sim.faults.add(status=403, method="PATCH", path="/v1.0/policies/authorizationPolicy")
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    _, plans = await engine.plan("contoso", [SSPR])

    result = await engine.remediate("contoso", plans)

    [change] = [c for c in result.changes if c.setting == "admin_sspr"]
    assert change.outcome is Outcome.FAILED
    assert "403" in change.error and "Policy.ReadWrite.Authorization" in change.error
    # the other settings were still written
    assert any(c.setting == "registration_ca_policy" and c.outcome is Outcome.APPLIED for c in result.changes)


async def test_a_configuration_whose_assignment_fails_is_deleted_again(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")
    state = sim.tenant(sim.tenant_id).state
    before = [c["id"] for c in state["deviceConfigurations"]]
    sim.faults.add(status=403, method="POST", path="/v1.0/deviceManagement/deviceConfigurations/*/assign")
    pilot = {**CONFIG, "windows_sign_in_group": "1d3c5f6a-2b4e-4c8d-9e0f-a1b2c3d4e5f6"}
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: pilot})
    _, plans = await engine.plan("contoso", [SSPR])

    result = await engine.remediate("contoso", plans)

    created, assigned, deleted = [c for c in result.changes if c.setting == "windows_sign_in_reset"]
    assert created.created and created.outcome is Outcome.APPLIED
    assert assigned.outcome is Outcome.FAILED
    assert "permission refused" in assigned.error and "DeviceManagementConfiguration.ReadWrite.All" in assigned.error
    # Nothing is left behind: the unassigned configuration was deleted again at once, recorded too.
    assert deleted.outcome is Outcome.APPLIED and deleted.resource["compensates"] == created.id
    assert [c["id"] for c in state["deviceConfigurations"]] == before
    assert ("DELETE", f"/v1.0/{created.resource['path']}") in [(r.method, r.path) for r in sim.writes()]
    # and a rollback of the run has nothing left to do for it
    sim.faults.clear()
    _, undo = engine.rollback_plans(result.run_id)
    rollback = await engine.rollback(result.run_id, undo)
    statuses = {r.change.id: r.status for r in rollback.restorations}
    assert {statuses[c.id] for c in (created, assigned, deleted)} == {RestoreStatus.ALREADY}


async def test_rollback_of_a_created_policy_that_someone_deleted_counts_as_restored(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: dict(CONFIG)})
    sim.mark()
    _, plans = await engine.plan("contoso", [SSPR])
    result = await engine.remediate("contoso", plans)
    [created] = [c for c in result.changes if c.setting == "registration_ca_policy"]
    policies = sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"]
    policies[:] = [p for p in policies if p["id"] != created.resource["id"]]  # an admin deleted it by hand

    _, undo = engine.rollback_plans(result.run_id)
    rollback = await engine.rollback(result.run_id, undo)

    [restored] = [r for r in rollback.restorations if r.change.id == created.id]
    assert restored.status is RestoreStatus.ALREADY, restored.detail
    assert sim.state_diff() == []
    # nothing of that run is left to roll back
    assert all(
        c.rolled_back_by is not None for _, c in sk_store.changes_for_run(result.run_id) if c.outcome is Outcome.APPLIED
    )


async def test_the_portal_policy_is_read_with_its_selected_group_before_it_is_put_back_whole(
    sk_simulator: Any, sk_store: Any, tmp_path: Any
) -> None:
    sim = sk_simulator("weak-cloud")  # SSPR enabled for a pilot group
    engine = sspr_engine({"contoso": sim}, sk_store, tmp_path, controls={SSPR: {**CONFIG, "notify_users": True}})
    sim.mark()
    _, plans = await engine.plan("contoso", [SSPR])
    plans = [replace(p, items=tuple(i for i in p.items if i.setting == "notify_users")) for p in plans]

    await engine.remediate("contoso", plans)

    reads = [r for r in sim.request_log if r.method == "GET" and r.path == "/api/PasswordReset/PasswordResetPolicies"]
    assert reads and all(r.query.get("getPasswordResetEnabledGroup") == "true" for r in reads)
    [put] = [r for r in sim.writes() if r.path == "/api/PasswordReset/PasswordResetPolicies"]
    assert put.body["enablementType"] == 1 and put.body["passwordResetEnabledGroupIds"]
    # every other field, the selected group included, went back exactly as it was read
    assert [str(c.path).rsplit(".", 1)[-1] for c in sim.state_diff()] == ["notifyUsersOnPasswordReset"]

"""Writes to one resource merged into one request, reads in one wave (``scorekeeper/safety/wire.py``).

Two controls' contexts share one :class:`TenantWire`, as the engine hands them while a tenant is
changed; the simulated tenant's request log says what reached the wire. Each setting stays its
own recorded change: merged, restored alone, failed together.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scorekeeper import Outcome, RestoreStatus
from scorekeeper.plugin.context import TenantContext
from scorekeeper.restore import restore
from scorekeeper.safety.wire import TenantWire, merge_writes
from scorekeeper.testing import simulated_tenant, simulator_for
from scorekeeper.writes import Request

POLICY = "policies/authorizationPolicy"
CONSENT = {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": []}}


def _contexts(sim: Any) -> tuple[TenantContext, TenantContext, TenantWire]:
    """SSPR's and IntegratedApps' contexts on one simulated tenant, sharing one wire (as the engine builds them)."""
    from scorekeeper_integratedapps.control import CONTROL as APPS
    from scorekeeper_sspr.control import CONTROL as SSPR

    sspr = simulated_tenant(sim, SSPR, phase="remediate")
    apps = simulated_tenant(sim, APPS, phase="remediate")
    client = sspr.graph
    wire = TenantWire(lambda: client, sspr.portal)
    sspr._wire = apps._wire = wire
    return sspr, apps, wire


def _sent(sim: Any, method: str, path: str) -> list[Any]:
    return [r for r in sim.request_log if r.method == method and r.path.endswith(path) and not r.batched]


async def _policy(context: TenantContext) -> dict[str, Any]:
    return dict(await context.send(Request("GET", POLICY)))


async def _both(sspr: TenantContext, apps: TenantContext, consent: Any = None) -> tuple[Any, Any]:
    before = await _policy(sspr)
    kept = {"defaultUserRolePermissions": {"permissionGrantPoliciesAssigned": consent or []}}
    return await asyncio.gather(
        sspr.write(
            "admin_sspr",
            "PATCH",
            POLICY,
            {"allowedToUseSSPR": False},
            before={"allowedToUseSSPR": before["allowedToUseSSPR"]},
            merge=True,
        ),
        apps.write(
            "user_consent",
            "PATCH",
            "/" + POLICY,  # IntegratedApps names the path with a leading slash: still the same resource
            kept,
            before={
                "defaultUserRolePermissions": {
                    "permissionGrantPoliciesAssigned": before["defaultUserRolePermissions"][
                        "permissionGrantPoliciesAssigned"
                    ]
                }
            },
            merge=True,
        ),
    )


async def test_two_settings_of_two_controls_on_one_resource_are_one_write() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, wire = _contexts(sim)
    sspr_change, apps_change = await _both(sspr, apps)

    assert len(_sent(sim, "PATCH", POLICY)) == 1
    assert wire.counts.merged == 1
    assert sspr_change.outcome is Outcome.APPLIED and apps_change.outcome is Outcome.APPLIED
    # Each setting is its own recorded change, with its own fields only.
    assert sspr_change.before == {"allowedToUseSSPR": True} and sspr_change.after == {"allowedToUseSSPR": False}
    assert set(apps_change.before) == {"defaultUserRolePermissions"}
    after = await _policy(sspr)
    assert after["allowedToUseSSPR"] is False
    assert after["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"] == []


async def test_rolling_back_one_merged_setting_restores_only_its_own_fields() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, _ = _contexts(sim)
    original = await _policy(sspr)
    sspr_change, _ = await _both(sspr, apps)

    restored = await restore(sspr, sspr_change, 0)

    assert restored.status is RestoreStatus.RESTORED, restored.detail
    now = await _policy(sspr)
    assert now["allowedToUseSSPR"] == original["allowedToUseSSPR"] is True
    assert now["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"] == []  # the other write stays


async def test_a_refused_merged_write_fails_every_setting_it_carried_and_keeps_their_before_values() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, _ = _contexts(sim)
    original = await _policy(sspr)
    sim.faults.add(status=400, method="PATCH", path=f"/v1.0/{POLICY}")

    sspr_change, apps_change = await _both(sspr, apps)

    assert len(_sent(sim, "PATCH", POLICY)) == 1  # one request was refused, not two
    assert sspr_change.outcome is Outcome.FAILED and apps_change.outcome is Outcome.FAILED
    assert "refused" in sspr_change.error and "refused" in apps_change.error
    recorded = [*sspr.change_sink.changes, *apps.change_sink.changes]  # type: ignore[attr-defined]
    assert [(c.setting, c.outcome) for c in recorded] == [
        ("admin_sspr", Outcome.FAILED),
        ("user_consent", Outcome.FAILED),
    ]
    assert recorded[0].before == {"allowedToUseSSPR": True}
    assert (
        recorded[1].before["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"]
        == (original["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"])
    )
    assert await _policy(sspr) == original


async def test_writes_that_set_one_field_differently_are_not_merged_and_keep_their_order() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, wire = _contexts(sim)
    first, second = await asyncio.gather(
        sspr.write(
            "admin_sspr", "PATCH", POLICY, {"allowedToUseSSPR": False}, before={"allowedToUseSSPR": True}, merge=True
        ),
        apps.write(
            "user_consent", "PATCH", POLICY, {"allowedToUseSSPR": True}, before={"allowedToUseSSPR": False}, merge=True
        ),
    )
    patches = _sent(sim, "PATCH", POLICY)
    assert [p.body for p in patches] == [{"allowedToUseSSPR": False}, {"allowedToUseSSPR": True}]
    assert wire.counts.merged == 0 and first.applied and second.applied


async def test_a_write_that_does_not_ask_to_be_merged_goes_out_alone() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, _ = _contexts(sim)
    await asyncio.gather(
        sspr.write("admin_sspr", "PATCH", POLICY, {"allowedToUseSSPR": False}, before={"allowedToUseSSPR": True}),
        apps.write("user_consent", "PATCH", POLICY, CONSENT, before=CONSENT, merge=True),
    )
    assert len(_sent(sim, "PATCH", POLICY)) == 2


async def test_reads_of_a_wave_go_out_in_one_batch_and_the_same_read_once() -> None:
    sim = simulator_for("weak-cloud")
    sspr, apps, wire = _contexts(sim)
    policy, again, workflow, domains = await asyncio.gather(
        sspr.send(Request("GET", POLICY)),
        apps.graph_request("GET", POLICY),
        apps.send(Request("GET", "policies/adminConsentRequestPolicy")),
        sspr.batch({"domains": sspr.graph.domains.to_get_request_information()}),
    )
    assert policy == again and "isEnabled" in workflow and domains["domains"].ok
    assert len(_sent(sim, "POST", "/$batch")) == 1
    assert len([r for r in sim.request_log if r.batched and r.path.endswith(POLICY)]) == 1
    assert wire.counts.waves == 1 and wire.counts.graph_reads == 3


async def test_a_missing_object_read_through_the_wave_raises_as_the_client_would() -> None:
    from scorekeeper import GraphCallError

    sim = simulator_for("weak-cloud")
    sspr, _, _ = _contexts(sim)
    try:
        await sspr.send(Request("GET", "groupSettings/00000000-0000-0000-0000-000000000000"))
    except GraphCallError as exc:
        assert exc.status == 404
    else:
        raise AssertionError("a missing object read as found")


def test_put_writes_merge_only_when_each_names_the_fields_it_sets() -> None:
    from scorekeeper.safety.wire import _Write

    loop = asyncio.new_event_loop()
    try:
        base = {"a": 1, "b": 1, "c": 1}
        one = _Write(Request("PUT", "x", {**base, "a": 2}, "portal"), True, ({"a": 2},), loop.create_future())
        two = _Write(Request("PUT", "x", {**base, "b": 3}, "portal"), True, ({"b": 3},), loop.create_future())
        blind = _Write(Request("PUT", "x", {**base, "c": 4}, "portal"), True, (), loop.create_future())
        [(request, carried)] = merge_writes([one, two])
        assert request.body == {"a": 2, "b": 3, "c": 1} and carried == [one, two]
        assert [len(c) for _, c in merge_writes([one, blind])] == [1, 1]  # what blind sets is unknown
    finally:
        loop.close()

"""The write helper and the default rollback, against the core simulator through msgraph-sdk.

An answer lost *after* the tenant applied the write is made by wrapping the simulator's ASGI app:
the request reaches the real handler, then the client gets a transport error instead of the
answer — exactly what a connection reset after the request looks like to httpx.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from scorekeeper import Control, Outcome, RemediationKind, RestoreStatus, Setting
from scorekeeper.errors import WritesStopped
from scorekeeper.safety.gate import WriteGate
from scorekeeper.safety.recorder import StoreSink as _StoreSink
from scorekeeper.safety.restore import restore
from scorekeeper.simulator import Simulator
from scorekeeper.testing import simulated_tenant
from scorekeeper.writes import classify, marker_tag, same

AUTHZ = "policies/authorizationPolicy"
CA = "identity/conditionalAccess/policies"

CONTROL = Control(
    id="WriteToy",
    title="writes for tests",
    settings=(
        Setting(
            "admin_sspr",
            "Admins may use SSPR",
            RemediationKind.AUTOMATED,
            write_api="PATCH authorizationPolicy",
            write_permissions=("Policy.ReadWrite.Authorization",),
        ),
        Setting(
            "ca",
            "A CA policy",
            RemediationKind.AUTOMATED,
            write_api="POST policies",
            write_permissions=("Policy.ReadWrite.ConditionalAccess",),
        ),
    ),
)


class AnswerLost:
    """An ASGI app that lets ``method path`` through to the simulator, then drops its answer."""

    def __init__(self, app: Any, method: str, path: str) -> None:
        self.app, self.method, self.path = app, method, path
        self.dropped = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != self.method or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return

        async def swallow(message: dict[str, Any]) -> None:
            return None

        await self.app(scope, receive, swallow)  # the tenant applies the write...
        self.dropped += 1
        raise httpx.ReadError("connection reset by peer")  # ...and the client never hears of it


class Wrapped:
    """The simulator with its ASGI app replaced (everything else as is)."""

    def __init__(self, sim: Simulator, app: Any) -> None:
        self._sim, self.app = sim, app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)


@pytest.fixture
def sim() -> Simulator:
    return Simulator.from_profiles("weak-cloud")


def tenant(sim: Any, store: Any, run_id: int, gate: WriteGate | None = None, **kwargs: Any) -> Any:
    sink = _StoreSink(store, run_id, CONTROL.id, frozenset(CONTROL.setting_ids), gate or WriteGate())
    context = simulated_tenant(sim, CONTROL, change_sink=sink, phase="remediate", **kwargs)
    context.declaration = CONTROL
    return context, sink


def allowed(sim: Simulator) -> bool:
    return sim.tenant(sim.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"]


async def test_a_write_is_recorded_before_it_is_sent_and_applied(sim: Simulator, sk_store: Any) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    seen: list[Any] = []

    class Spy(AnswerLost):
        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("method") == "PATCH":
                seen.extend(sk_store.changes_for_run(run_id))  # what history held when the request arrived
            await self.app(scope, receive, send)

    context, _ = tenant(Wrapped(sim, Spy(sim.app, "", "")), sk_store, run_id)
    was = allowed(sim)
    change = await context.write(
        "admin_sspr", "PATCH", AUTHZ, {"allowedToUseSSPR": not was}, before={"allowedToUseSSPR": was}
    )
    assert change.outcome is Outcome.APPLIED and change.id is not None
    [(_, pending)] = seen
    assert pending.outcome is Outcome.SKIPPED and pending.before == {"allowedToUseSSPR": was}
    assert pending.resource["request"] == {"method": "PATCH", "path": AUTHZ, "api": "graph", "version": "v1.0"}
    assert allowed(sim) is (not was)


async def test_an_answer_lost_after_the_write_applied_is_proven_by_a_read_and_rollback_undoes_it(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    lost = AnswerLost(sim.app, "PATCH", f"/v1.0/{AUTHZ}")
    context, _ = tenant(Wrapped(sim, lost), sk_store, run_id)
    sim.mark()
    was = allowed(sim)
    change = await context.write(
        "admin_sspr", "PATCH", AUTHZ, {"allowedToUseSSPR": not was}, before={"allowedToUseSSPR": was}
    )
    assert lost.dropped == 1 and allowed(sim) is (not was)  # it did apply
    # The answer was lost; the read back proves it took (scorekeeper/plugin/resend.py): applied, not resent.
    assert change.outcome is Outcome.APPLIED and change.error == "", change.error
    assert change.resource["sent"] == 1 and "read it as written" in str(change.resource["attempts"])
    assert "answered" in str(change.resource["attempts"])
    undo_context, _ = tenant(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    first = await restore(undo_context, change, run_id)
    assert first.status is RestoreStatus.RESTORED and sim.state_diff() == []
    again = await restore(undo_context, change, run_id)  # idempotent
    assert again.status is RestoreStatus.ALREADY


async def test_an_orphan_whose_create_answer_was_lost_is_found_by_its_marker_and_deleted(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    lost = AnswerLost(sim.app, "POST", f"/v1.0/{CA}")
    context, _ = tenant(Wrapped(sim, lost), sk_store, run_id)
    sim.mark()
    body = {
        "displayName": "Block legacy authentication",
        "state": "disabled",
        "conditions": {"applications": {"includeApplications": ["All"]}, "users": {"includeUsers": ["All"]}},
        "grantControls": {"operator": "OR", "builtInControls": ["block"]},
    }
    change = await context.create("ca", CA, body)
    # The helper settles the unknown outcome itself: it finds the object by its marker and adopts it.
    assert change.outcome is Outcome.APPLIED and change.resource["paths"] == [change.resource["path"]]
    assert lost.dropped == 1, "the POST was sent again after its answer was lost"
    policies = sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"]
    [orphan] = [p for p in policies if marker_tag(run_id, change.id) in p["displayName"]]
    assert orphan["displayName"] == f"Block legacy authentication {marker_tag(run_id, change.id)}"
    [(_, recorded)] = sk_store.changes_for_run(run_id)
    assert recorded.created and recorded.resource["marker"]["collection"] == CA  # committed before the POST
    undo_context, _ = tenant(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo_context, recorded, run_id)
    assert result.status is RestoreStatus.RESTORED, result.detail
    assert sim.state_diff() == []


async def test_a_refused_write_names_the_declared_permission_and_is_not_applied(sim: Simulator, sk_store: Any) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    context, _ = tenant(sim, sk_store, run_id, roles=["Policy.Read.All"])
    change = await context.write("admin_sspr", "PATCH", AUTHZ, {"allowedToUseSSPR": True}, before={})
    assert change.outcome is Outcome.FAILED
    assert change.error.startswith("permission refused (the app needs Policy.ReadWrite.Authorization)")


async def test_after_a_stop_no_new_write_is_recorded_or_sent(sim: Simulator, sk_store: Any) -> None:
    gate = WriteGate()
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    context, _ = tenant(sim, sk_store, run_id, gate=gate)
    gate.close("SIGINT received")
    with pytest.raises(WritesStopped, match="SIGINT received"):
        await context.write("admin_sspr", "PATCH", AUTHZ, {"allowedToUseSSPR": True}, before={})
    assert sim.writes() == [] and sk_store.changes_for_run(run_id) == []


@pytest.mark.parametrize(
    ("status", "outcome", "words"),
    [
        (403, Outcome.FAILED, "permission refused"),
        (429, Outcome.FAILED, "throttled past retries"),
        (503, Outcome.FAILED, "throttled past retries"),
        (400, Outcome.FAILED, "refused, not applied"),
        (500, Outcome.AMBIGUOUS, "outcome unknown"),
        (502, Outcome.AMBIGUOUS, "outcome unknown"),
        (504, Outcome.AMBIGUOUS, "outcome unknown"),
        (0, Outcome.AMBIGUOUS, "outcome unknown"),
    ],
)
def test_errors_are_classified(status: int, outcome: Outcome, words: str) -> None:
    from scorekeeper import GraphCallError

    failure = classify(GraphCallError(status, "Code", "message"), needs="the app needs X")
    assert failure.outcome is outcome and failure.text.startswith(words)


def test_same_compares_what_was_written_and_ignores_odata_annotations() -> None:
    assert same({"a": 1, "b": 2, "@odata.type": "#x"}, {"a": 1, "@odata.type": "#y"})
    assert same({"value": [{"id": "1", "target": {"groupId": "g", "x": 1}}]}, {"value": [{"target": {"groupId": "g"}}]})
    assert not same({"value": []}, {"value": [{"target": {}}]})
    assert not same({"a": 2}, {"a": 1})
    assert same(None, {"a": None})

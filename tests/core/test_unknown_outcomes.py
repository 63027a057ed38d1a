"""Writes whose outcome is unknown: no blind resend of a POST, creates settled by their marker, deletes proven.

In-process, against the core simulator through the real msgraph-sdk pipeline (its middleware
included): a fault answers 503/504 after the simulator applied a POST, a wrapper hides a new
object from a lagging listing, or a DELETE is answered without taking effect.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from scorekeeper import Control, Outcome, RemediationKind, RestoreStatus, Setting
from scorekeeper.errors import EXIT_OK, GraphCallError, NothingToRollBack, PortalError, exit_code_of
from scorekeeper.safety.gate import WriteGate
from scorekeeper.safety.recorder import StoreSink
from scorekeeper.safety.restore import restore
from scorekeeper.simulator import Simulator
from scorekeeper.testing import simulated_tenant
from scorekeeper.writes import classify, marker_tag

CA = "identity/conditionalAccess/policies"
AUTHZ = "policies/authorizationPolicy"
CONTROL = Control(
    id="UnknownOutcomes",
    title="writes of unknown outcome",
    settings=(
        Setting(
            "ca", "A CA policy", RemediationKind.AUTOMATED, write_permissions=("Policy.ReadWrite.ConditionalAccess",)
        ),
        Setting("admin_sspr", "Admins may use SSPR", RemediationKind.AUTOMATED),
    ),
)
BODY = {
    "displayName": "Block legacy authentication",
    "state": "disabled",
    "conditions": {"applications": {"includeApplications": ["All"]}, "users": {"includeUsers": ["All"]}},
    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
}


@pytest.fixture
def sim() -> Simulator:
    the_sim = Simulator.from_profiles("weak-cloud")
    the_sim.mark()
    return the_sim


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scorekeeper.plugin.writes.CREATE_SEARCH_PAUSE", 0.0)


class Wrapped:
    """The simulator with its ASGI app replaced (everything else as is)."""

    def __init__(self, sim: Simulator, app: Any) -> None:
        self._sim, self.app = sim, app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim, name)


def context(sim: Any, store: Any, run_id: int) -> Any:
    sink = StoreSink(store, run_id, CONTROL.id, frozenset(CONTROL.setting_ids), WriteGate())
    ctx = simulated_tenant(sim, CONTROL, change_sink=sink, phase="remediate")
    ctx.declaration = CONTROL
    return ctx


def posts(sim: Simulator, path: str = f"/v1.0/{CA}") -> list[int]:
    """The status the backend gave each POST to ``path`` (a fault's answer replaced, not logged)."""
    return [r.status for r in sim.request_log if r.method == "POST" and r.path == path]


def ours(sim: Simulator, run_id: int, change_id: int | None) -> list[str]:
    tag = marker_tag(run_id, change_id or 0)
    return [p["id"] for p in sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"] if tag in p["displayName"]]


# ---------------------------------------------------------------- classification and the retry rule


@pytest.mark.parametrize(
    ("error", "method", "outcome", "words"),
    [
        (GraphCallError(503, "serviceNotAvailable", "m"), "POST", Outcome.AMBIGUOUS, "outcome unknown"),
        (GraphCallError(503, "serviceNotAvailable", "m"), "PATCH", Outcome.FAILED, "throttled past retries"),
        (GraphCallError(429, "TooManyRequests", "m"), "POST", Outcome.FAILED, "throttled past retries"),
        (GraphCallError(504, "gatewayTimeout", "m"), "POST", Outcome.AMBIGUOUS, "outcome unknown"),
        (PortalError(200, "MalformedResponse", "PUT x: body is not JSON"), "PUT", Outcome.AMBIGUOUS, "outcome unknown"),
        (GraphCallError(0, "MalformedResponse", "m"), "PATCH", Outcome.AMBIGUOUS, "outcome unknown"),
        (GraphCallError(400, "BadRequest", "m"), "POST", Outcome.FAILED, "refused, not applied"),
    ],
)
def test_classification_of_answers_that_do_not_say_whether_it_happened(
    error: GraphCallError, method: str, outcome: Outcome, words: str
) -> None:
    failure = classify(error, method=method)
    assert failure.outcome is outcome and failure.text.startswith(words), failure.text


@pytest.mark.parametrize(
    ("method", "path", "status", "resend"),
    [
        ("POST", "/v1.0/identity/conditionalAccess/policies", 503, False),
        ("POST", "/v1.0/identity/conditionalAccess/policies", 504, False),
        ("POST", "/v1.0/identity/conditionalAccess/policies", 429, True),
        ("POST", "/v1.0/$batch", 503, True),
        ("PATCH", "/v1.0/policies/authorizationPolicy", 503, True),
        ("DELETE", "/v1.0/groupSettings/x", 504, True),
        ("PUT", "/api/PasswordReset/PasswordResetPolicies", 503, True),
    ],
)
def test_the_sdk_retry_handler_never_resends_a_post_whose_outcome_is_unknown(
    method: str, path: str, status: int, resend: bool
) -> None:
    from kiota_http.middleware import RetryHandler
    from kiota_http.middleware.options import RetryHandlerOption

    from scorekeeper.graph.retry import graph_middleware, write_safe_retry_handler

    [handler] = [m for m in graph_middleware() if isinstance(m, RetryHandler)]
    assert type(handler) is write_safe_retry_handler()
    request = httpx.Request(method, f"https://graph.microsoft.com{path}", content=b"{}")
    response = httpx.Response(status, request=request)
    assert handler.should_retry(request, RetryHandlerOption(), response) is resend


def test_nothing_to_roll_back_exits_0() -> None:
    error = NothingToRollBack(7, "run 7 has no changes left to roll back")
    assert exit_code_of(error) == EXIT_OK


# ---------------------------------------------------------------- creates


@pytest.mark.parametrize("status", [503, 504])
async def test_a_post_applied_then_answered_5xx_is_sent_once_and_adopted(
    sim: Simulator, sk_store: Any, status: int
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=status, apply=True, method="POST", path=f"/v1.0/{CA}", times=1)
    change = await context(sim, sk_store, run_id).create("ca", CA, BODY)
    assert posts(sim) == [201], "the SDK or the helper sent the POST again"
    [made] = ours(sim, run_id, change.id)
    assert change.outcome is Outcome.APPLIED and change.resource["id"] == made
    assert change.resource["paths"] == [f"{CA}/{made}"]
    assert f"answered HTTP {status}" in str(change.resource["attempts"])


async def test_a_post_refused_503_before_the_backend_is_sent_again_after_a_search(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=503, retry_after=0, method="POST", path=f"/v1.0/{CA}", times=1)
    change = await context(sim, sk_store, run_id).create("ca", CA, BODY)
    assert posts(sim) == [503, 201]
    [made] = ours(sim, run_id, change.id)
    assert change.outcome is Outcome.APPLIED and change.resource["id"] == made
    assert "POST 2 created it" in str(change.resource["attempts"])


async def test_a_post_answered_429_is_still_retried_by_the_sdk(sim: Simulator, sk_store: Any) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=429, retry_after=1, method="POST", path=f"/v1.0/{CA}", times=1)
    change = await context(sim, sk_store, run_id).create("ca", CA, BODY)
    assert posts(sim) == [429, 201] and change.outcome is Outcome.APPLIED
    assert "attempts" not in change.resource  # the SDK's own retry: the helper saw one success


class LaggingList:
    """Hides objects created by this run from the first ``lag`` listings of the CA collection."""

    def __init__(self, app: Any, lag: int) -> None:
        self.app, self.lag = app, lag

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("method") == "GET" and scope.get("path") == f"/v1.0/{CA}" and self.lag > 0:
            self.lag -= 1
            body = json.dumps({"value": []}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


async def test_every_object_carrying_the_marker_is_recorded_and_rollback_deletes_them_all(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=504, apply=True, method="POST", path=f"/v1.0/{CA}", times=1)
    lagging = Wrapped(sim, LaggingList(sim.app, lag=2))  # both searches of the first round miss it
    change = await context(lagging, sk_store, run_id).create("ca", CA, BODY)
    made = ours(sim, run_id, change.id)
    assert posts(sim) == [201, 201] and len(made) == 2  # a duplicate the listing hid...
    assert change.outcome is Outcome.APPLIED
    assert sorted(change.resource["paths"]) == sorted(f"{CA}/{i}" for i in made)  # ...recorded, both

    [(_, recorded)] = sk_store.changes_for_run(run_id)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)
    assert result.status is RestoreStatus.RESTORED, result.detail
    assert "no object in" in result.detail and sim.state_diff() == []


async def test_a_create_whose_marker_search_fails_is_ambiguous_and_not_sent_again(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=504, apply=True, method="POST", path=f"/v1.0/{CA}", times=1)
    sim.faults.add(status=500, method="GET", path=f"/v1.0/{CA}", times=1)
    change = await context(sim, sk_store, run_id).create("ca", CA, BODY)
    assert posts(sim) == [201]
    assert change.outcome is Outcome.AMBIGUOUS and "search for its marker failed too" in change.error
    assert "path" not in change.resource

    [(_, recorded)] = sk_store.changes_for_run(run_id)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)  # the orphan is found by its marker
    assert result.status is RestoreStatus.RESTORED, result.detail
    assert sim.state_diff() == []


async def test_a_create_nothing_can_find_again_is_not_sent_twice_and_rollback_says_so(
    sim: Simulator, sk_store: Any
) -> None:
    run_id = sk_store.start_run("t", "remediate", controls=[CONTROL.id])
    sim.faults.add(status=504, apply=True, method="POST", path=f"/v1.0/{CA}", times=1)
    change = await context(sim, sk_store, run_id).create("ca", CA, BODY, marker_field=None)
    assert posts(sim) == [201] and change.outcome is Outcome.AMBIGUOUS

    [(_, recorded)] = sk_store.changes_for_run(run_id)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)
    assert result.status is RestoreStatus.FAILED and "nothing identifies the object" in result.detail


# ---------------------------------------------------------------- deletes


async def _created(sim: Simulator, store: Any) -> tuple[int, Any]:
    run_id = store.start_run("t", "remediate", controls=[CONTROL.id])
    change = await context(sim, store, run_id).create("ca", CA, BODY)
    assert change.outcome is Outcome.APPLIED
    [(_, recorded)] = store.changes_for_run(run_id)
    return run_id, recorded


async def test_a_delete_answered_500_without_effect_is_could_not_restore_then_retried(
    sim: Simulator, sk_store: Any
) -> None:
    run_id, recorded = await _created(sim, sk_store)
    sim.faults.add(status=500, method="DELETE", path=f"/v1.0/{CA}/*", times=1)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    first = await restore(undo, recorded, run_id)
    assert first.status is RestoreStatus.FAILED
    assert recorded.resource["path"] in first.detail and "still exists after its DELETE" in first.detail
    assert ours(sim, run_id, recorded.id) == [recorded.resource["id"]]
    again = await restore(undo, recorded, run_id)
    assert again.status is RestoreStatus.RESTORED and sim.state_diff() == []


class DeleteIgnored:
    """Answers every DELETE 204 without passing it to the simulator: a success that did not happen."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("method") == "DELETE":
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


async def test_a_delete_answered_success_is_still_proven_by_a_read(sim: Simulator, sk_store: Any) -> None:
    run_id, recorded = await _created(sim, sk_store)
    undo = context(
        Wrapped(sim, DeleteIgnored(sim.app)), sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id])
    )
    result = await restore(undo, recorded, run_id)
    assert result.status is RestoreStatus.FAILED and "answered with success" in result.detail


async def test_a_delete_applied_then_answered_504_is_retried_and_proven_gone(sim: Simulator, sk_store: Any) -> None:
    run_id, recorded = await _created(sim, sk_store)
    sim.faults.add(status=504, retry_after=0, apply=True, method="DELETE", path=f"/v1.0/{CA}/*", times=1)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)  # the SDK resends the DELETE: 404, which is fine
    assert result.status is RestoreStatus.RESTORED, result.detail
    assert "GET answers 404" in result.detail and sim.state_diff() == []


# ---------------------------------------------------------------- an object with no free text to mark

RULES = "5cf42378-d67d-4f36-ba46-e8b86229381d"  # Password Rule Settings: at most one per tenant


async def _created_setting(sim: Simulator, store: Any) -> tuple[int, Any]:
    run_id = store.start_run("t", "remediate", controls=[CONTROL.id])
    ctx = context(sim, store, run_id)
    change = await ctx.create(
        "ca", "groupSettings", {"templateId": RULES, "values": []}, marker_field=None, match={"templateId": RULES}
    )
    assert change.outcome is Outcome.APPLIED
    [(_, recorded)] = store.changes_for_run(run_id)
    return run_id, recorded


async def test_a_matched_object_is_proven_gone_by_its_read_and_a_search(sim: Simulator, sk_store: Any) -> None:
    run_id, recorded = await _created_setting(sim, sk_store)
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)
    assert result.status is RestoreStatus.RESTORED, result.detail
    assert f"no object in groupSettings carries {{'templateId': '{RULES}'}}" in result.detail
    assert sim.state_diff() == []


async def test_someone_elses_matching_object_is_named_never_deleted(sim: Simulator, sk_store: Any) -> None:
    from scorekeeper.writes import Request

    run_id, recorded = await _created_setting(sim, sk_store)
    admin = context(sim, sk_store, sk_store.start_run("t", "remediate", controls=[CONTROL.id]))
    await admin.send(Request("DELETE", str(recorded.resource["path"])))  # someone deleted ours by hand...
    theirs = await admin.send(Request("POST", "groupSettings", {"templateId": RULES, "values": []}))  # ...and made one
    undo = context(sim, sk_store, sk_store.start_run("t", "rollback", controls=[CONTROL.id]))
    result = await restore(undo, recorded, run_id)
    assert result.status is RestoreStatus.FAILED and result.writes == ()
    assert f"groupSettings/{theirs['id']} matches" in result.detail and "someone else's" in result.detail
    assert [s["id"] for s in sim.tenant(sim.tenant_id).state["groupSettings"]] == [theirs["id"]]

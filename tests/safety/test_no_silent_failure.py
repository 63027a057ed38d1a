"""The faults after which a write's outcome is unknown, at every write whose retry could do harm.

Against one served ``weak-cloud`` tenant (reset between cells), the real CLI (``main()``, in this
process) remediates one setting of SelfServicePasswordReset, and rolls back:

* **creates** — every ``tenant.create`` the shipped plugins make (the SSPR plugin's three: the
  registration Conditional Access policy, the Windows sign-in device configuration and the
  Password Rule Settings directory setting; integratedapps and pwage create nothing, they only
  ``PATCH``) — answered 503 or 504 *after* the service applied them, reset after it applied them,
  or answered 503 *before* (throttled):
  exactly one object is made (no resend of a POST whose outcome is unknown; the helper finds
  the object by its marker and adopts it), rollback deletes it and exits 0, the tenant's whole
  state equals the state before, and a second rollback exits 0 with nothing left;
* **rollback DELETEs** of those objects answered 500, or timed out, *without* taking effect:
  rollback exits 1 naming the object left, only that change stays open, and the next rollback
  retries exactly it and ends exact;
* **the portal PUT** answered 200 with a body that is not JSON: the policy is read back, which
  proves the PUT took, so its changes are applied (never "refused, not applied"), and rollback
  ends exact.

No cell may end silent: every one is exact (state diff empty) or honest (exit 1, the object
named, retried exactly by the next rollback).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.domain.model import Outcome
from tests.safety.harness import TENANT, Lab, lab

CONTROL = "SelfServicePasswordReset"
PASSWORD_RULES_TEMPLATE = "5cf42378-d67d-4f36-ba46-e8b86229381d"

#: setting → (the collection its create POSTs to, the state key of those objects)
CREATES: dict[str, tuple[str, str]] = {
    "registration_ca_policy": ("/v1.0/identity/conditionalAccess/policies", "conditionalAccessPolicies"),
    "windows_sign_in_reset": ("/v1.0/deviceManagement/deviceConfigurations", "deviceConfigurations"),
    "password_protection": ("/v1.0/groupSettings", "groupSettings"),
}
CREATE_FAULTS: dict[str, dict[str, Any]] = {
    "503-after-apply": {"status": 503, "apply": True},
    "504-after-apply": {"status": 504, "apply": True},
    "503-not-applied": {"status": 503, "retry_after": 1},  # throttled: the helper looks, then sends again
    "reset-after-apply": {"kind": "reset"},  # the answer lost on the wire: no status at all
}
DELETE_FAULTS: dict[str, dict[str, Any]] = {
    "500-not-applied": {"status": 500},
    "timeout-not-applied": {"kind": "timeout", "unapplied": True},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home: Path = tmp_path_factory.mktemp("no-silent-failure")
    with lab(home, request_timeout=3.0) as the_lab:  # the timeout cells wait this out
        yield the_lab


def _fresh(served: Lab) -> None:
    served.sim.reset()  # the profile's state again; log, faults and write count cleared
    served.sim.mark()


def _state(served: Lab, key: str) -> list[dict[str, Any]]:
    return list(served.sim.tenants[served.sim.tenant_id].state.get(key) or [])


def _ours(served: Lab, key: str) -> list[dict[str, Any]]:
    """The objects scorekeeper created in ``key``: marked ones, or the Password Rule Settings (no free text)."""
    if key == "groupSettings":
        return [s for s in _state(served, key) if s.get("templateId") == PASSWORD_RULES_TEMPLATE]
    return [o for o in _state(served, key) if "[scorekeeper run " in str(o.get("displayName") or "")]


def _applied_posts(served: Lab, path: str) -> int:
    return sum(1 for r in served.sim.writes() if r.method == "POST" and r.path == path)


def _remediate(served: Lab, setting: str) -> tuple[int, list[Any]]:
    done = served.cli("remediate", "--tenant", TENANT, "--control", CONTROL, "--setting", setting, "--yes")
    assert "Traceback" not in done.err, done.err
    assert done.code in (0, 3), done.out[-1500:] + done.err[-1500:]
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
        changes = [c for _, c in store.changes_for_run(run_id)]
    served.wait_idle()
    return run_id, changes


def _open_changes(served: Lab, run_id: int) -> list[int]:
    with served.store() as store:
        return [c.id for _, c in store.changes_for_run(run_id) if c.rolled_back_by is None and c.id is not None]


def _rollback(served: Lab, run_id: int) -> Any:
    rolled = served.cli("rollback", str(run_id), "--yes")
    assert "Traceback" not in rolled.err, rolled.err
    return rolled


def _assert_nothing_left(served: Lab, run_id: int) -> None:
    again = _rollback(served, run_id)
    assert again.code == 0, again.out[-800:] + again.err[-800:]
    assert "no changes left to roll back" in again.err
    assert not served.sim.writes(), "a rollback with nothing left wrote"


@pytest.mark.parametrize("fault", list(CREATE_FAULTS))
@pytest.mark.parametrize("setting", list(CREATES))
def test_a_create_of_unknown_outcome_makes_one_object_and_rollback_removes_it(
    served: Lab, setting: str, fault: str
) -> None:
    collection, key = CREATES[setting]
    _fresh(served)
    rule = served.sim.faults.add(**CREATE_FAULTS[fault], method="POST", path=collection, times=1)

    run_id, changes = _remediate(served, setting)

    assert rule.hits == 1, f"the create POST to {collection} never came"
    assert _applied_posts(served, collection) == 1, "the POST was sent again after an unknown outcome"
    made = _ours(served, key)
    assert len(made) == 1, f"{len(made)} objects made: {[o.get('id') for o in made]}"
    [created] = [c for c in changes if c.created]
    assert created.outcome is Outcome.APPLIED, created.error
    assert created.resource["id"] == made[0]["id"]
    if "after-apply" in fault:
        assert created.resource["paths"] == [created.resource["path"]]  # adopted: found by its marker
        assert "found by its marker" in str(created.resource["attempts"])

    rolled = _rollback(served, run_id)
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    assert _open_changes(served, run_id) == []
    served.sim.request_log.clear()
    _assert_nothing_left(served, run_id)


@pytest.mark.parametrize("fault", list(DELETE_FAULTS))
@pytest.mark.parametrize("setting", list(CREATES))
def test_a_delete_that_did_not_happen_is_could_not_restore_and_retried(served: Lab, setting: str, fault: str) -> None:
    collection, key = CREATES[setting]
    _fresh(served)
    run_id, changes = _remediate(served, setting)
    [created] = [c for c in changes if c.created]
    [made] = _ours(served, key)
    rule = served.sim.faults.add(**DELETE_FAULTS[fault], method="DELETE", path=f"{collection}/*", times=1)

    first = _rollback(served, run_id)

    assert rule.hits == 1, "the rollback sent no DELETE"
    assert first.code == 1, first.out[-1500:] + first.err[-1500:]
    text = " ".join((first.out + first.err).split())
    assert "could not be restored" in text and made["id"][:8] in text
    assert [o["id"] for o in _ours(served, key)] == [made["id"]], "the object is gone although its DELETE failed"
    assert _open_changes(served, run_id) == [created.id], "not exactly the failed change is left open"

    served.sim.request_log.clear()
    second = _rollback(served, run_id)
    assert second.code == 0, second.out[-1500:] + second.err[-1500:]
    assert [(r.method, r.path) for r in served.sim.writes()] == [("DELETE", f"{collection}/{made['id']}")]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    served.sim.request_log.clear()
    _assert_nothing_left(served, run_id)


def test_a_portal_put_answered_200_with_a_broken_body_is_proven_by_a_read_not_refused(served: Lab) -> None:
    _fresh(served)
    rule = served.sim.faults.add(
        kind="malformed", method="PUT", path="/api/PasswordReset/PasswordResetPolicies", times=1
    )

    done = served.cli("remediate", "--tenant", TENANT, "--control", CONTROL, "--yes")
    assert "Traceback" not in done.err
    assert rule.hits == 1
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
        changes = [c for _, c in store.changes_for_run(run_id)]
    portal = [c for c in changes if (c.resource.get("request") or {}).get("api") == "portal"]
    assert len(portal) >= 6, [c.setting for c in portal]
    # The answer could not be read; reading the policy back proves the PUT took (plugin/resend.py).
    assert {c.outcome for c in portal} == {Outcome.APPLIED}, [(c.setting, c.outcome, c.error) for c in portal]
    assert all("read it as written" in str(c.resource.get("attempts")) for c in portal)
    assert not any("refused" in c.error for c in portal)
    served.wait_idle()

    rolled = _rollback(served, run_id)
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    served.sim.request_log.clear()
    _assert_nothing_left(served, run_id)


def test_the_unapplied_fault_flag_parses_and_refuses_what_it_cannot_mean() -> None:
    from scorekeeper.simulator.faults import Faults, parse_rule

    assert parse_rule("kind=timeout,unapplied,method=DELETE") == {
        "kind": "timeout",
        "unapplied": True,
        "method": "DELETE",
    }
    with pytest.raises(ValueError, match="unapplied goes with"):
        Faults().add(status=500, unapplied=True)

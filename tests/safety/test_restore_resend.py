"""A restore whose write got no answer is read, and sent again while the read says it did not take.

Found under load (docs/performance.md, "Remediation and rollback in round trips"): a 200-tenant
``rollback --fleet`` left the domain's ``passwordValidityPeriodInDays`` and SSPR's
``policyMigrationState`` as the remediation wrote them in 41 tenants. Their restore ``PATCH``
went out on a kept-alive connection the loaded server had just closed, so it failed with no
answer (``Can not write request body``); the proving read found the remediated value, and the
restore said "could not restore" although sending it again was safe: rollback reads before it
writes, and putting the same fields back twice changes nothing.

Against one served ``weak-cloud`` tenant, the real CLI in this process, with the simulator's
fault rules instead of load:

* the restore ``PATCH`` reset **before** it reached the service (``unapplied``): rollback reads,
  sees the remediated value, sends the restore again, exits 0 and the tenant is as before;
* reset **after** the service applied it: the read proves it restored, nothing is sent again;
* lost every time: rollback stops after its attempts, exits 1 naming the setting and what to
  run, and the next rollback retries exactly that change;
* **refused** (403): never resent; the refusal is what the person reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.safety.restore import RESTORE_ATTEMPTS
from tests.safety.harness import TENANT, Lab, lab

#: control, setting, the restore's path as the simulator logs it, the state key it changes
CASES: dict[str, tuple[str, str, str]] = {
    "domain": ("PWAgePolicyNew", "password_expiry", "/v1.0/domains/*"),
    "methods-policy": (
        "SelfServicePasswordReset",
        "methods_policy_migration",
        "/beta/policies/authenticationMethodsPolicy",
    ),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home: Path = tmp_path_factory.mktemp("restore-resend")
    with lab(home) as the_lab:
        yield the_lab


def _remediated(served: Lab, control: str, setting: str) -> int:
    served.sim.reset()
    served.sim.mark()
    done = served.cli("remediate", "--tenant", TENANT, "--control", control, "--setting", setting, "--yes")
    assert "Traceback" not in done.err, done.err
    assert done.code in (0, 3), done.out[-1500:] + done.err[-1500:]
    assert served.sim.state_diff(), "the remediation changed nothing: nothing to roll back"
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
    served.wait_idle()
    served.sim.request_log.clear()
    return run_id


def _patches(served: Lab, path: str) -> list[Any]:
    """The restore PATCHes that reached the service and were applied."""
    from fnmatch import fnmatch

    return [r for r in served.sim.writes() if r.method == "PATCH" and fnmatch(r.path, path)]


def _open(served: Lab, run_id: int) -> list[str]:
    with served.store() as store:
        return [c.setting for _, c in store.changes_for_run(run_id) if c.rolled_back_by is None]


def _rollback(served: Lab, run_id: int) -> Any:
    rolled = served.cli("rollback", str(run_id), "--yes")
    assert "Traceback" not in rolled.err, rolled.err
    return rolled


@pytest.mark.parametrize("case", list(CASES))
def test_a_restore_lost_before_it_arrived_is_read_and_sent_again(served: Lab, case: str) -> None:
    control, setting, path = CASES[case]
    run_id = _remediated(served, control, setting)
    rule = served.sim.faults.add(kind="reset", unapplied=True, method="PATCH", path=path, times=1)

    rolled = _rollback(served, run_id)

    assert rule.hits == 1, "the restore PATCH never came"
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    assert len(_patches(served, path)) == 1, "the restore was not sent again after the read"
    assert _open(served, run_id) == []


@pytest.mark.parametrize("case", list(CASES))
def test_a_restore_applied_but_unanswered_is_proven_by_the_read_and_not_resent(served: Lab, case: str) -> None:
    control, setting, path = CASES[case]
    run_id = _remediated(served, control, setting)
    rule = served.sim.faults.add(kind="reset", method="PATCH", path=path, times=1)  # applied, answer lost

    rolled = _rollback(served, run_id)

    assert rule.hits == 1
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    assert len(_patches(served, path)) == 1, "a restore the read proved was sent again"


def test_a_restore_lost_every_time_stops_says_what_to_do_and_is_retried_next_time(served: Lab) -> None:
    control, setting, path = CASES["domain"]
    run_id = _remediated(served, control, setting)
    rule = served.sim.faults.add(kind="reset", unapplied=True, method="PATCH", path=path)

    first = _rollback(served, run_id)

    assert rule.hits == RESTORE_ATTEMPTS, f"{rule.hits} restore PATCHes sent"
    assert first.code == 1, first.out[-1500:] + first.err[-1500:]
    text = " ".join((first.out + first.err).split())
    assert "could not be restored" in text
    assert f"scorekeeper rollback {run_id}" in text, text[-1500:]
    assert _open(served, run_id) == [setting]

    served.sim.faults.clear()
    served.sim.request_log.clear()
    second = _rollback(served, run_id)
    assert second.code == 0, second.out[-1500:] + second.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]
    assert [r.method for r in served.sim.writes()] == ["PATCH"]


def test_a_refused_restore_is_not_sent_again(served: Lab) -> None:
    control, setting, path = CASES["domain"]
    run_id = _remediated(served, control, setting)
    rule = served.sim.faults.add(status=403, method="PATCH", path=path)

    rolled = _rollback(served, run_id)

    assert rule.hits == 1, f"a refused restore was sent {rule.hits} times"
    assert rolled.code == 1, rolled.out[-1500:] + rolled.err[-1500:]
    assert "refused" in " ".join((rolled.out + rolled.err).split())
    assert _open(served, run_id) == [setting]


def test_a_fleet_rollback_names_what_is_left_and_the_command_that_retries_it(served: Lab) -> None:
    control, setting, path = CASES["domain"]
    run_id = _remediated(served, control, setting)
    served.sim.faults.add(kind="reset", unapplied=True, method="PATCH", path=path)

    rolled = served.cli("rollback", "--fleet", str(run_id), "--yes")

    assert "Traceback" not in rolled.err, rolled.err
    assert rolled.code == 1, rolled.out[-1500:] + rolled.err[-1500:]
    text = " ".join((rolled.out + rolled.err).split())
    assert f"left: {setting} (`scorekeeper rollback {run_id}` retries them)" in text, text[-1500:]
    assert f"`scorekeeper rollback --fleet {run_id}` retries exactly what is left" in text, text[-1500:]
    served.sim.faults.clear()
    again = served.cli("rollback", "--fleet", str(run_id), "--yes")
    assert again.code == 0, again.out[-1500:] + again.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]

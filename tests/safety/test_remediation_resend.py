"""A remediation write that got no answer is read back: proven applied, sent again, or left "outcome unknown".

The rule rollback's restores follow (scorekeeper/plugin/resend.py), now for every ``PATCH``/``PUT``
of a remediation. Against one served ``weak-cloud`` tenant, the real CLI in this process,
remediating pwage's ``password_expiry`` (one ``PATCH`` per managed domain) with the
simulator's fault rules on that ``PATCH``:

* reset **before** it reached the service (``unapplied``): the read shows the old value, the
  same ``PATCH`` goes out again, the change is applied and the run does not fail for it;
* reset **after** the service applied it: the read proves it took, nothing is sent again;
* lost every time: :data:`RESEND_ATTEMPTS` in all, then "outcome unknown" and exit 1;
* lost, and the proving read refused too: "outcome unknown", exit 1, nothing sent again;
* refused (403): never resent.

Each case ends with a rollback that leaves the tenant exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.domain.model import Change, Outcome
from scorekeeper.plugin.resend import RESEND_ATTEMPTS
from tests.safety.harness import TENANT, Lab, lab

CONTROL, SETTING, PATH = "PWAgePolicyNew", "password_expiry", "/v1.0/domains/*"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    home: Path = tmp_path_factory.mktemp("remediation-resend")
    with lab(home) as the_lab:
        yield the_lab


def _remediate(served: Lab, *faults: dict[str, Any]) -> tuple[Any, list[Change], list[Any]]:
    served.sim.reset()  # the profile's state again; log, faults and write count cleared
    served.sim.mark()
    rules = [served.sim.faults.add(**fault) for fault in faults]
    done = served.cli("remediate", "--tenant", TENANT, "--control", CONTROL, "--setting", SETTING, "--yes")
    assert "Traceback" not in done.err, done.err
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
        changes = [c for _, c in store.changes_for_run(run_id)]
    served.wait_idle()
    served.sim.faults.clear()
    assert changes, "the remediation recorded no change"
    return done, changes, rules


def _applied_patches(served: Lab) -> int:
    return sum(1 for r in served.sim.writes() if r.method == "PATCH" and fnmatch(r.path, PATH))


def _rolled_back_exactly(served: Lab, changes: list[Change]) -> None:
    with served.store() as store:
        run_id = store.runs(kind="remediate")[0].id
    rolled = served.cli("rollback", str(run_id), "--yes")
    assert "Traceback" not in rolled.err, rolled.err
    assert rolled.code == 0, rolled.out[-1500:] + rolled.err[-1500:]
    assert served.sim.state_diff() == [], [str(c) for c in served.sim.state_diff()]


def test_a_write_lost_before_it_arrived_is_read_and_sent_again(served: Lab) -> None:
    done, changes, [rule] = _remediate(
        served, {"kind": "reset", "unapplied": True, "method": "PATCH", "path": PATH, "times": 1}
    )

    assert rule.hits == 1, "the PATCH never came"
    assert done.code in (0, 3), done.out[-1500:] + done.err[-1500:]
    resent = [c for c in changes if "attempts" in c.resource]
    assert len(resent) == 1, [(c.setting, c.outcome, c.resource) for c in changes]
    assert resent[0].outcome is Outcome.APPLIED, resent[0].error
    assert resent[0].resource["sent"] == 2
    assert "read it not as written" in str(resent[0].resource["attempts"])
    assert {c.outcome for c in changes} == {Outcome.APPLIED}
    assert _applied_patches(served) == len(changes), "a write was not sent again after the read"
    _rolled_back_exactly(served, changes)


def test_a_write_applied_but_unanswered_is_proven_by_the_read_and_not_resent(served: Lab) -> None:
    done, changes, [rule] = _remediate(served, {"kind": "reset", "method": "PATCH", "path": PATH, "times": 1})

    assert rule.hits == 1
    assert done.code in (0, 3), done.out[-1500:] + done.err[-1500:]
    assert {c.outcome for c in changes} == {Outcome.APPLIED}, [(c.outcome, c.error) for c in changes]
    [proven] = [c for c in changes if "attempts" in c.resource]
    assert proven.resource["sent"] == 1 and "read it as written" in str(proven.resource["attempts"])
    assert _applied_patches(served) == len(changes), "a write the read proved was sent again"
    _rolled_back_exactly(served, changes)


def test_a_write_lost_every_time_stops_and_says_outcome_unknown(served: Lab) -> None:
    done, changes, [rule] = _remediate(served, {"kind": "reset", "unapplied": True, "method": "PATCH", "path": PATH})

    assert rule.hits == RESEND_ATTEMPTS * len(changes), f"{rule.hits} PATCHes sent for {len(changes)} changes"
    assert done.code == 1, done.out[-1500:] + done.err[-1500:]
    assert "Undo with: scorekeeper rollback" in done.out
    for lost in changes:
        assert lost.outcome is Outcome.AMBIGUOUS and "outcome unknown" in lost.error
        assert f"sent {RESEND_ATTEMPTS} time(s)" in lost.error
    assert _applied_patches(served) == 0
    _rolled_back_exactly(served, changes)


def test_a_write_whose_proving_read_fails_stays_unknown_and_is_not_resent(served: Lab) -> None:
    done, changes, [lost, read] = _remediate(
        served,
        {"kind": "reset", "unapplied": True, "method": "PATCH", "path": PATH, "times": 1},
        {"status": 403, "method": "GET", "path": PATH},
    )

    assert lost.hits == 1 and read.hits >= 1, (lost.hits, read.hits)
    assert done.code == 1, done.out[-1500:] + done.err[-1500:]
    [unknown] = [c for c in changes if c.outcome is not Outcome.APPLIED]
    assert unknown.outcome is Outcome.AMBIGUOUS
    assert "the read that would prove it failed too" in unknown.error
    assert _applied_patches(served) == len(changes) - 1, "sent again without a read proving it did not take"
    _rolled_back_exactly(served, changes)


def test_a_refused_write_is_not_read_back_or_sent_again(served: Lab) -> None:
    done, changes, [rule] = _remediate(served, {"status": 403, "method": "PATCH", "path": PATH, "times": 1})

    assert rule.hits == 1
    assert done.code == 1, done.out[-1500:] + done.err[-1500:]
    [refused] = [c for c in changes if c.outcome is not Outcome.APPLIED]
    assert refused.outcome is Outcome.FAILED and "attempts" not in refused.resource
    _rolled_back_exactly(served, changes)

"""One writer per tenant: concurrent remediations of one tenant, manual and scheduled, as real processes.

Exactly one of them writes; the other exits 1 (or, for the scheduler, logs) the holder's line.
Writes are slowed with the simulator's latency rule so the runs overlap; the tests wait on
requests and log lines, never on time.
"""

from __future__ import annotations

import os
import signal

from tests.safety.harness import TENANT, CliProcess, Lab, slow_writes

AUTO = (
    "\n[controls.SelfServicePasswordReset]\nauto_remediate = true\n[controls.PWAgePolicyNew]\nauto_remediate = true\n"
)
HOLDER = f"tenant {TENANT} is being changed by "


def _ca_policies_created(lab: Lab) -> int:
    """How many times the most-created Conditional Access policy was POSTed: 1 when nothing was created
    twice (several plugins create policies of their own, each once; the marker tail is not compared)."""
    names = [
        str((r.body or {}).get("displayName", "")).split(" [scorekeeper run", 1)[0]
        for r in lab.sim.writes()
        if r.method == "POST" and r.path.endswith("/conditionalAccess/policies")
    ]
    return max((names.count(n) for n in names), default=0)


def _refused(result_err: str) -> str:
    lines = [line for line in result_err.splitlines() if HOLDER in line]
    assert len(lines) == 1, result_err
    return lines[0]


def test_two_remediations_started_together_exactly_one_writes(served: Lab) -> None:
    slow_writes(served.sim, 0.25)
    first = served.spawn("remediate", "--tenant", TENANT, "--yes")
    second = served.spawn("remediate", "--tenant", TENANT, "--yes")
    try:
        results = {p.process.pid: p.finish(120) for p in (first, second)}
    finally:
        first.stop()
        second.stop()

    losers = [pid for pid, r in results.items() if HOLDER in r.err]
    assert len(losers) == 1, {pid: r.err[-500:] for pid, r in results.items()}
    [winner] = [pid for pid in results if pid not in losers]
    loser = results[losers[0]]
    assert loser.code == 1
    line = _refused(loser.err)
    assert line.startswith(f"error: {HOLDER}remediate ")
    assert f"(pid {winner} on {os.uname().nodename})" in line and " since " in line
    assert results[winner].code in (0, 3), results[winner].err
    assert _ca_policies_created(served) == 1  # no duplicate objects
    with served.store() as store:
        remediations = store.runs(kind="remediate")
        assert len(remediations) == 1 and remediations[0].status == "completed"
        assert store.leases.all() == []


def _daemon(lab: Lab) -> CliProcess:
    daemon = lab.spawn("scheduler", "--reload", "0.2")
    daemon.wait_for("scheduler ready:")
    return daemon


def _stop(daemon: CliProcess) -> None:
    daemon.signal(signal.SIGTERM)
    daemon.wait_for("scheduler stopped:")
    daemon.finish(60)


def test_a_manual_remediation_is_refused_while_a_scheduled_one_writes(tmp_path: object) -> None:
    from tests.safety.harness import lab as make_lab

    with make_lab(tmp_path, extra=AUTO) as served:  # type: ignore[arg-type]
        # Slow enough that the scheduled writes outlast the manual process's start-up (~3 s loaded):
        # since issue 30 independent writes go out together, so one wave must last that long, not a sum.
        slow_writes(served.sim, 4.0)
        assert served.cli("schedule", "add", "--tenant", TENANT, "--interval", "1", "--remediate").code == 0
        daemon = _daemon(served)
        try:
            daemon.wait_for(": remediating ")  # holding the lease since before its assessment
            manual = served.spawn("remediate", "--tenant", TENANT, "--yes").finish(120)
            daemon.wait_for(" completed")  # the scheduled remediation's run finished
            _stop(daemon)
        finally:
            daemon.stop()

        assert manual.code == 1
        assert _refused(manual.err).startswith(f"error: {HOLDER}scheduled remediate run ")
        assert f"(pid {daemon.process.pid} on " in manual.err
        assert _ca_policies_created(served) == 1
        with served.store() as store:
            remediations = store.runs(kind="remediate")
            # Only the scheduler wrote (the manual process recorded nothing). Its next fire, right
            # after the long first run, may remediate what the first one's writes made plannable.
            assert remediations and all(r.scheduled for r in remediations)


def test_a_scheduled_remediation_does_not_write_while_a_manual_one_does(tmp_path: object) -> None:
    from tests.safety.harness import lab as make_lab

    with make_lab(tmp_path, extra=AUTO) as served:  # type: ignore[arg-type]
        # The manual writes must outlast the daemon's start-up; they go out in waves (issue 30).
        slow_writes(served.sim, 4.0)
        assert served.cli("schedule", "add", "--tenant", TENANT, "--interval", "1", "--remediate").code == 0
        manual = served.spawn("remediate", "--tenant", TENANT, "--yes")
        daemon = None
        try:
            served.wait_request("PATCH")  # the manual remediation is writing
            daemon = _daemon(served)
            line = daemon.wait_for(": not remediating: ")
            _stop(daemon)
            result = manual.finish(120)
        finally:
            manual.stop()
            if daemon is not None:
                daemon.stop()

        assert f"{HOLDER}remediate run " in line and f"(pid {manual.process.pid} on " in line
        assert result.code in (0, 3), result.err
        assert _ca_policies_created(served) == 1
        with served.store() as store:
            remediations = store.runs(kind="remediate")
            assert [r.scheduled for r in remediations] == [False]
            assert any(r.scheduled for r in store.runs(kind="assess"))  # it still assessed: reading needs no lease

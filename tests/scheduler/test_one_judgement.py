""""Could not assess" is judged once: the CLI's exit code and the scheduler's notifications agree.

A tenant whose only unread settings are accepted risks exits 0 from ``assess`` and gets no
``run_failed`` notification from the daemon (before the judgement moved into the domain, the
daemon counted excepted findings and notified at every interval).
"""

from __future__ import annotations

from scorekeeper.cli.common import exit_code_for
from scorekeeper.domain.model import Status
from scorekeeper.errors import EXIT_ERROR, EXIT_OK

EVERY_SETTING_EXCEPTED = [
    {"control": "ToyControl", "setting": setting, "reason": "left unread on purpose", "expires": "2999-01-01"}
    for setting in ("colour", "size", "paperwork")
]


async def test_excepted_unread_settings_exit_0_and_notify_nothing(harness) -> None:
    engine = harness.engine(exceptions=EVERY_SETTING_EXCEPTED)
    harness.toy.unreadable = True

    run = await engine.assess_tenant("t1", engine.select())
    assert {f.status for c in run.controls for f in c.findings} == {Status.UNKNOWN}
    assert all(f.excepted for c in run.controls for f in c.findings)
    assert exit_code_for([run]) == EXIT_OK  # what `scorekeeper assess` exits with

    harness.schedules.add("t1", interval_seconds=0.05)
    outcomes, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 2)
    assert [e["kind"] for o in outcomes for e in o.events] == []


async def test_the_same_tenant_without_the_exceptions_fails_both_ways(harness) -> None:
    engine = harness.engine()
    harness.toy.unreadable = True

    run = await engine.assess_tenant("t1", engine.select())
    assert exit_code_for([run]) == EXIT_ERROR

    harness.schedules.add("t1", interval_seconds=0.05)
    outcomes, _ = await harness.run_until(harness.daemon(engine), lambda o: len(o) >= 2)
    assert [e["kind"] for o in outcomes for e in o.events] == ["run_failed"]

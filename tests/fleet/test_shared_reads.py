"""Controls of one tenant share their reads while assessing, and only then."""

from __future__ import annotations

from typing import Any

from scorekeeper.domain.model import Status
from scorekeeper.simulator import Simulator

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


def _graph_reads(sim: Simulator, path: str, *, batched: bool | None = None) -> list[Any]:
    """GETs of ``path``; ``batched=True``: only those inside a ``$batch`` (the controls' own reads).

    The engine also reads the tenant's whole Secure Score for history on its own (not batched).
    """
    found = [r for r in sim.request_log if r.method == "GET" and r.path == path]
    return found if batched is None else [r for r in found if r.batched == batched]


async def test_two_controls_read_the_secure_score_once_in_one_batch(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    [run] = await engine.assess(["t"], CONTROLS)
    assert run.status == "completed" and not any(c.error for c in run.controls)
    assert len(_graph_reads(sim, "/v1.0/security/secureScores", batched=True)) == 1
    batches = [r for r in sim.request_log if not r.batched and r.path == "/v1.0/$batch"]
    assert len(batches) == 1, "both controls' reads go out in one $batch"
    scores = {c.control: c.score for c in run.controls}
    assert all(s is not None and s.max_score for s in scores.values()), scores


async def test_shared_answers_equal_separate_assessments(sk_engine: Any) -> None:
    together, apart = Simulator.from_profiles("weak-cloud"), Simulator.from_profiles("weak-cloud")
    [both] = await sk_engine({"a": together}).assess(["a"], CONTROLS)
    separate = [(await sk_engine({"b": apart}).assess(["b"], [c]))[0] for c in CONTROLS]

    def shape(results: Any) -> list[tuple[str, str, Status, Any]]:
        return sorted((c.control, f.setting, f.status, f.current) for c in results for f in c.findings)

    assert shape(both.controls) == shape([c for run in separate for c in run.controls])
    assert {c.control: c.score.score for c in both.controls if c.score} == {
        c.control: c.score.score for run in separate for c in run.controls if c.score
    }


async def test_a_throttled_shared_read_is_retried_for_every_control(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    sim.faults.add(status=429, retry_after=0, path="/v1.0/security/secureScores", times=1)
    [run] = await sk_engine({"t": sim}).assess(["t"], CONTROLS)
    assert all(c.score is not None for c in run.controls)
    statuses = [r.status for r in _graph_reads(sim, "/v1.0/security/secureScores", batched=True)]
    assert statuses[-1] == 200 and statuses.count(200) == 1 and len(statuses) <= 2, statuses


async def test_verification_reads_afresh(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    _, plans = await engine.plan("t", ["PWAgePolicyNew"])
    sim.request_log.clear()
    result = await engine.remediate("t", plans)
    assert result.status == "completed"
    assert _graph_reads(sim, "/v1.0/domains"), "verification read the domains again after writing"
    assert all(f.status is Status.PASS for f in result.findings)


async def test_the_whole_score_record_shares_the_controls_batch_after_the_first_run(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    [first] = await engine.assess(["t"], CONTROLS)
    history = [r for r in _graph_reads(sim, "/v1.0/security/secureScores", batched=False)]
    assert len(history) == 1, "a first run imports Microsoft's kept history with one read of its own"
    sim.request_log.clear()
    [second] = await engine.assess(["t"], CONTROLS)
    assert second.status == "completed" and not any(c.error for c in second.controls)
    reads = _graph_reads(sim, "/v1.0/security/secureScores")
    assert len(reads) == 1 and reads[0].batched, "one secureScores read serves the controls and the record"
    assert all(r.batched for r in _graph_reads(sim, "/v1.0/security/secureScoreControlProfiles"))
    direct = [r.path for r in sim.request_log if not r.batched]
    assert direct.count("/v1.0/$batch") == 1, direct
    assert not [p for p in direct if p.startswith("/v1.0/security/")], "no Secure Score read of its own"
    recorded = engine._engine.store.score_trend("t")  # the history a report renders the whole score from
    assert recorded, "the whole score was recorded"
    assert first.status == "completed"

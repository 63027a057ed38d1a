"""Controls of one tenant share their reads while assessing, and only then."""

from __future__ import annotations

from typing import Any

from scorekeeper.domain.model import Status
from scorekeeper.simulator import Simulator

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


def _batches(sim: Simulator) -> list[list[str]]:
    """The URLs inside each ``$batch`` sent, in order."""
    return [
        [item["url"] for item in r.body["requests"]]
        for r in sim.request_log
        if not r.batched and r.path == "/v1.0/$batch"
    ]


def _graph_reads(sim: Simulator, path: str, *, batched: bool | None = None) -> list[Any]:
    """GETs of ``path``; ``batched=True``: only those inside a ``$batch`` (the controls' own reads).

    The engine's whole-score record reads in the same batch (and, on a tenant's first run, its kept days).
    """
    found = [r for r in sim.request_log if r.method == "GET" and r.path == path]
    return found if batched is None else [r for r in found if r.batched == batched]


async def test_two_controls_read_the_secure_score_once_in_one_batch(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    [run] = await engine.assess(["t"], CONTROLS)
    assert run.status == "completed" and not any(c.error for c in run.controls)
    today = [r for r in _graph_reads(sim, "/v1.0/security/secureScores", batched=True) if r.query == {"$top": "1"}]
    assert len(today) == 1
    first, *after = _batches(sim)
    assert "/security/secureScoreControlProfiles/PWAgePolicyNew" in first, "both controls' reads share one $batch"
    assert "/security/secureScoreControlProfiles/SelfServicePasswordReset" in first
    # The one read that cannot ride in it: SSPR's portal policy (read beside the batch) names the
    # pilot group, and who is in that group can only be asked once its id is known.
    group = sim.tenant(sim.tenant_id).state["portal"]["passwordResetPolicies"]["passwordResetEnabledGroupIds"][0]
    assert after == [[f"/groups/{group}/transitiveMembers?%24select=id&%24top=999"]], after
    scores = {c.control: c.score for c in run.controls}
    assert all(s is not None and s.max_score for s in scores.values()), scores


async def test_a_tenant_whose_policies_name_no_group_costs_one_batch(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("modern-cloud")  # SSPR for all users, methods policy for all users
    [run] = await sk_engine({"t": sim}).assess(["t"], CONTROLS)
    assert run.status == "completed" and not any(c.error for c in run.controls)
    assert len(_batches(sim)) == 1, _batches(sim)


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
    reads = _graph_reads(sim, "/v1.0/security/secureScores", batched=True)
    statuses = [r.status for r in reads if r.query == {"$top": "1"}]  # the controls' read ($top=90: the import's)
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
    reads = _graph_reads(sim, "/v1.0/security/secureScores")
    assert all(r.batched for r in reads), "a first run reads Microsoft's kept history in the controls' $batch"
    assert sorted(r.query["$top"] for r in reads) == ["1", "90"], reads
    assert "/security/secureScores?%24top=90" in _batches(sim)[0]
    sim.request_log.clear()
    [second] = await engine.assess(["t"], CONTROLS)
    assert second.status == "completed" and not any(c.error for c in second.controls)
    reads = _graph_reads(sim, "/v1.0/security/secureScores")
    assert len(reads) == 1 and reads[0].batched, "one secureScores read serves the controls and the record"
    assert all(r.batched for r in _graph_reads(sim, "/v1.0/security/secureScoreControlProfiles"))
    direct = [r.path for r in sim.request_log if not r.batched]
    shared, *after = _batches(sim)
    assert all("/transitiveMembers" in url for batch in after for url in batch), "only the pilot group's members"
    assert len(after) == 1 and "/security/secureScores?%24top=1" in shared, direct
    assert not [p for p in direct if p.startswith("/v1.0/security/")], "no Secure Score read of its own"
    recorded = engine._engine.store.score_trend("t")  # the history a report renders the whole score from
    assert recorded, "the whole score was recorded"
    assert first.status == "completed"

"""A tenant's first assessment imports Microsoft's kept days through the controls' ``$batch``.

A fleet knows beforehand which tenants were never scored (one query), so their ``$top=90`` read
rides in the batch every control's reads already go in, instead of a request of its own after
it; the rows kept must be the very ones the request of its own kept, and a history read that
fails must leave today's score recorded, as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from scorekeeper.graph.batch import BatchItem
from scorekeeper.securescore.read import MAX_DAYS, SecureScoreReadError, read_assessment_scores
from scorekeeper.simulator import Simulator

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]


def _score_rows(store: Any, tenant: str) -> list[tuple[Any, ...]]:
    """Every whole-score row of ``tenant`` as stored, its control-score map decoded, newest day first."""
    query = text(
        "SELECT s.source, s.scored_at, s.current_score, s.max_score, s.comparisons, c.controls "
        "FROM tenant_scores s LEFT JOIN score_controls c ON c.id = s.controls_id "
        "WHERE s.tenant = :tenant ORDER BY s.scored_at DESC, s.id"
    )
    with store._engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query, {"tenant": tenant})]


async def test_a_fleets_first_run_reads_the_kept_days_in_the_controls_batch(sk_engine: Any) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    [run] = await engine.assess(["t"], CONTROLS)
    assert run.status == "completed"
    reads = [r for r in sim.request_log if r.method == "GET" and r.path == "/v1.0/security/secureScores"]
    assert [r.batched for r in reads] == [True, True], "no secureScores request of its own"
    assert sorted(r.query["$top"] for r in reads) == ["1", str(MAX_DAYS)]
    trend = engine._engine.store.score_trend("t")
    assert len(trend) == MAX_DAYS and {p.source for p in trend[:-1]} == {"imported"}


async def test_the_batched_import_keeps_the_rows_a_read_of_its_own_kept(sk_engine: Any) -> None:
    together, alone = Simulator.from_profiles("weak-cloud"), Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"fleet": together, "alone": alone})
    await engine.assess(["fleet"], CONTROLS)  # the fleet pass: first known beforehand, read in the batch
    inner = engine._engine
    await inner.assess_tenant("alone", inner.select(CONTROLS))  # outside a fleet pass: the store is asked after
    store = inner.store
    assert [r for r in alone.request_log if not r.batched and r.path == "/v1.0/security/secureScores"]
    fleet, single = _score_rows(store, "fleet"), _score_rows(store, "alone")
    assert len(fleet) == MAX_DAYS and [r[0] for r in fleet] == ["assessment"] + ["imported"] * (MAX_DAYS - 1)
    assert [r[1:] for r in fleet] == [r[1:] for r in single]


class _Answers:
    """A tenant's shared reads answering from fixed batch items (what the batch would have returned)."""

    def __init__(self, items: dict[str, BatchItem]) -> None:
        self.items = items
        self.asked: list[str] = []

    async def batch(self, graph: Any, requests: dict[str, Any], *, once: frozenset[str] = frozenset()) -> Any:
        self.asked = list(requests)
        return {key: self.items[key] for key in requests}


def _entry(day: int) -> dict[str, Any]:
    return {"createdDateTime": f"2026-11-{day:02d}T00:00:00Z", "currentScore": float(day), "maxScore": 50.0}


@pytest.fixture
def graph() -> Any:
    from tests.simulator.conftest import graph_client

    return graph_client(Simulator.from_profiles("weak-cloud"))


async def test_kept_days_come_back_beside_today_and_the_profiles(graph: Any) -> None:
    days = [_entry(d) for d in range(30, 0, -1)]
    shared = _Answers(
        {
            "scores": BatchItem("scores", 200, body={"value": days[:1]}),
            "profiles": BatchItem("profiles", 200, body={"value": [{"id": "AdminMFAV2"}]}),
            "history": BatchItem("history", 200, body={"value": days}),
        }
    )
    today, profiles, kept = await read_assessment_scores(graph, shared, MAX_DAYS)
    assert shared.asked == ["scores", "profiles", "history"]
    assert today == days[:1] and profiles == [{"id": "AdminMFAV2"}] and kept == days
    _, _, nothing = await read_assessment_scores(graph, shared)
    assert shared.asked == ["scores", "profiles"] and nothing is None, "a steady run asks what it asked before"


async def test_a_refused_history_read_is_returned_not_raised(graph: Any) -> None:
    refused = {"error": {"code": "Authorization_RequestDenied", "message": "no"}}
    shared = _Answers(
        {
            "scores": BatchItem("scores", 200, body={"value": [_entry(30)]}),
            "profiles": BatchItem("profiles", 200, body={"value": []}),
            "history": BatchItem("history", 503, body=refused),
        }
    )
    today, _, kept = await read_assessment_scores(graph, shared, MAX_DAYS)
    assert today == [_entry(30)]
    assert isinstance(kept, SecureScoreReadError) and "reading secureScores" in str(kept)


async def test_a_failed_history_read_still_records_today(sk_engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import scorekeeper.securescore.read as read

    original = read.read_assessment_scores

    async def history_fails(graph: Any, shared: Any, history: int = 0) -> Any:
        today, profiles, kept = await original(graph, shared, history)
        return today, profiles, (SecureScoreReadError("reading secureScores: 503") if history else kept)

    monkeypatch.setattr(read, "read_assessment_scores", history_fails)
    sim = Simulator.from_profiles("weak-cloud")
    engine = sk_engine({"t": sim})
    [run] = await engine.assess(["t"], CONTROLS)
    assert run.status == "completed"
    assert [r[0] for r in _score_rows(engine._engine.store, "t")] == ["assessment"], "today alone, nothing imported"


def _one_line(entries: Any) -> dict[str, float]:
    """The comprehension ``daily_score`` read control scores with before (the reference)."""
    from scorekeeper.securescore.read import number

    return {
        str(c["controlName"]): number(c.get("score")) or 0.0
        for c in entries or []
        if isinstance(c, dict) and c.get("controlName")
    }


@pytest.mark.parametrize(
    "entries",
    [
        None,
        [],
        [{"controlName": "A", "score": 3.0}, {"controlName": "B", "score": 0.0}, {"controlName": "C", "score": -0.0}],
        [{"controlName": "A", "score": 3}, {"controlName": "B", "score": "2.5"}, {"controlName": "C", "score": None}],
        [{"controlName": "A", "score": True}, {"controlName": "B", "score": "x"}, {"controlName": "C"}],
        [{"controlName": "", "score": 1.0}, {"controlName": None, "score": 1.0}, {"score": 1.0}, "A", 5, None],
        [{"controlName": 7, "score": 1.5}, {"controlName": "A", "score": 1.0}, {"controlName": "A", "score": 2.0}],
        [{"controlName": "A", "score": float("nan")}, {"controlName": "B", "score": float("inf")}],
    ],
)
def test_control_scores_read_as_the_one_line_comprehension_read_them(entries: Any) -> None:
    from scorekeeper.securescore.read import _control_scores

    found, expected = _control_scores(entries), _one_line(entries)
    assert list(found) == list(expected)
    assert [repr(v) for v in found.values()] == [repr(v) for v in expected.values()]  # -0.0, nan alike
    assert all(type(v) is float for v in found.values())


async def test_daily_scores_of_served_history_read_as_before(graph: Any) -> None:
    from datetime import UTC, datetime

    from scorekeeper.domain.securescore import Comparison, DailyScore
    from scorekeeper.securescore.read import daily_score, number, read_daily_scores, timestamp

    entries = await read_daily_scores(graph, MAX_DAYS)
    assert len(entries) == MAX_DAYS
    for entry in entries:
        expected = DailyScore(
            scored_at=timestamp(entry.get("createdDateTime")) or datetime.now(UTC),
            current=number(entry.get("currentScore")),
            max_score=number(entry.get("maxScore")),
            comparisons=tuple(
                Comparison(str(a.get("basis") or ""), number(a.get("averageScore")))
                for a in entry.get("averageComparativeScores") or []
                if isinstance(a, dict)
            ),
            controls=_one_line(entry.get("controlScores")),
        )
        assert daily_score(entry) == expected

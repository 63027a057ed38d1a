"""Reading many runs decodes each stored finding body once, and every JSON value comes back as written."""

from __future__ import annotations

from scorekeeper.domain.model import ControlResult, Finding, Status
from scorekeeper.store import HistoryStore

C = "SelfServicePasswordReset"
VALUES = [None, True, False, 0, 2.5, "text", [], {}, [1, "two", None], {"a": {"b": [True, {}]}, "c": []}, "[]", "{}"]


def test_runs_that_share_a_body_share_the_finding_and_values_read_back_exactly(store: HistoryStore) -> None:
    findings = tuple(
        Finding(
            control=C,
            setting=f"s{i}",
            status=Status.FAIL,
            current=value,
            desired=VALUES[-1 - i],
            steps=("one", "two") if i % 2 else (),
            missing_permissions=("Policy.Read.All",) if i % 3 == 0 else (),
            evidence={"seen": value} if i % 2 else {},
        )
        for i, value in enumerate(VALUES)
    )
    runs = []
    for tenant in ("a", "b"):
        run = store.start_run(tenant, "assess", controls=[C])
        store.record_run(run, [ControlResult(C, "SSPR", findings)])
        runs.append(run)
    got = store.runs_by_id(runs)
    first, second = (got[r].findings for r in runs)
    assert first == findings and second == findings  # every value exactly as recorded ("[]" the string too)
    assert all(x is y for x, y in zip(first, second, strict=True))  # one body, one object
    assert store.get_run(runs[0]) == got[runs[0]]

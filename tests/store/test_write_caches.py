"""The write path's shortcuts give exactly what the long way gives: digests from the cache, profiles as kept.

``convert.finding_digest`` answers from a per-process cache keyed by the finding's marshalled
fields; ``tenant_scores.kept_profile`` builds a control profile's stored dict directly. Both are
checked against the rule they stand for, for values where a cache key could go wrong (``1``,
``1.0`` and ``True``; a tuple and a list; values marshal cannot key).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import pytest

from scorekeeper.domain.model import Finding, RemediationKind, Status, Verification
from scorekeeper.domain.securescore import ControlScore, ControlState
from scorekeeper.store import convert, tenant_scores


class _Colour(enum.Enum):
    RED = "red"


FINDINGS = [
    Finding("A", "s", Status.PASS, current=1, desired=1),
    Finding("A", "s", Status.PASS, current=1.0, desired=1),
    Finding("A", "s", Status.PASS, current=True, desired=1),
    Finding("A", "s", Status.PASS, current=[1, 2], desired=None),
    Finding("A", "s", Status.FAIL, current=[1, 2], desired=None),
    Finding("A", "s", Status.FAIL, current={"b": 1, "a": [None, "x"]}, evidence={"k": {"n": 1}}, reason="r"),
    Finding("A", "s", Status.FAIL, current={"a": [None, "x"], "b": 1}, evidence={"k": {"n": 1}}, reason="r"),
    Finding("A", "s", Status.MANUAL, remediation=RemediationKind.GUIDED, steps=("1", "2"), missing_permissions=("P",)),
    Finding("A", "s", Status.PASS, verification=Verification.STUCK, excepted="risk accepted"),
    Finding("A", "s", Status.PASS, evidence={"colour": _Colour.RED, "at": datetime(2026, 1, 1, tzinfo=UTC)}),
]


@pytest.mark.parametrize("finding", FINDINGS, ids=range(len(FINDINGS)))
def test_a_digest_from_the_cache_is_the_digest_of_the_body(finding: Finding) -> None:
    expected = convert.body_values(finding)["digest"]
    convert._DIGESTS.clear()
    assert convert.finding_digest(finding) == expected  # computed
    assert convert.finding_digest(finding) == expected  # from the cache when it could be keyed


def test_findings_that_differ_only_in_type_get_different_digests_through_the_cache() -> None:
    convert._DIGESTS.clear()
    digests = [convert.finding_digest(f) for f in FINDINGS[:3]]  # 1, 1.0 and True
    assert digests == [convert.body_values(f)["digest"] for f in FINDINGS[:3]]
    assert len(set(digests)) == 3
    assert convert.finding_digest(FINDINGS[5]) == convert.finding_digest(FINDINGS[6])  # key order: one body


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    convert._DIGESTS.clear()
    monkeypatch.setattr(convert._DIGESTS, "kept", 3)
    for n in range(10):
        finding = Finding("A", f"s{n}", Status.PASS)
        assert convert.finding_digest(finding) == convert.body_values(finding)["digest"]
        assert len(convert._DIGESTS) <= 3


def test_a_kept_profile_is_to_dict_without_coverage_and_what_is_left_to_gain() -> None:
    state = ControlState("thirdParty", "done elsewhere", "ops", "admin@contoso", datetime(2026, 1, 2, tzinfo=UTC))
    profiles = [
        ControlScore("A", "Title", "Identity", "AzureAD", 1.0, 5.0, "implemented", "https://x", "config", state,
                     covered_by="plugin", rank=3, tier="Core", user_impact="Low", implementation_cost="Low",
                     deprecated=True),
        ControlScore("B", "", "", "", None, None),
    ]  # fmt: skip
    for profile in profiles:
        expected = {k: v for k, v in profile.to_dict().items() if k not in ("covered_by", "available")}
        kept = tenant_scores.kept_profile(profile)
        assert kept == expected and list(kept) == list(expected)  # same keys, same order: same stored JSON

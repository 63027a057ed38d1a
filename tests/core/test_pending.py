"""The one Secure Score rule: a score behind settings that all pass is pending, not failing."""

from __future__ import annotations

from datetime import UTC, datetime

from scorekeeper.domain.model import Finding, SecureScore, Status
from scorekeeper.domain.pending import with_pending_score

SCORE = SecureScore("C", 0.0, 1.0, datetime(2026, 11, 30, 4, 0, tzinfo=UTC))


def row(setting: str, status: Status) -> Finding:
    return Finding(control="C", setting=setting, title="t", status=status, reason="0 of 1 points. Later.")


def test_a_score_behind_passing_settings_is_pending_and_says_when_it_was_refreshed() -> None:
    found = with_pending_score(
        [row("a", Status.PASS), row("b", Status.NOT_APPLICABLE), row("secure_score", Status.FAIL)], SCORE
    )
    score = found[-1]
    assert score.status is Status.PENDING
    assert "2026-11-30 04:00 UTC" in score.reason


def test_a_score_stays_failing_while_another_setting_fails() -> None:
    found = with_pending_score([row("a", Status.FAIL), row("secure_score", Status.FAIL)], SCORE)
    assert found[-1].status is Status.FAIL


def test_an_excepted_failure_does_not_keep_the_score_failing() -> None:
    from dataclasses import replace

    excepted = replace(row("a", Status.FAIL), excepted="accepted risk")
    assert with_pending_score([excepted, row("secure_score", Status.FAIL)], None)[-1].status is Status.PENDING

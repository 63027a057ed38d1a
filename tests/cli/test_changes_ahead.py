"""`scorekeeper assess` prints the dated platform changes that affect the tenant's findings."""

from __future__ import annotations

from collections.abc import Callable


def test_assess_prints_microsoft_changes_ahead_for_the_demo_tenant(run: Callable) -> None:
    # The demo tenant (weak-cloud) has a user whose only registered method is a mobile phone.
    result = run("assess", "--tenant", "demo", "--control", "SelfServicePasswordReset")
    assert result.code == 3, result.err
    [line] = [ln for ln in result.out.splitlines() if ln.startswith("Microsoft changes ahead:")]
    assert "2027-02-01" in line and "SMS and voice retire" in line and "phone_retirement" in line
    assert "concept-sms-voice-retirement" in line

"""One rule: a Secure Score that has not caught up with its settings is *pending*, not failing.

Microsoft recomputes Secure Score about once a day. Right after a remediation every setting of a
control passes while the control's score row still reports the old points; counted as a failing
setting it would keep ``assess`` at exit 3 until the next refresh (and forever on a simulated
tenant). So when the score row is the only thing short of passing, the engine reports it
``pending`` with when Microsoft last refreshed the score. It never counts for the exit code
and is never planned. When another setting still fails, the score's shortfall is real and the
row stays ``fail``.

Plugins name a control's score row with the setting id :data:`SCORE_SETTING`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from scorekeeper.domain.model import Finding, SecureScore, Status

#: The setting id of a control's Secure Score row (both shipped plugins use it).
SCORE_SETTING = "secure_score"
_SETTLED = (Status.PASS, Status.NOT_APPLICABLE)


def with_pending_score(findings: Iterable[Finding], score: SecureScore | None) -> tuple[Finding, ...]:
    """``findings`` with a failing score row turned ``pending`` when every other setting is settled."""
    findings = tuple(findings)
    others = [f for f in findings if f.setting != SCORE_SETTING]
    if not others or any(f.status not in _SETTLED and not f.excepted for f in others):
        return findings
    refreshed = (
        f"Microsoft last refreshed it {score.taken_at:%Y-%m-%d %H:%M} UTC"
        if score is not None and score.taken_at is not None
        else "Microsoft has not said when it last refreshed it"
    )
    out = []
    for finding in findings:
        if finding.setting == SCORE_SETTING and finding.status is Status.FAIL and not finding.excepted:
            reason = (
                f"{finding.reason.split('.')[0]}; every setting behind it now passes, so the score is waiting "
                f"for Microsoft's daily refresh ({refreshed})."
            )
            finding = replace(finding, status=Status.PENDING, reason=reason)
        out.append(finding)
    return tuple(out)

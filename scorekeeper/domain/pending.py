"""One rule: a Secure Score that has not caught up with its settings is *pending*, not failing.

Microsoft recomputes Secure Score about once a day. Right after a remediation every setting of a
control passes while the control's score row still reports the old points; counted as a failing
setting it would keep ``assess`` at exit 3 until the next refresh (and forever on a simulated
tenant). So when the score row is the only thing short of passing, the engine reports it
``pending`` with when Microsoft last refreshed the score. It never counts for the exit code
and is never planned. When another setting still fails, the score's shortfall is real and the
row stays ``fail``. When the only other settings short of passing are *staged* (report-only, a
pilot), the score row is staged too: its shortfall is the rollout the admin chose, and it reads
as such rather than as a failure (see ``scorekeeper.domain.staging``).

Plugins name a control's score row with the setting id :data:`SCORE_SETTING`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from scorekeeper.domain.model import Finding, SecureScore, Status

#: The setting id of a control's Secure Score row (both shipped plugins use it).
SCORE_SETTING = "secure_score"
#: Settled: nothing left for the score to wait on (advice is not what Microsoft's control measures).
_SETTLED = (Status.PASS, Status.NOT_APPLICABLE, Status.ADVICE)


def with_pending_score(findings: Iterable[Finding], score: SecureScore | None) -> tuple[Finding, ...]:
    """``findings`` with a failing score row turned ``pending`` when every other setting is settled."""
    findings = tuple(findings)
    others = [f for f in findings if f.setting != SCORE_SETTING]
    if not others or any(f.status not in (*_SETTLED, Status.STAGED) and not f.excepted for f in others):
        return findings
    staged = [f.setting for f in others if f.status is Status.STAGED and not f.excepted]
    if staged:
        return tuple(_staged_score(f, staged) for f in findings)
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


def _staged_score(finding: Finding, staged: list[str]) -> Finding:
    """The score row, staged while the settings behind it are in a rollout stage, else as it was."""
    if finding.setting != SCORE_SETTING or finding.status is not Status.FAIL or finding.excepted:
        return finding
    reason = (
        f"{finding.reason.split('.')[0]}; the settings behind it pass or are staged ({', '.join(staged)}): "
        "the score follows when they reach their final stage."
    )
    return replace(finding, status=Status.STAGED, reason=reason)

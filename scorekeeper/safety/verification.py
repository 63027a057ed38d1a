"""Read-back after a write: did it stick, and does the setting now pass? Two answers, kept apart.

The implementation of the public :mod:`scorekeeper.verification` (whose docstring is the full story).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scorekeeper.domain.model import Change, Finding, JSONValue, Outcome, Status, Verification
from scorekeeper.plugin.writes import project, same

#: When several writes of one setting are checked, the worst decides: this order.
_WORST_FIRST = (Verification.UNREAD, Verification.NOT_STUCK, Verification.NOT_APPLIED, Verification.STUCK)


def check_write(
    change: Change, observed: JSONValue, *, readable: bool = True, why: str = ""
) -> tuple[Verification, str]:
    """Whether ``change`` stuck, given what its resource reads now (``observed``), with the words to show.

    An ambiguous change that reads back as written did apply; a failed one that does not was
    never applied. ``readable=False`` (with ``why``) when the read-back itself failed.
    """
    if not readable:
        return Verification.UNREAD, f"could not read it back: {why}"
    if same(observed, change.after):
        return Verification.STUCK, f"reads back as written ({change.after!r})"
    seen = project(observed, change.after)
    if change.outcome is Outcome.FAILED:
        return (
            Verification.NOT_APPLIED,
            f"the write failed ({change.error}); it reads {seen!r} (before: {change.before!r})",
        )
    return (
        Verification.NOT_STUCK,
        f"the write did not stick: before {change.before!r}, wrote {change.after!r}, read back {seen!r}",
    )


def verified(assessed: Finding, checks: Sequence[tuple[Verification, str]]) -> Finding:
    """``assessed`` (the setting as it reads now) with the verification of its writes attached.

    ``status`` stays the assessed compliance; ``verification`` is the worst of ``checks``;
    the reason says both: what the write did, then whether the setting passes.
    """
    if not checks:
        return assessed
    worst = next(v for v in _WORST_FIRST if any(c[0] is v for c in checks))
    detail = "; ".join(dict.fromkeys(text for _, text in checks))
    if assessed.status is Status.PASS:
        verdict = "the setting passes"
    elif assessed.status is Status.FAIL:
        verdict = f"the setting does not pass: {assessed.reason}" if assessed.reason else "the setting does not pass"
    else:
        verdict = f"the setting is {assessed.status.value}" + (f": {assessed.reason}" if assessed.reason else "")
    return replace(assessed, verification=worst, reason=f"{detail} — {verdict}")

"""Levels of a verdict: which settings can fail a tenant, judged once for every front end.

Every setting declares what kind of requirement it is (:class:`Level`): the Secure Score
control's own criterion (what Microsoft's control measures), a requirement of a named baseline
(``Setting.baselines``: "CISA MS.AAD.3.5v2", "CIS M365 5.2.3.7", "Microsoft deployment guidance"),
or advice. The configuration selects which requirements fail a tenant
(``[remediation] requirements``, default :data:`DEFAULT_REQUIREMENTS`); a failing setting outside
the selection reads as ``Status.ADVICE`` — shown, never counted in exit code 3 or in the
control's pass/fail. So a hardened tenant that Microsoft scores full passes unless a baseline the
admin chose says otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Level(enum.StrEnum):
    """What kind of requirement a setting is."""

    CRITERION = "criterion"  # what Microsoft's Secure Score control itself measures
    BASELINE = "baseline"  # required by a named baseline (Setting.baselines names which)
    ADVICE = "advice"  # recommended; never fails a tenant unless explicitly selected


#: The default selection: the control's criteria and every named baseline's requirements.
DEFAULT_REQUIREMENTS: tuple[str, ...] = (Level.CRITERION.value, Level.BASELINE.value)


def selects(requirements: Iterable[str], level: Level, baselines: Iterable[str] = ()) -> bool:
    """Whether a setting of ``level`` citing ``baselines`` can fail a tenant under ``requirements``.

    Each entry of ``requirements`` is a level name (``criterion``, ``baseline``, ``advice``) or
    the start of a baseline reference, matched case-insensitively word by word: ``CISA`` selects
    "CISA MS.AAD.3.5v2", ``CIS M365`` selects "CIS M365 5.2.3.7" but ``CIS`` does not select
    "CISA …" (whole words only). A criterion is selected by ``criterion``; a baseline requirement by
    ``baseline`` or by one of its references; advice only by ``advice``.
    """
    wanted = [r.strip() for r in requirements if r.strip()]
    names = {r.lower() for r in wanted}
    if level.value in names:
        return True
    if level is Level.ADVICE:
        return False
    return any(_cites(reference, prefix) for reference in baselines for prefix in wanted)


def _cites(reference: str, prefix: str) -> bool:
    ref_words = reference.lower().split()
    prefix_words = prefix.lower().split()
    return bool(prefix_words) and ref_words[: len(prefix_words)] == prefix_words

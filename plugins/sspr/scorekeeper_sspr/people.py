"""Whom an SSPR change affects: before and after, per user, from the effective-method rule.

A change is described by the tenant as it is (``before``) and as the write would leave it
(``after``); :func:`reset_impact` compares every member user's effective methods and required
gates under both and returns the :class:`~scorekeeper.Impact` the finding carries. A user who
could reset before and cannot after is locked out (:attr:`~scorekeeper.Harm.LOCKS_OUT`); one who
loses a method but keeps enough degrades; when the registration report could not be read, or an
unread group or portal policy leaves the answer open, the impact says so and counts as a lockout
(not knowing who is affected is never "nobody").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scorekeeper import Affected, Harm, Impact
from scorekeeper_sspr.effective import Tenant, in_sspr_scope, members_only, user_methods, words

SOURCES = ("userRegistrationDetails", "authenticationMethodsPolicy", "PasswordResetPolicies")


def unknown_impact(why: str) -> Impact:
    """An impact that could not be computed: it blocks, and says why."""
    return Impact(
        summary=f"who this change affects could not be computed ({why})",
        harm=Harm.LOCKS_OUT,
        remedy="make the registration report (AuditLog.Read.All, Entra ID P1) and the SSPR policy readable, "
        "then plan again",
        sources=SOURCES,
    )


def reset_impact(
    before: Tenant,
    after: Tenant,
    details: Sequence[Mapping[str, Any]] | None,
    *,
    gates_before: int,
    gates_after: int,
    what: str,
    remedy: str,
) -> Impact:
    """Compare every member user's ability to reset under ``before`` and ``after``."""
    if details is None:
        return unknown_impact("the per-user registration report could not be read")
    locked: list[Affected] = []
    unsure: list[Affected] = []  # could not be decided: listed after the certain ones
    degraded: list[Affected] = []
    checked = 0
    for detail in members_only(details):
        user_id = str(detail.get("id"))
        if in_sspr_scope(before.portal, user_id, before.members) is False:
            continue  # not enabled for SSPR: nothing to lose
        checked += 1
        b, a = user_methods(before, detail), user_methods(after, detail)
        could = b.enough(gates_before, possibly=True)
        can = a.enough(gates_after)
        lost = b.usable - a.usable - a.uncertain
        if could and not can:
            if a.enough(gates_after, possibly=True):
                detail_words = f"may lose reset (could not be decided: {words(a.uncertain)} unknown for them)"
                unsure.append(Affected(b.id, b.name, detail=detail_words))
                continue
            if lost:
                detail_words = f"loses {words(lost)}; left with {words(a.usable)} (needs {gates_after})"
            else:
                detail_words = f"has {words(a.usable)}; {gates_after} distinct method(s) would be required" + (
                    " (with one gate the Authenticator app counts by its code only)" if gates_after == 1 else ""
                )
            locked.append(Affected(b.id, b.name, detail=detail_words))
        elif lost:
            degraded.append(Affected(b.id, b.name, detail=f"loses {words(lost)}; keeps {words(a.usable)}"))
    if locked or unsure:
        maybe = f" (and {len(unsure)} more may not: their methods could not be decided)" if unsure else ""
        fewer = f"; {len(degraded)} more lose a method but can still reset" if degraded else ""
        return Impact(
            summary=f"{len(locked)} user(s) can no longer reset their password after {what}{maybe}{fewer}",
            harm=Harm.LOCKS_OUT,
            affected=tuple(locked + unsure),
            remedy=remedy,
            sources=SOURCES,
        )
    if degraded:
        return Impact(
            summary=f"{len(degraded)} user(s) lose a reset method after {what} but can still reset",
            harm=Harm.DEGRADES,
            affected=tuple(degraded),
            remedy=remedy,
            sources=SOURCES,
        )
    return Impact(
        summary=f"no user loses a usable reset method after {what} ({checked} users in scope checked)",
        sources=SOURCES,
    )

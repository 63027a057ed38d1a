"""What rows say about Microsoft's retirement of its SMS and voice: one wording for every row.

The method rows, the portal's methods row and the readiness row all warn about the same date and
the same users; keeping the sentences here keeps those warnings identical.
"""

from __future__ import annotations

from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import PHONE_METHODS
from scorekeeper_sspr.portal import METHOD_FIELDS
from scorekeeper_sspr.rows.context import RowContext

#: What Microsoft retires, in the words every finding and plan uses.
RETIRES = (
    "Microsoft retires Microsoft-provided SMS and voice across Microsoft Entra, SSPR included, on 2027-02-01 "
    "(no opt-out; customer-managed telecom providers through the Security Store remain possible)"
)


def phones_offered(ctx: RowContext) -> list[str]:
    """Where SSPR or the Authentication methods policy still offers a phone method today."""
    offered = []
    snap = ctx.snap
    policy = snap.policy.value if snap.policy is not None and snap.policy.ok else None
    for method in sorted(PHONE_METHODS):
        enabled, allowed = METHOD_FIELDS[method]
        if policy and policy.get(enabled) and policy.get(allowed):
            offered.append(f"SSPR {method.replace('_', ' ')}")
    methods = snap.graph.get("methods_policy")
    if methods is not None and methods.ok:
        offered += [f"{c} (methods policy)" for c in rules.phone_methods_enabled(methods.value)]
    return offered


def readiness_words(ctx: RowContext) -> str:
    """How many users a phone-off change would strand, or that the count could not be read."""
    counts = ctx.facts.readiness
    if counts is None:
        return "how many users depend on a phone could not be read (registration report: see phone_retirement)"
    return (
        f"{counts['phone_only']} of {counts['members']} member users have only a phone method registered and "
        f"would be left with no SSPR method"
    )


def retirement_note(ctx: RowContext, offered: list[str]) -> str:
    """The warning appended to a row whose subject still offers a phone method."""
    return (
        f" Still offered: {', '.join(offered)}. {RETIRES}; {readiness_words(ctx)}. Move users to passkeys or "
        'Microsoft Authenticator, or set phone_methods = "off" to turn phone methods off now.'
    )

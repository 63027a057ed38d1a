"""The on-premises rows: password writeback, account unlock, and the connector account's AD rights.

Writeback and unlock are read from the portal's ``OnPremisesPasswordResetPolicies``; the AD rights
cannot be read at all. All three apply only to a tenant synchronised from on-premises AD.
"""

from __future__ import annotations

from scorekeeper import Finding, Status
from scorekeeper_sspr.portal import ONPREM_FIELDS, onprem_slice
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.wording import differences
from scorekeeper_sspr.steps import CONNECT_WIZARD, connect_account_steps, portal_steps


def row_password_writeback(ctx: RowContext) -> Finding:
    """Writeback also needs the Entra Connect wizard, so its steps (and a wanted writeback's reason) say so."""
    return _onprem_row(ctx, "password_writeback", ctx.cfg.password_writeback, wizard=True)


def row_account_unlock(ctx: RowContext) -> Finding:
    return _onprem_row(ctx, "account_unlock", ctx.cfg.account_unlock)


def _onprem_row(ctx: RowContext, setting_id: str, wanted: bool, *, wizard: bool = False) -> Finding:
    """One flag of the on-premises policy against the configured ``wanted``."""
    if (na := ctx.not_hybrid(setting_id)) is not None:
        return na
    steps = portal_steps(setting_id) + (CONNECT_WIZARD if wizard else ())
    if ctx.snap.onprem is None:
        return ctx.finding(
            setting_id,
            Status.UNKNOWN,
            f"held only by the Azure portal's API, which was not read: {ctx.snap.portal_unavailable}.",
            steps=steps,
        )
    if not ctx.snap.onprem.ok:
        return ctx.unreadable(setting_id, ctx.snap.onprem, "portal", steps)
    policy = ctx.snap.onprem.value or {}
    current = onprem_slice(policy, setting_id)
    desired = {ONPREM_FIELDS[setting_id][0]: wanted}
    if current == desired:
        return ctx.finding(setting_id, Status.PASS, "as configured.", current=current, desired=desired)
    reason = differences(current, desired) + "."
    if wizard and wanted:
        reason += " Writeback also has to be ticked in the Entra Connect wizard (steps below)."
    return ctx.finding(setting_id, Status.FAIL, reason, current=current, desired=desired, steps=steps)


def row_connect_account_permissions(ctx: RowContext) -> Finding:
    """No API reads AD ACLs: a hybrid tenant always gets ``manual`` with the dsacls commands to attest."""
    if (na := ctx.not_hybrid("connect_account_permissions")) is not None:
        return na
    return ctx.finding(
        "connect_account_permissions",
        Status.MANUAL,
        "no API can read the AD DS connector account's rights: grant them on each domain root, then attest.",
        desired="granted",
        steps=connect_account_steps(ctx.cfg.connect_domain_dn, ctx.cfg.connect_account),
    )

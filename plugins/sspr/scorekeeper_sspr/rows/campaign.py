"""The registration campaign row: the nudge to set up passkeys or Authenticator at sign-in.

It reads ``registrationEnforcement`` from the Authentication methods policy and, beside it, the
beta policy's passkey-migration opt-out, which only the beta endpoint returns.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.reads import BETA_POLICY
from scorekeeper_sspr.rows.context import RowContext

CAMPAIGN_MANAGED = (
    "Microsoft manages the registration campaign (state default): Microsoft sets its method and snoozes and is "
    "moving managed campaigns to passkeys (FIDO2) with a 1-day, unlimited snooze; since 2026-09-01 users enabled "
    "for SMS or voice are brought into it"
)


def row_mfa_registration_campaign(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("mfa_registration_campaign")) is not None:
        return ctx.unreadable("mfa_registration_campaign", failed)
    cfg = ctx.cfg
    current = rules.campaign(ctx.value("methods_policy"))
    desired = {
        "state": "enabled",
        "snoozeDurationInDays": cfg.registration_campaign_snooze_days,
        "includeTargets": [rules.campaign_target(cfg.registration_campaign_method)],
    }
    evidence: dict[str, Any] = {}
    opt_out = passkey_opt_out(ctx)
    note = ""
    if opt_out is not None:
        evidence["passkeyDynamicMigration"] = opt_out
        note = f" The beta passkey-migration opt-out (optOutSettings.passkeyDynamicMigration, unverified) is {opt_out}."
    state = (current or {}).get("state")
    targets = rules.campaign_methods(current)
    if state == "default" and not cfg.registration_campaign_replace_default:
        return ctx.finding(
            "mfa_registration_campaign",
            Status.PASS,
            f"{CAMPAIGN_MANAGED} (targets read: {', '.join(targets) or 'none'}). scorekeeper leaves Microsoft's "
            f"choice in place; set registration_campaign_replace_default = true to run your own.{note}",
            current=current,
            desired=desired,
            remediation=RemediationKind.NONE,
            evidence=evidence,
        )
    method = cfg.registration_campaign_method
    if rules.campaign_ok(current, cfg.registration_campaign_snooze_days, method):
        return ctx.finding(
            "mfa_registration_campaign",
            Status.PASS,
            f"the registration campaign nudges all users to set up {method} (snooze "
            f"{cfg.registration_campaign_snooze_days} day(s)).{note}",
            current=current,
            desired=desired,
            evidence=evidence,
        )
    if state == "default":
        evidence["consequence"] = f"replaces Microsoft's managed campaign ({CAMPAIGN_MANAGED}), as configured."
    return ctx.finding(
        "mfa_registration_campaign",
        Status.FAIL,
        f"the registration campaign is {state or 'absent'} with targets {targets or 'none'} and snooze "
        f"{(current or {}).get('snoozeDurationInDays')} day(s); configured: enabled for all users ({method}) with "
        f"a {cfg.registration_campaign_snooze_days}-day snooze.{note}",
        current=current,
        desired=desired,
        evidence=evidence,
    )


def passkey_opt_out(ctx: RowContext) -> Any:
    """``optOutSettings.passkeyDynamicMigration`` from the beta policy, or ``None`` when absent."""
    beta = ctx.snap.graph.get(BETA_POLICY)
    if beta is None or not beta.ok or not isinstance(beta.value, dict):
        return None
    settings = beta.value.get("optOutSettings")
    return settings.get("passkeyDynamicMigration") if isinstance(settings, dict) else None

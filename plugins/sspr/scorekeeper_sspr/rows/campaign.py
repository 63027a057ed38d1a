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


def registrable(policy: Any) -> list[str]:
    """Campaign methods users can actually register: Authenticator when enabled; passkeys (FIDO2) only when
    enabled with self-service setup (how-to-mfa-registration-campaign)."""
    found = []
    authenticator = rules.config_of(policy, "MicrosoftAuthenticator") or {}
    if authenticator.get("state") == "enabled":
        found.append("microsoftAuthenticator")
    fido2 = rules.passkeys(policy) or {}
    if fido2.get("state") == "enabled" and fido2.get("isSelfServiceRegistrationAllowed") is True:
        found.append("fido2")
    return found


def enforcement(ctx: RowContext) -> str:
    """What *enforces* MFA registration here (the campaign only nudges): Conditional Access requiring MFA or
    an authentication strength for all users, or security defaults (concept-registration-mfa-sspr-combined).
    Identity Protection's registration policy and per-user MFA are not read by this plugin."""
    found = []
    ca = ctx.snap.graph.get("ca_policies")
    for policy in rules.values(ca.value) if ca is not None and ca.ok else []:
        conditions = policy.get("conditions") or {}
        grant = policy.get("grantControls") or {}
        all_users = "All" in ((conditions.get("users") or {}).get("includeUsers") or [])
        all_apps = "All" in ((conditions.get("applications") or {}).get("includeApplications") or [])
        mfa = "mfa" in (grant.get("builtInControls") or []) or bool(
            (grant.get("authenticationStrength") or {}).get("id")
        )
        if policy.get("state") == "enabled" and all_users and all_apps and mfa:
            found.append(f"Conditional Access policy '{policy.get('displayName')}' requires MFA for all users")
    defaults = ctx.snap.graph.get("security_defaults")
    if defaults is not None and defaults.ok and (defaults.value or {}).get("isEnabled") is True:
        found.append("security defaults are on")
    if found:
        return "; ".join(found) + " (these enforce registration; the campaign is a nudge)"
    return (
        "no enabled Conditional Access policy requiring MFA for all users and no security defaults were found: "
        "nothing here enforces MFA registration (Identity Protection's registration policy and per-user MFA "
        "were not read); the campaign is only a nudge"
    )


def row_mfa_registration_campaign(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("mfa_registration_campaign")) is not None:
        return ctx.unreadable("mfa_registration_campaign", failed)
    cfg = ctx.cfg
    policy = ctx.value("methods_policy")
    current = rules.campaign(policy)
    can_register = registrable(policy)
    method: str | None = cfg.registration_campaign_method
    if method not in can_register:
        method = can_register[0] if can_register else None
    desired: dict[str, Any] = {
        "state": "enabled",
        "snoozeDurationInDays": cfg.registration_campaign_snooze_days,
        "includeTargets": [rules.campaign_target(method or cfg.registration_campaign_method)],
    }
    evidence: dict[str, Any] = {"enforcement": enforcement(ctx)}
    opt_out = passkey_opt_out(ctx)
    note = f" Enforcement: {evidence['enforcement']}."
    limited = limited_snoozes(ctx)
    if limited is not None:
        evidence["enforceRegistrationAfterAllowedSnoozes"] = limited
        note += (
            " Snoozes are limited (registration required after 3)."
            if limited
            else " Snoozes are unlimited (enforceRegistrationAfterAllowedSnoozes false)."
        )
        if limited is not ctx.cfg.registration_campaign_limited_snoozes:
            note += " Configured otherwise: change 'Limit number of snoozes' in the portal (the property is beta)."
    if opt_out is not None:
        evidence["passkeyDynamicMigration"] = opt_out
        note += (
            f" The beta passkey-migration opt-out (optOutSettings.passkeyDynamicMigration, unverified) is {opt_out}."
        )
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
    if state == "enabled" and targets and set(targets) <= set(can_register):
        return ctx.finding(
            "mfa_registration_campaign",
            Status.PASS,
            f"the registration campaign nudges users to set up {', '.join(targets)}, which they can register; "
            f"scorekeeper does not rewrite a working campaign.{note}",
            current=current,
            desired=desired,
            evidence=evidence,
        )
    if method is None:
        return ctx.finding(
            "mfa_registration_campaign",
            Status.FAIL,
            "neither Microsoft Authenticator nor passkeys with self-service setup are enabled in the "
            "Authentication methods policy: a campaign would nudge users to a method they cannot register. "
            f"Enable one first (method_configurations, passkeys).{note}",
            current=current,
            desired=desired,
            remediation=RemediationKind.GUIDED,
            evidence=evidence,
        )
    if state == "default":
        evidence["consequence"] = f"replaces Microsoft's managed campaign ({CAMPAIGN_MANAGED}), as configured."
    unusable = sorted(set(targets) - set(can_register))
    why = f" It targets {', '.join(unusable)}, which its users cannot register." if unusable else ""
    return ctx.finding(
        "mfa_registration_campaign",
        Status.FAIL,
        f"the registration campaign is {state or 'absent'} with targets {targets or 'none'}.{why} Configured: "
        f"enabled for all users ({method}, registrable) with a {cfg.registration_campaign_snooze_days}-day snooze"
        f"{' and limited snoozes' if cfg.registration_campaign_limited_snoozes else ''}.{note}",
        current=current,
        desired=desired,
        evidence=evidence,
    )


def limited_snoozes(ctx: RowContext) -> bool | None:
    """``enforceRegistrationAfterAllowedSnoozes`` as the beta policy reads it (absent from v1.0's metadata)."""
    beta = ctx.snap.graph.get(BETA_POLICY)
    if beta is None or not beta.ok or not isinstance(beta.value, dict):
        return None
    enforcement = beta.value.get("registrationEnforcement") or {}
    value = (enforcement.get("authenticationMethodsRegistrationCampaign") or {}).get(
        "enforceRegistrationAfterAllowedSnoozes"
    )
    return value if isinstance(value, bool) else None


def passkey_opt_out(ctx: RowContext) -> Any:
    """``optOutSettings.passkeyDynamicMigration`` from the beta policy, or ``None`` when absent."""
    beta = ctx.snap.graph.get(BETA_POLICY)
    if beta is None or not beta.ok or not isinstance(beta.value, dict):
        return None
    settings = beta.value.get("optOutSettings")
    return settings.get("passkeyDynamicMigration") if isinstance(settings, dict) else None

"""Rows read from the Authentication methods policy: which methods are on, passkeys, the migration.

They all read ``policies/authenticationMethodsPolicy`` (one batch entry); the registration
campaign, which also lives in that policy, has its own module (:mod:`~scorekeeper_sspr.rows.campaign`).
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, RemediationKind, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.phones import RETIRES, readiness_words
from scorekeeper_sspr.settings import PHONE_RETIREMENT
from scorekeeper_sspr.steps import PASSKEY_STEPS


def row_method_configurations(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("method_configurations")) is not None:
        return ctx.unreadable("method_configurations", failed)
    cfg = ctx.cfg
    policy = ctx.value("methods_policy")
    desired = rules.desired_method_configurations(cfg.methods, cfg.enable_in_methods_policy, cfg.phone_methods == "off")
    current = rules.method_configurations(policy, list(desired))
    missing = [i for i, c in current.items() if c is None]
    if missing:
        return ctx.finding(
            "method_configurations",
            Status.UNKNOWN,
            f"the Authentication methods policy has no configuration {', '.join(missing)}.",
            current=current,
            desired=desired,
        )
    notes, evidence = _configuration_notes(ctx, policy, desired)
    wrong = [i for i in desired if not rules.config_holds(desired[i], current[i])]
    if not wrong:
        return ctx.finding(
            "method_configurations",
            Status.PASS,
            f"{', '.join(desired) or 'no method'} as SSPR needs it, for all users.{notes}",
            current=current,
            desired=desired,
            evidence=evidence,
        )
    detail = "; ".join(f"{i} is {current[i]}, should be {desired[i]}" for i in wrong)
    return ctx.finding(
        "method_configurations",
        Status.FAIL,
        f"the Authentication methods policy does not match what SSPR offers ({detail}); since legacy SSPR "
        f"method management ended, a method enabled for one pilot group only is not enabled for SSPR users.{notes}",
        current=current,
        desired=desired,
        evidence=evidence,
    )


def _configuration_notes(ctx: RowContext, policy: Any, desired: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What the row says beyond pass/fail: methods left off, phones still on, what the write would change."""
    cfg = ctx.cfg
    notes = ""
    # Methods SSPR offers whose configuration scorekeeper leaves off unless the config asks.
    offered = rules.method_config_ids(cfg.methods)
    held_off = [
        i
        for i in offered
        if i in rules.RESTRICTED_CONFIGS
        and i not in desired
        and (rules.config_of(policy, i) or {}).get("state") != "enabled"
    ]
    if held_off:
        notes += (
            f" The configured SSPR methods include {', '.join(held_off)}, which the Authentication methods policy "
            "has off, so users cannot reset with it; scorekeeper leaves it off (CISA MS.AAD.3.5 asks for SMS, "
            "voice and email OTP off) unless enable_in_methods_policy names it."
        )
    evidence: dict[str, Any] = {}
    phones = rules.phone_methods_enabled(policy)
    if phones and cfg.phone_methods == "keep":
        notes += f" {', '.join(phones)} enabled: {RETIRES}."
        evidence["platform_changes"] = [PHONE_RETIREMENT]
    opted_phones = [i for i in cfg.enable_in_methods_policy if i in rules.PHONE_CONFIGS]
    consequence = []
    if opted_phones:
        consequence.append(f"turns {', '.join(opted_phones)} on as the config asks: {RETIRES}.")
        evidence["platform_changes"] = [PHONE_RETIREMENT]
    if "Email" in cfg.enable_in_methods_policy:
        consequence.append("turns Email OTP on as the config asks: CISA MS.AAD.3.5 and CIS 5.2.3.7 ask for it off.")
    if cfg.phone_methods == "off" and phones:
        consequence.append(f"turns {', '.join(phones)} off: {readiness_words(ctx)}.")
    if consequence:
        evidence["consequence"] = " ".join(consequence)
    return notes, evidence


def row_passkeys(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("passkeys")) is not None:
        return ctx.unreadable("passkeys", failed)
    target = ctx.cfg.passkeys_group or rules.ALL_USERS
    desired = rules.desired_passkeys(target)
    current = rules.passkeys(ctx.value("methods_policy"))
    if current is None:
        return ctx.finding(
            "passkeys",
            Status.UNKNOWN,
            "the Authentication methods policy has no Fido2 configuration.",
            desired=desired,
        )
    who = "all users" if target == rules.ALL_USERS else f"group {target}"
    if rules.config_holds(desired, current):
        return ctx.finding(
            "passkeys",
            Status.PASS,
            f"passkeys (FIDO2) are enabled for {who} and users may register them themselves.",
            current=current,
            desired=desired,
        )
    return ctx.finding(
        "passkeys",
        Status.FAIL,
        f"passkeys (FIDO2) are {current['state']} (targets {current['includeTargets']}, self-service "
        f"registration {current['isSelfServiceRegistrationAllowed']}); they should be enabled for {who} with "
        "self-service registration: passkeys are the method Microsoft moves SMS and voice users to.",
        current=current,
        desired=desired,
        steps=PASSKEY_STEPS,  # the same change by hand, where the app may not write
    )


def row_methods_policy_migration(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("methods_policy_migration")) is not None:
        return ctx.unreadable("methods_policy_migration", failed)
    state = (ctx.value("methods_policy") or {}).get("policyMigrationState")
    if state is None:
        created = f" (this tenant was created {ctx.facts.created[:10]})" if ctx.facts.created else ""
        return ctx.finding(
            "methods_policy_migration",
            Status.PASS,
            f"Graph reports no policyMigrationState{created}: migration does not apply to tenants created "
            "after Microsoft made the Authentication methods policy the only place to manage methods; they are "
            "governed by it alone (ScubaGear treats null as migrated, cisagov/ScubaGear#1778).",
            current=None,
            desired="migrationComplete",
            remediation=RemediationKind.NONE,
        )
    if state == "migrationComplete":
        return ctx.finding(
            "methods_policy_migration",
            Status.PASS,
            "authentication methods are governed by the Authentication methods policy alone.",
            current=state,
            desired="migrationComplete",
        )
    return ctx.finding(
        "methods_policy_migration",
        Status.FAIL,
        f"migration state is {state}: legacy MFA/SSPR method settings may still apply; Microsoft ended legacy "
        "management on 30 September 2025.",
        current=state,
        desired="migrationComplete",
    )

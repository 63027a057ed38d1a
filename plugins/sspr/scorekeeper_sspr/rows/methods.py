"""Rows read from the Authentication methods policy: which methods are on, passkeys, the migration.

They all read ``policies/authenticationMethodsPolicy`` (one batch entry); the registration
campaign, which also lives in that policy, has its own module (:mod:`~scorekeeper_sspr.rows.campaign`).
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, Harm, Impact, RemediationKind, Stage, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.effective import COMPLETE, IN_PROGRESS, PRE, legacy_offer, policy_offer, words
from scorekeeper_sspr.people import reset_impact
from scorekeeper_sspr.portal import METHOD_FIELDS
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.phones import RETIRES, readiness_words
from scorekeeper_sspr.settings import CONTROL_ID, PHONE_RETIREMENT
from scorekeeper_sspr.steps import PASSKEY_STEPS


def row_method_configurations(ctx: RowContext) -> Finding:
    if (failed := ctx.graph_reads("method_configurations")) is not None:
        return ctx.unreadable("method_configurations", failed)
    cfg = ctx.cfg
    policy = ctx.value("methods_policy")
    desired = rules.desired_method_configurations(
        aligned_methods(ctx), cfg.enable_in_methods_policy, cfg.phone_methods == "off"
    )
    aligning = ctx.facts.methods is not None and ctx.facts.methods.migration in (PRE, IN_PROGRESS)
    if aligning and "mobile_app_code" in legacy_methods(ctx) and "MicrosoftAuthenticator" in desired:
        # how-to-authentication-methods-manage: codes from the app need "Allow use of Microsoft Authenticator OTP".
        desired["MicrosoftAuthenticator"]["isSoftwareOathEnabled"] = True
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
        impact=configurations_impact(ctx, policy, {i: desired[i] for i in wrong}),
    )


def legacy_methods(ctx: RowContext) -> set[str]:
    """The config-named methods the legacy SSPR policy offers (Enabled and Allowed), when it was read."""
    portal = ctx.facts.methods.portal if ctx.facts.methods else None
    if portal is None:
        return set()
    return {m for m, (e, a) in METHOD_FIELDS.items() if portal.get(e) is True and portal.get(a) is True}


def aligned_methods(ctx: RowContext) -> tuple[str, ...]:
    """The methods the methods policy should offer: before migration completes, only those the legacy
    policy already offers (how-to-authentication-methods-manage: align, then complete); afterwards, the
    configured ones."""
    tenant = ctx.facts.methods
    if tenant is None or tenant.migration not in (PRE, IN_PROGRESS) or tenant.portal is None:
        return ctx.cfg.methods
    offered = legacy_methods(ctx)
    opted = set(ctx.cfg.enable_in_methods_policy)  # the config's explicit opt-in (Email, Sms, Voice)
    explicit = {m for m in ctx.cfg.methods if rules.METHOD_CONFIGS[m] and set(rules.METHOD_CONFIGS[m]) <= opted}
    return tuple(m for m in ctx.cfg.methods if m in offered or m in explicit)


def configurations_impact(ctx: RowContext, policy: Any, wrong: dict[str, Any]) -> Impact | None:
    """Whom the method-configuration writes affect (turning SMS/voice off can strand phone-only users)."""
    tenant = ctx.facts.methods
    if tenant is None:
        return None
    after = tenant.but(methods_policy=rules.applied(policy, wrong))
    gates = _gates(ctx)
    return reset_impact(
        tenant,
        after,
        ctx.facts.details,
        gates_before=gates,
        gates_after=gates,
        what="this methods-policy change",
        remedy="let these users register Microsoft Authenticator (or another method the policy keeps) first",
    )


def _gates(ctx: RowContext) -> int:
    portal = ctx.facts.methods.portal if ctx.facts.methods else None
    return int((portal or {}).get("numberOfAuthenticationMethodsRequired") or 1)


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
    """Migration as Microsoft describes it: audit, *in progress*, align, and complete only when safe.

    ``preMigration`` fails and plans *Migration in progress* (both policies respected, so nobody loses
    a method). ``migrationInProgress`` is a stage: completing it makes the methods policy the only
    source, so it is ready only when completing changes no user's effective methods; otherwise it
    stays in progress and says who would lose what.
    """
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
            desired=COMPLETE,
            remediation=RemediationKind.NONE,
        )
    if state == COMPLETE:
        return ctx.finding(
            "methods_policy_migration",
            Status.PASS,
            "authentication methods are governed by the Authentication methods policy alone.",
            current=state,
            desired=COMPLETE,
        )
    audit = migration_audit(ctx)
    if state != IN_PROGRESS:
        return ctx.finding(
            "methods_policy_migration",
            Status.FAIL,
            f"migration state is {state}: the Authentication methods policy is not yet used for password reset. "
            f"Audit: {audit}. The first step sets Migration in progress, where both policies are respected, so no "
            "user loses a method; completion comes in a later run, once it changes nobody's methods.",
            current=state,
            desired=IN_PROGRESS,
            evidence={"audit": audit},
            # The rollout this write starts: its first stage (completion follows when it is safe).
            stage=Stage((IN_PROGRESS, COMPLETE), 0, next_desired=COMPLETE, needs="a later assessment"),
            impact=_first_step_impact(ctx),
        )
    return _in_progress(ctx, state, audit)


def _completion(ctx: RowContext) -> Impact | None:
    """Whom completing the migration would lock out, judged from the in-progress state (both policies)."""
    tenant = ctx.facts.methods
    if tenant is None or tenant.portal is None:
        return None
    gates = _gates(ctx)
    return reset_impact(
        tenant.but(migration=IN_PROGRESS),
        tenant.but(migration=COMPLETE),
        ctx.facts.details,
        gates_before=gates,
        gates_after=gates,
        what="completing the migration",
        remedy="enable the methods these users rely on in the Authentication methods policy for them "
        "(method_configurations; SMS, voice and email only through enable_in_methods_policy), or let them "
        "register Microsoft Authenticator first; then assess again",
    )


def _first_step_impact(ctx: RowContext) -> Impact:
    """Setting *in progress* harms nobody; the plan still names whom a later completion would lock out."""
    safe = "no user loses a method in this step: in Migration in progress the legacy SSPR policy is still respected"
    later = _completion(ctx)
    if later is None or later.harm is Harm.NONE:
        return Impact(summary=safe, sources=("authenticationMethodsPolicy", "PasswordResetPolicies"))
    # This step affects nobody, so ``affected`` stays empty; the summary names whom the later step would.
    return Impact(
        summary=f"{safe}. Completing it later is held back: {later.summary}. Would lose reset: {later.names(limit=20)}",
        harm=Harm.NONE,
        remedy=later.remedy,
        sources=later.sources,
    )


def _in_progress(ctx: RowContext, state: str, audit: str) -> Finding:
    tenant = ctx.facts.methods
    needs_portal = tenant is None or tenant.portal is None
    if needs_portal or tenant is None:
        impact = Impact(
            summary="completing the migration cannot be judged: the legacy SSPR policy could not be read",
            harm=Harm.LOCKS_OUT,
            remedy="sign in to the portal API so the legacy policy can be compared, then assess again",
        )
    else:
        impact = _completion(ctx) or Impact(summary="not computed", harm=Harm.LOCKS_OUT)
    ready = impact.harm is Harm.NONE
    stage = Stage(
        stages=(IN_PROGRESS, COMPLETE),
        current=0,
        next_desired=COMPLETE,
        ready=ready,
        needs="" if ready else impact.line(),
        evidence=impact.summary,
    )
    return ctx.finding(
        "methods_policy_migration",
        Status.STAGED,
        f"migration is in progress (both policies respected). Audit: {audit}. "
        + (
            "Completing it changes no user's reset methods: it can be completed (list "
            f'"{CONTROL_ID}.methods_policy_migration" in [remediation] promote, then run scorekeeper promote).'
            if ready
            else f"Not completed: {impact.line()}."
        ),
        current=state,
        desired=COMPLETE,
        evidence={"audit": audit},
        impact=impact,
        stage=stage,
    )


def migration_audit(ctx: RowContext) -> str:
    """What the legacy SSPR policy offers against what the methods policy offers all users."""
    tenant = ctx.facts.methods
    if tenant is None:
        return "the Authentication methods policy could not be read"
    legacy = "could not be read (no portal sign-in)" if tenant.portal is None else words(legacy_offer(tenant.portal))
    certain, uncertain = policy_offer(tenant.methods_policy, "", {})
    modern = words(certain) + (f" (and for some groups: {words(uncertain)})" if uncertain else "")
    return f"the legacy SSPR policy offers {legacy}; the Authentication methods policy offers all users {modern}"

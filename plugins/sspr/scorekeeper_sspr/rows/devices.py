"""The Windows sign-in row: password reset from the lock screen (howto-sspr-windows).

Three ways a tenant sets ``AllowAadPasswordReset``: an Intune custom configuration (OMA-URI), an
Intune Settings Catalog policy (beta ``configurationPolicies``), or the registry/GPO on the devices,
which no API reads. The row recognises the first two; the third is attested by a person (the
setting is declared ``attestable`` for that reason). Microsoft
says to assign it to a test group of devices first, so the Intune path is staged: the configured
``windows_sign_in_group`` (the pilot) first, all devices by promotion. Without an Intune plan
nothing is ever written: the registry/GPO steps are the way, and an attestation records them.
"""

from __future__ import annotations

from typing import Any

from scorekeeper import Finding, RemediationKind, Stage, Status
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.reads import CATALOG, Read
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.steps import WINDOWS_FALLBACK

SETTING = "windows_sign_in_reset"
STAGES = ("pilot", "all devices")
ALL = {"@odata.type": rules.ALL_DEVICES}


def _found(ctx: RowContext) -> list[dict[str, Any]]:
    found = [
        {**c, "source": "custom configuration"}
        for c in rules.sspr_device_configurations(ctx.value("device_configurations"))
    ]
    catalog = ctx.snap.graph.get(CATALOG)
    if catalog is not None and catalog.ok:
        found += rules.catalog_policies(catalog.value)
    return found


def _desired(target: dict[str, Any]) -> dict[str, Any]:
    return {"omaUri": rules.OMA_URI, "value": 1, "targets": [target]}


def _no_intune_answer(read: Read) -> bool:
    """Intune's answer to a tenant without its licence: 400 "Request not applicable to target tenant."

    The Intune API "requires an active Intune license for the tenant" (Microsoft's Intune Graph
    overview); the 400 and its message are what tenants without one report. Used only when the
    subscriptions themselves could not be read, so it names the likely cause rather than decides it.
    """
    return read.status == 400 and "not applicable to target tenant" in read.error.lower()


def row_windows_sign_in_reset(ctx: RowContext) -> Finding:
    if ctx.facts.intune is False or ctx.cfg.windows_sign_in_method == "registry":
        why = (
            "windows_sign_in_method is 'registry'"
            if ctx.cfg.windows_sign_in_method == "registry"
            else "no Intune plan (INTUNE_A): scorekeeper writes no Intune profile"
        )
        return ctx.finding(
            SETTING,
            Status.MANUAL,
            f"{why}. Set AllowPasswordReset through the registry or a GPO on Windows 10 1803+ devices that are "
            "Entra joined or hybrid joined (a test group of devices first), then attest it.",
            desired="AllowPasswordReset = 1 on the devices",
            remediation=RemediationKind.GUIDED,
            steps=WINDOWS_FALLBACK,
        )
    if (failed := ctx.graph_reads(SETTING)) is not None:
        if ctx.facts.intune is None and _no_intune_answer(failed):
            return ctx.finding(
                SETTING,
                Status.UNKNOWN,
                f"Intune answered {failed.status} ({failed.error}), what Microsoft's Intune API answers a tenant "
                "without an active Intune licence, and the subscriptions could not be read to tell: check the "
                "tenant's licences (Microsoft 365 admin center > Billing > Licenses, a plan with INTUNE_A). Without "
                "Intune, set AllowPasswordReset through the registry or a GPO and attest it.",
                remediation=RemediationKind.GUIDED,
                steps=WINDOWS_FALLBACK,
            )
        return ctx.unreadable(SETTING, failed, steps=WINDOWS_FALLBACK)
    if ctx.facts.windows_group_problem:
        return ctx.finding(
            SETTING,
            Status.UNKNOWN,
            ctx.facts.windows_group_problem,
            remediation=RemediationKind.GUIDED,
            steps=WINDOWS_FALLBACK,
        )
    found = _found(ctx)
    everywhere = next((c for c in found if ALL in c["targets"]), None)
    if everywhere is not None:
        return ctx.finding(
            SETTING,
            Status.PASS,
            f"Intune {everywhere['source']} {everywhere['id']} allows password reset at Windows sign-in "
            "on all devices.",
            current=everywhere,
            desired=_desired(ALL),
            remediation=RemediationKind.AUTOMATED,
        )
    pilot_id = ctx.facts.windows_group_id
    pilot = {"@odata.type": rules.GROUP_TARGET, "groupId": pilot_id} if pilot_id else None
    on_pilot = next((c for c in found if pilot is not None and pilot in c["targets"]), None)
    if on_pilot is not None:
        return ctx.finding(
            SETTING,
            Status.STAGED,
            f"Intune {on_pilot['source']} {on_pilot['id']} allows reset at sign-in for the pilot group "
            f"{ctx.cfg.windows_sign_in_group}; all devices follow by promotion.",
            current=on_pilot,
            desired=_desired(ALL),
            remediation=RemediationKind.AUTOMATED,
            stage=Stage(
                STAGES,
                0,
                next_desired=_desired(ALL),
                ready=True,
                needs="[remediation] promote to list it once the pilot devices show 'Reset password'",
                evidence=f"assigned to the pilot group {ctx.cfg.windows_sign_in_group}",
            ),
        )
    if any(c["targets"] for c in found):
        assigned = next(c for c in found if c["targets"])
        return ctx.finding(
            SETTING,
            Status.PASS,
            f"Intune {assigned['source']} {assigned['id']} allows reset at sign-in for its assigned groups "
            "(chosen by the admin; scorekeeper does not widen it).",
            current=assigned,
            desired=_desired(ALL),
            remediation=RemediationKind.AUTOMATED,
        )
    current = found[0] if found else None
    if pilot is None:
        return ctx.finding(
            SETTING,
            Status.FAIL,
            (
                "Intune configuration " + str(current["id"]) + " sets AllowAadPasswordReset but is not assigned. "
                if current
                else "nothing sets AllowAadPasswordReset = 1: users cannot reset from the Windows sign-in screen. "
            )
            + "Microsoft says to assign it to a test group of devices first: set windows_sign_in_group to that group "
            "and remediate (all devices follow by promotion), or use the registry/GPO steps and attest.",
            current=current,
            desired=_desired(ALL),
            remediation=RemediationKind.GUIDED,
            steps=WINDOWS_FALLBACK,
        )
    return ctx.finding(
        SETTING,
        Status.FAIL,
        (
            "Intune configuration " + str(current["id"]) + " sets AllowAadPasswordReset but is not assigned; "
            if current
            else "nothing sets AllowAadPasswordReset = 1; "
        )
        + f"scorekeeper assigns it to the pilot group {ctx.cfg.windows_sign_in_group} first.",
        current=current,
        desired=_desired(pilot),
        remediation=RemediationKind.AUTOMATED,
        steps=WINDOWS_FALLBACK,
        stage=Stage(STAGES, 0, next_desired=_desired(ALL), needs="the pilot first"),
    )

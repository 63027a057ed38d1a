"""From a :class:`~scorekeeper_sspr.reads.Snapshot` to one finding per setting (no I/O).

Rules every row keeps: a value that could not be read is ``unknown`` with the reason (and the
missing permission when Graph said 403), never ``fail``; on-premises rows are ``not
applicable`` in a cloud-only tenant; failing rows that need a licence the tenant lacks say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Setting, Status, gate_by_licence
from scorekeeper.reads import secure_score, secure_score_finding
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import PHONE_METHODS, SsprConfig, is_object_id
from scorekeeper_sspr.portal import (
    ENABLEMENT_ALL,
    ENABLEMENT_SELECTED,
    METHOD_FIELDS,
    ONPREM_FIELDS,
    onprem_slice,
    policy_slice,
)
from scorekeeper_sspr.reads import BETA_POLICY, Read, Snapshot
from scorekeeper_sspr.settings import (
    CONTROL_ID,
    P1,
    PHONE_RETIREMENT,
    PORTAL_POLICY_SETTINGS,
    PORTAL_ROLES,
    SETTINGS_BY_ID,
)
from scorekeeper_sspr.steps import (
    ADMIN_EXCLUSION,
    CONNECT_WIZARD,
    LICENCE,
    PASSKEY_STEPS,
    PHONE_READINESS,
    WINDOWS_FALLBACK,
    connect_account_steps,
    portal_steps,
)

#: What Microsoft retires, in the words every finding and plan uses.
RETIRES = (
    "Microsoft retires Microsoft-provided SMS and voice across Microsoft Entra, SSPR included, on 2027-02-01 "
    "(no opt-out; customer-managed telecom providers through the Security Store remain possible)"
)
CAMPAIGN_MANAGED = (
    "Microsoft manages the registration campaign (state default): Microsoft sets its method and snoozes and is "
    "moving managed campaigns to passkeys (FIDO2) with a 1-day, unlimited snooze; since 2026-09-01 users enabled "
    "for SMS or voice are brought into it"
)

#: Graph read key → the settings that depend on it alone.
GRAPH_SOURCES: dict[str, tuple[str, ...]] = {
    "license": ("skus",),
    "hybrid": ("organization",),
    "method_configurations": ("methods_policy",),
    "passkeys": ("methods_policy",),
    "phone_retirement": ("registration_details",),
    "admins_excluded": ("registration_details",),
    "methods_policy_migration": ("methods_policy",),
    "mfa_registration_campaign": ("methods_policy",),
    "admin_sspr": ("authorization_policy",),
    "windows_sign_in_reset": ("device_configurations",),
    "registration_ca_policy": ("ca_policies",),
    "password_protection": ("group_settings",),
    "secure_score": ("secure_scores", "score_profile"),
}

#: Words for the portal's fields, so reasons read like the portal does.
FIELD_LABELS = {
    "enablementType": "Self service password reset enabled",
    "passwordResetEnabledGroupIds": "the selected group",
    "passwordResetEnabledGroupName": "the selected group",
    "numberOfAuthenticationMethodsRequired": "Number of methods required to reset",
    "numberOfQuestionsToRegister": "Number of questions required to register",
    "numberOfQuestionsToReset": "Number of questions required to reset",
    "registrationRequiredOnSignIn": "Require users to register when signing in",
    "registrationReconfirmIntevalInDays": "Days before users are asked to re-confirm",
    "notifyUsersOnPasswordReset": "Notify users on password resets",
    "notifyOnAdminPasswordReset": "Notify all admins when other admins reset their password",
    "customizeHelpdeskLink": "Customize helpdesk link",
    "customHelpdeskEmailOrUrl": "Custom helpdesk email or URL",
    "passwordWritebackSupported": "Write back passwords to your on-premises directory",
    "accountUnlockEnabled": "Allow users to unlock accounts without resetting their password",
}
for _method, (_enabled, _allowed) in METHOD_FIELDS.items():
    FIELD_LABELS[_enabled] = f"{_method.replace('_', ' ')} offered"
    FIELD_LABELS[_allowed] = f"{_method.replace('_', ' ')} allowed"
ENABLEMENT_WORDS = {0: "None", 1: "Selected", 2: "All"}


@dataclass
class Facts:
    """What several rows need to know: licence, hybrid, the resolved Windows group."""

    licensed: bool | None = None
    skus: list[str] = field(default_factory=list)
    hybrid: bool | None = None
    created: str | None = None
    windows_group_id: str | None = None
    windows_group_problem: str = ""
    readiness: dict[str, int] | None = None


def _word(name: str, value: Any) -> str:
    if name == "enablementType":
        return ENABLEMENT_WORDS.get(value, repr(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return "not set"
    return str(value)


def differences(current: dict[str, Any], desired: dict[str, Any]) -> str:
    """'X is No, should be Yes; ...' for every field that differs."""
    parts = [
        f"'{FIELD_LABELS.get(k, k)}' is {_word(k, current.get(k))}, should be {_word(k, v)}"
        for k, v in desired.items()
        if current.get(k) != v
    ]
    return "; ".join(parts)


class Evaluator:
    """Builds the findings for one snapshot; one method per setting keeps each rule readable."""

    def __init__(self, snapshot: Snapshot, desired: SsprConfig) -> None:
        self.snap = snapshot
        self.cfg = desired
        self.facts = self._facts()

    # ------------------------------------------------------------- helpers
    def _facts(self) -> Facts:
        facts = Facts()
        skus = self.snap.graph.get("skus", Read(None, 0, "not read"))
        if skus.ok:
            facts.skus = rules.premium_skus(skus.value)
            facts.licensed = bool(facts.skus)
        org = self.snap.graph.get("organization", Read(None, 0, "not read"))
        if org.ok:
            facts.hybrid = rules.sync_state(org.value)["onPremisesSyncEnabled"] is True
            facts.created = (rules.first(org.value) or {}).get("createdDateTime")
        details = self.snap.graph.get("registration_details", Read(None, 0, "not read"))
        if details.ok:
            facts.readiness = rules.readiness(details.value)
        group = self.cfg.windows_sign_in_group
        if group and is_object_id(group):
            facts.windows_group_id = group
        elif group:
            found = self.snap.graph.get("windows_group", Read(None, 0, "not read"))
            matches = rules.values(found.value) if found.ok else []
            if not found.ok:
                facts.windows_group_problem = f"could not look up group {group!r}: {found.error}"
            elif len(matches) == 1:
                facts.windows_group_id = matches[0].get("id")
            elif not matches:
                facts.windows_group_problem = f"windows_sign_in_group: no group is named {group!r}"
            else:
                facts.windows_group_problem = (
                    f"windows_sign_in_group: {len(matches)} groups are named {group!r}; give its object id"
                )
        return facts

    @staticmethod
    def setting(setting_id: str) -> Setting:
        return SETTINGS_BY_ID[setting_id]

    def finding(self, setting_id: str, status: Status, reason: str, **kw: Any) -> Finding:
        setting = self.setting(setting_id)
        kw.setdefault("remediation", setting.remediation)
        if setting.unverified and status is not Status.NOT_APPLICABLE:
            kw.setdefault("evidence", {})
            kw["evidence"] = {**kw["evidence"], "unverified": setting.unverified}
        return Finding(control=CONTROL_ID, setting=setting_id, title=setting.title, status=status, reason=reason, **kw)

    def unreadable(self, setting_id: str, read: Read, what: str = "Graph", steps: tuple[str, ...] = ()) -> Finding:
        setting = self.setting(setting_id)
        if what == "Graph" and read.denied:
            perms = setting.read_permissions
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"Graph refused the read ({read.error}): the app needs {', '.join(perms)}.",
                missing_permissions=perms,
                steps=steps,
            )
        if what == "portal" and read.denied:
            roles = " or ".join(PORTAL_ROLES)
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"the portal refused the read ({read.error}): the signed-in admin needs {roles}.",
                steps=steps,
            )
        return self.finding(setting_id, Status.UNKNOWN, f"could not read it from {what}: {read.error}", steps=steps)

    def graph_reads(self, setting_id: str) -> Read | None:
        """The first failed read this setting depends on, or ``None`` when all succeeded."""
        for key in GRAPH_SOURCES.get(setting_id, ()):
            read = self.snap.graph.get(key, Read(None, 0, f"{key} was not read"))
            if not read.ok:
                return read
        return None

    def value(self, key: str) -> Any:
        return self.snap.graph[key].value

    def not_hybrid(self, setting_id: str) -> Finding | None:
        """``not applicable`` in a cloud-only tenant; ``unknown`` when we cannot tell."""
        if self.facts.hybrid is True:
            return None
        if self.facts.hybrid is False:
            return self.finding(
                setting_id,
                Status.NOT_APPLICABLE,
                "the tenant is cloud-only (onPremisesSyncEnabled is not true): nothing to write back to.",
                remediation=RemediationKind.NONE,
            )
        org = self.snap.graph.get("organization", Read(None, 0, "not read"))
        found = self.unreadable("hybrid", org)
        return self.finding(
            setting_id,
            Status.UNKNOWN,
            f"cannot tell whether the tenant is hybrid: {found.reason}",
            missing_permissions=found.missing_permissions,
        )

    # ------------------------------------------------------------- all of them
    def findings(self) -> list[Finding]:
        """One finding per setting; settings needing Entra ID P1 are not applicable without it."""
        from scorekeeper_sspr.plugin import CONTROL

        found = [getattr(self, f"row_{sid}")() for sid in SETTINGS_BY_ID]
        return gate_by_licence(CONTROL, found, {P1: self.facts.licensed}, "see the license row")

    # ------------------------------------------------------------- phones and readiness
    def phones_offered(self) -> list[str]:
        """Where SSPR or the Authentication methods policy still offers a phone method today."""
        offered = []
        policy = self.snap.policy.value if self.snap.policy is not None and self.snap.policy.ok else None
        for method in sorted(PHONE_METHODS):
            enabled, allowed = METHOD_FIELDS[method]
            if policy and policy.get(enabled) and policy.get(allowed):
                offered.append(f"SSPR {method.replace('_', ' ')}")
        methods = self.snap.graph.get("methods_policy")
        if methods is not None and methods.ok:
            offered += [f"{c} (methods policy)" for c in rules.phone_methods_enabled(methods.value)]
        return offered

    def readiness_words(self) -> str:
        counts = self.facts.readiness
        if counts is None:
            return "how many users depend on a phone could not be read (registration report: see phone_retirement)"
        return (
            f"{counts['phone_only']} of {counts['members']} member users have only a phone method registered and "
            f"would be left with no SSPR method"
        )

    def retirement_note(self, offered: list[str]) -> str:
        return (
            f" Still offered: {', '.join(offered)}. {RETIRES}; {self.readiness_words()}. Move users to passkeys or "
            'Microsoft Authenticator, or set phone_methods = "off" to turn phone methods off now.'
        )

    # ------------------------------------------------------------- Graph rows
    def row_license(self) -> Finding:
        if (failed := self.graph_reads("license")) is not None:
            return self.unreadable("license", failed)
        if self.facts.licensed:
            return self.finding(
                "license",
                Status.PASS,
                f"Entra ID P1/P2 is included in {', '.join(self.facts.skus)}.",
                current=self.facts.skus,
                desired="licensed",
            )
        return self.finding(
            "license",
            Status.FAIL,
            "no enabled subscription includes Entra ID P1 or P2 (service plans AAD_PREMIUM / AAD_PREMIUM_P2): "
            "SSPR for cloud users, writeback and Conditional Access need one.",
            current=[],
            desired="licensed",
            steps=LICENCE,
        )

    def row_hybrid(self) -> Finding:
        if (failed := self.graph_reads("hybrid")) is not None:
            return self.unreadable("hybrid", failed)
        state = rules.sync_state(self.value("organization"))
        if self.facts.hybrid:
            reason = f"synchronised from on-premises AD (last sync {state['onPremisesLastSyncDateTime'] or 'unknown'})"
            reason += ": password writeback and account unlock apply."
        else:
            reason = "cloud-only: the on-premises rows do not apply."
        return self.finding("hybrid", Status.PASS, reason, current=state, remediation=RemediationKind.NONE)

    def row_method_configurations(self) -> Finding:
        if (failed := self.graph_reads("method_configurations")) is not None:
            return self.unreadable("method_configurations", failed)
        cfg = self.cfg
        policy = self.value("methods_policy")
        desired = rules.desired_method_configurations(
            cfg.methods, cfg.enable_in_methods_policy, cfg.phone_methods == "off"
        )
        current = rules.method_configurations(policy, list(desired))
        missing = [i for i, c in current.items() if c is None]
        if missing:
            return self.finding(
                "method_configurations",
                Status.UNKNOWN,
                f"the Authentication methods policy has no configuration {', '.join(missing)}.",
                current=current,
                desired=desired,
            )
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
            consequence.append(f"turns {', '.join(phones)} off: {self.readiness_words()}.")
        if consequence:
            evidence["consequence"] = " ".join(consequence)
        wrong = [i for i in desired if not rules.config_holds(desired[i], current[i])]
        if not wrong:
            return self.finding(
                "method_configurations",
                Status.PASS,
                f"{', '.join(desired) or 'no method'} as SSPR needs it, for all users.{notes}",
                current=current,
                desired=desired,
                evidence=evidence,
            )
        detail = "; ".join(f"{i} is {current[i]}, should be {desired[i]}" for i in wrong)
        return self.finding(
            "method_configurations",
            Status.FAIL,
            f"the Authentication methods policy does not match what SSPR offers ({detail}); since legacy SSPR "
            f"method management ended, a method enabled for one pilot group only is not enabled for SSPR users.{notes}",
            current=current,
            desired=desired,
            evidence=evidence,
        )

    def row_passkeys(self) -> Finding:
        if (failed := self.graph_reads("passkeys")) is not None:
            return self.unreadable("passkeys", failed)
        target = self.cfg.passkeys_group or rules.ALL_USERS
        desired = rules.desired_passkeys(target)
        current = rules.passkeys(self.value("methods_policy"))
        if current is None:
            return self.finding(
                "passkeys",
                Status.UNKNOWN,
                "the Authentication methods policy has no Fido2 configuration.",
                desired=desired,
            )
        who = "all users" if target == rules.ALL_USERS else f"group {target}"
        if rules.config_holds(desired, current):
            return self.finding(
                "passkeys",
                Status.PASS,
                f"passkeys (FIDO2) are enabled for {who} and users may register them themselves.",
                current=current,
                desired=desired,
            )
        return self.finding(
            "passkeys",
            Status.FAIL,
            f"passkeys (FIDO2) are {current['state']} (targets {current['includeTargets']}, self-service "
            f"registration {current['isSelfServiceRegistrationAllowed']}); they should be enabled for {who} with "
            "self-service registration: passkeys are the method Microsoft moves SMS and voice users to.",
            current=current,
            desired=desired,
            steps=PASSKEY_STEPS,  # the same change by hand, where the app may not write
        )

    def row_phone_retirement(self) -> Finding:
        if (failed := self.graph_reads("phone_retirement")) is not None:
            return self.unreadable("phone_retirement", failed, steps=PHONE_READINESS)
        counts = self.facts.readiness or {}
        offered = self.phones_offered()
        evidence: dict[str, Any] = {"platform_changes": [PHONE_RETIREMENT]} if counts.get("phone_only") else {}
        words = (
            f"{counts.get('phone_only', 0)} of {counts.get('members', 0)} member users have only a phone method "
            f"registered, {counts.get('none', 0)} have none; {counts.get('sspr_capable', 0)} can reset today."
        )
        if counts.get("phone_only"):
            return self.finding(
                "phone_retirement",
                Status.FAIL,
                f"{words} {RETIRES}: those users would be left with no SSPR method and get a blocking passkey "
                "registration at sign-in.",
                current=counts,
                desired={"phone_only": 0},
                steps=PHONE_READINESS,
                evidence=evidence,
            )
        return self.finding(
            "phone_retirement",
            Status.PASS,
            f"{words} No user depends on a phone alone"
            + (f" (still offered: {', '.join(offered)})." if offered else "."),
            current=counts,
            desired={"phone_only": 0},
            remediation=RemediationKind.NONE,
        )

    def row_admins_excluded(self) -> Finding:
        if self.cfg.admin_sspr:
            return self.finding(
                "admins_excluded",
                Status.NOT_APPLICABLE,
                "SSPR for administrators is allowed by the configuration (admin_sspr = true).",
                remediation=RemediationKind.NONE,
            )
        if (failed := self.graph_reads("admins_excluded")) is not None:
            return self.unreadable("admins_excluded", failed, steps=ADMIN_EXCLUSION)
        admins = (self.facts.readiness or {}).get("admins_sspr_enabled", 0)
        if not admins:
            return self.finding(
                "admins_excluded",
                Status.PASS,
                "no administrator is in scope of the user SSPR policy.",
                current={"admins_sspr_enabled": 0},
                desired={"admins_sspr_enabled": 0},
            )
        return self.finding(
            "admins_excluded",
            Status.FAIL,
            f"{admins} administrator(s) are enabled for SSPR by the user policy while SSPR for administrators is off: "
            "Microsoft's SSPR policy page advises excluding them, or they are prompted to register and cannot.",
            current={"admins_sspr_enabled": admins},
            desired={"admins_sspr_enabled": 0},
            steps=ADMIN_EXCLUSION,
        )

    def row_methods_policy_migration(self) -> Finding:
        if (failed := self.graph_reads("methods_policy_migration")) is not None:
            return self.unreadable("methods_policy_migration", failed)
        state = (self.value("methods_policy") or {}).get("policyMigrationState")
        if state is None:
            created = f" (this tenant was created {self.facts.created[:10]})" if self.facts.created else ""
            return self.finding(
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
            return self.finding(
                "methods_policy_migration",
                Status.PASS,
                "authentication methods are governed by the Authentication methods policy alone.",
                current=state,
                desired="migrationComplete",
            )
        return self.finding(
            "methods_policy_migration",
            Status.FAIL,
            f"migration state is {state}: legacy MFA/SSPR method settings may still apply; Microsoft ended legacy "
            "management on 30 September 2025.",
            current=state,
            desired="migrationComplete",
        )

    def row_mfa_registration_campaign(self) -> Finding:
        if (failed := self.graph_reads("mfa_registration_campaign")) is not None:
            return self.unreadable("mfa_registration_campaign", failed)
        cfg = self.cfg
        current = rules.campaign(self.value("methods_policy"))
        desired = {
            "state": "enabled",
            "snoozeDurationInDays": cfg.registration_campaign_snooze_days,
            "includeTargets": [rules.campaign_target(cfg.registration_campaign_method)],
        }
        evidence: dict[str, Any] = {}
        opt_out = self.passkey_opt_out()
        note = ""
        if opt_out is not None:
            evidence["passkeyDynamicMigration"] = opt_out
            note = (
                f" The beta passkey-migration opt-out (optOutSettings.passkeyDynamicMigration, unverified) is "
                f"{opt_out}."
            )
        state = (current or {}).get("state")
        targets = rules.campaign_methods(current)
        if state == "default" and not cfg.registration_campaign_replace_default:
            return self.finding(
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
            return self.finding(
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
        return self.finding(
            "mfa_registration_campaign",
            Status.FAIL,
            f"the registration campaign is {state or 'absent'} with targets {targets or 'none'} and snooze "
            f"{(current or {}).get('snoozeDurationInDays')} day(s); configured: enabled for all users ({method}) with "
            f"a {cfg.registration_campaign_snooze_days}-day snooze.{note}",
            current=current,
            desired=desired,
            evidence=evidence,
        )

    def passkey_opt_out(self) -> Any:
        """``optOutSettings.passkeyDynamicMigration`` from the beta policy, or ``None`` when absent."""
        beta = self.snap.graph.get(BETA_POLICY)
        if beta is None or not beta.ok or not isinstance(beta.value, dict):
            return None
        settings = beta.value.get("optOutSettings")
        return settings.get("passkeyDynamicMigration") if isinstance(settings, dict) else None

    def row_admin_sspr(self) -> Finding:
        if (failed := self.graph_reads("admin_sspr")) is not None:
            return self.unreadable("admin_sspr", failed)
        current = (rules.first(self.value("authorization_policy")) or {}).get("allowedToUseSSPR")
        desired = self.cfg.admin_sspr
        if current == desired:
            return self.finding(
                "admin_sspr",
                Status.PASS,
                f"administrators {'may' if desired else 'may not'} use SSPR, as configured.",
                current=current,
                desired=desired,
            )
        why = (
            " Admin SSPR is a phishing target and the EIDSCA baseline (AP01) expects it off."
            if desired is False
            else ""
        )
        return self.finding(
            "admin_sspr",
            Status.FAIL,
            f"allowedToUseSSPR is {current}, configured {desired}.{why}",
            current=current,
            desired=desired,
        )

    def row_windows_sign_in_reset(self) -> Finding:
        if (failed := self.graph_reads("windows_sign_in_reset")) is not None:
            return self.unreadable("windows_sign_in_reset", failed, steps=WINDOWS_FALLBACK)
        if self.facts.windows_group_problem:
            return self.finding(
                "windows_sign_in_reset",
                Status.UNKNOWN,
                self.facts.windows_group_problem,
                remediation=RemediationKind.GUIDED,
                steps=WINDOWS_FALLBACK,
            )
        target = rules.desired_target(self.facts.windows_group_id)
        desired = {"omaUri": rules.OMA_URI, "value": 1, "targets": [target]}
        found = rules.sspr_device_configurations(self.value("device_configurations"))
        assigned = next((c for c in found if target in c["targets"]), None)
        where = "all devices" if self.facts.windows_group_id is None else f"group {self.cfg.windows_sign_in_group}"
        if assigned is not None:
            return self.finding(
                "windows_sign_in_reset",
                Status.PASS,
                f"Intune configuration {assigned['id']} allows password reset at Windows sign-in for {where}.",
                current=assigned,
                desired=desired,
            )
        current = found[0] if found else None
        reason = (
            f"Intune configuration {current['id']} sets AllowAadPasswordReset but is not assigned to {where}."
            if current
            else "no Intune configuration sets AllowAadPasswordReset = 1: users cannot reset from the Windows "
            "sign-in screen."
        )
        return self.finding(
            "windows_sign_in_reset", Status.FAIL, reason, current=current, desired=desired, steps=WINDOWS_FALLBACK
        )

    def row_registration_ca_policy(self) -> Finding:
        if (failed := self.graph_reads("registration_ca_policy")) is not None:
            return self.unreadable("registration_ca_policy", failed)
        state = self.cfg.registration_ca_policy_state
        current = rules.registration_policy(self.value("ca_policies"))
        desired = {"state": state}
        if current and rules.state_satisfies(current.get("state"), state):
            return self.finding(
                "registration_ca_policy",
                Status.PASS,
                f"policy {current['id']} protects security-info registration "
                + (
                    "by blocking it outside trusted locations"
                    if current.get("protection") == "block"
                    else "by requiring an authentication strength"
                )
                + f" ({current['state']}).",
                current=current,
                desired=desired,
            )
        reason = (
            f"policy {current['id']} protects registration but is {current['state']}, configured {state}."
            if current
            else "no Conditional Access policy restricts 'Register security information' to trusted locations: "
            "an attacker with a password could register their own methods."
        )
        return self.finding("registration_ca_policy", Status.FAIL, reason, current=current, desired=desired)

    def row_password_protection(self) -> Finding:
        if (failed := self.graph_reads("password_protection")) is not None:
            return self.unreadable("password_protection", failed)
        current = rules.password_rules(self.value("group_settings"))
        values = current["values"] if current else None
        hybrid = self.facts.hybrid is True
        wanted = rules.desired_password_rules(
            values, self.cfg.banned_passwords, hybrid, self.cfg.password_protection_on_premises_mode
        )
        desired = {"values": wanted}
        if rules.rules_match(values, wanted):
            return self.finding(
                "password_protection",
                Status.PASS,
                "the custom banned-password check is on"
                + (" and enforced on-premises." if hybrid else ".")
                + (
                    " (Hybrid state unknown: the on-premises mode was not checked.)"
                    if self.facts.hybrid is None
                    else ""
                ),
                current=current,
                desired=desired,
            )
        if current is None:
            reason = "no Password Rule Settings object exists: the custom banned-password list is not configured."
        else:
            wrong = [k for k in wanted if not rules.rules_match({k: values.get(k)} if values else None, {k: wanted[k]})]
            reason = "Password Rule Settings differ: " + ", ".join(f"{k} is {values.get(k)!r}" for k in wrong) + "."
        return self.finding("password_protection", Status.FAIL, reason, current=current, desired=desired)

    def row_secure_score(self) -> Finding:
        if (failed := self.graph_reads("secure_score")) is not None:
            return self.unreadable("secure_score", failed)
        finding = secure_score_finding(secure_score(self.snap.graph, CONTROL_ID), CONTROL_ID)
        return replace(finding, title=self.setting("secure_score").title)

    # ------------------------------------------------------------- informational and guided rows
    def row_combined_registration(self) -> Finding:
        return self.finding(
            "combined_registration",
            Status.PASS,
            "Microsoft turned on combined security information registration for every tenant in October 2022; "
            "there is nothing to configure.",
            current="on",
            desired="on",
            remediation=RemediationKind.NONE,
        )

    def row_connect_account_permissions(self) -> Finding:
        if (na := self.not_hybrid("connect_account_permissions")) is not None:
            return na
        return self.finding(
            "connect_account_permissions",
            Status.MANUAL,
            "no API can read the AD DS connector account's rights: grant them on each domain root, then attest.",
            desired="granted",
            steps=connect_account_steps(self.cfg.connect_domain_dn, self.cfg.connect_account),
        )

    # ------------------------------------------------------------- portal rows
    def _portal_policy(self, setting_id: str) -> Finding | dict[str, Any]:
        """The policy object, or the ``unknown`` finding explaining why it is not there."""
        steps = portal_steps(setting_id)
        if self.snap.policy is None:
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"held only by the Azure portal's API, which was not read: {self.snap.portal_unavailable}.",
                steps=steps,
            )
        if not self.snap.policy.ok:
            return self.unreadable(setting_id, self.snap.policy, "portal", steps)
        return dict(self.snap.policy.value or {})

    def questions_missing(self, policy: dict[str, Any]) -> int:
        """How many more questions the tenant must define before users can register the configured number."""
        defined = len(policy.get("securityQuestions") or [])
        return max(0, self.cfg.security_questions_to_register - defined) if self.cfg.security_questions else 0

    def _desired_slice(self, setting_id: str, policy: dict[str, Any] | None = None) -> dict[str, Any] | None:
        cfg = self.cfg
        if setting_id == "enablement":
            if cfg.enablement == "all":
                return {"enablementType": ENABLEMENT_ALL}
            group = cfg.enablement_group or ""
            key = "passwordResetEnabledGroupIds" if is_object_id(group) else "passwordResetEnabledGroupName"
            return {"enablementType": ENABLEMENT_SELECTED, key: [group] if is_object_id(group) else group}
        if setting_id == "methods_available":
            wanted: dict[str, Any] = {}
            for method, (enabled, allowed) in METHOD_FIELDS.items():
                if method in PHONE_METHODS and method not in cfg.methods and cfg.phone_methods == "keep":
                    continue  # turning phones off is the admin's choice (phone_methods), never a silent default
                if (
                    method == "security_questions"
                    and policy is not None
                    and not policy.get(enabled)
                    and self.questions_missing(policy)
                ):
                    continue  # questions must exist first: the security_questions row guides that
                wanted[enabled] = method in cfg.methods
                if method in cfg.methods:
                    wanted[allowed] = True
            return wanted
        if setting_id == "security_questions":
            if not cfg.security_questions:
                return None
            return {
                "numberOfQuestionsToRegister": cfg.security_questions_to_register,
                "numberOfQuestionsToReset": cfg.security_questions_to_reset,
            }
        if setting_id == "helpdesk_link":
            return {"customizeHelpdeskLink": True, "customHelpdeskEmailOrUrl": cfg.helpdesk} if cfg.helpdesk else None
        simple = {
            "methods_required": ("numberOfAuthenticationMethodsRequired", cfg.methods_required),
            "registration_required": ("registrationRequiredOnSignIn", cfg.registration_required),
            "reconfirm_days": ("registrationReconfirmIntevalInDays", cfg.reconfirm_days),
            "notify_users": ("notifyUsersOnPasswordReset", cfg.notify_users),
            "notify_admins": ("notifyOnAdminPasswordReset", cfg.notify_admins),
        }
        name, value = simple[setting_id]
        return {name: value}

    def _portal_row(self, setting_id: str) -> Finding:
        policy = self._portal_policy(setting_id)
        if isinstance(policy, Finding):
            return policy
        current = policy_slice(policy, setting_id)
        desired = self._desired_slice(setting_id, policy)
        steps = portal_steps(setting_id)
        if setting_id == "methods_required" and (blocked := self._gates_blocked(policy, current, desired or {})):
            return self.finding(
                setting_id,
                Status.FAIL,
                blocked,
                current=current,
                desired=desired,
                remediation=RemediationKind.GUIDED,
                steps=steps,
            )
        if setting_id == "security_questions" and desired is not None and (missing := self.questions_missing(policy)):
            defined = len(policy.get("securityQuestions") or [])
            return self.finding(
                setting_id,
                Status.FAIL,
                f"users must register {self.cfg.security_questions_to_register} security questions but the tenant "
                f"defines {defined}: choose {missing} more in the portal first (scorekeeper does not invent "
                "questions); methods_available turns security questions on once they exist.",
                current={**current, "securityQuestions": defined},
                desired={**desired, "securityQuestions": self.cfg.security_questions_to_register},
                remediation=RemediationKind.GUIDED,
                steps=steps,
            )
        if setting_id == "security_questions" and desired is None:
            offered = bool(policy.get("securityQuestionsOptionEnabled"))
            return self.finding(
                setting_id,
                Status.FAIL if offered else Status.PASS,
                "security questions are offered although the configuration turns them off (methods_available "
                "removes them)."
                if offered
                else "security questions are not offered; the question counts do not apply.",
                current=current,
                remediation=RemediationKind.NONE,
            )
        if setting_id == "helpdesk_link" and desired is None:
            if current.get("customizeHelpdeskLink") and current.get("customHelpdeskEmailOrUrl"):
                return self.finding(
                    setting_id,
                    Status.PASS,
                    f"the helpdesk link points to {current['customHelpdeskEmailOrUrl']}.",
                    current=current,
                )
            return self.finding(
                setting_id,
                Status.FAIL,
                'users who cannot reset are not told whom to ask: set helpdesk = "<email or https URL>" in '
                "[controls.SelfServicePasswordReset] so that scorekeeper can configure it, or set it in the portal.",
                current=current,
                remediation=RemediationKind.GUIDED,
                steps=steps,
            )
        extra: dict[str, Any] = {}
        note = ""
        if setting_id == "methods_available":
            note, extra = self._methods_notes(policy, desired or {})
        elif setting_id == "methods_required":
            extra = self._gates_consequence(current, desired or {})
        if rules.sticks(desired, current):
            return self.finding(
                setting_id, Status.PASS, "as configured." + note, current=current, desired=desired, **extra
            )
        if setting_id == "methods_available":
            reason = differences(current, desired)
        elif setting_id == "enablement":
            group = current.get("passwordResetEnabledGroupName") or current.get("passwordResetEnabledGroupIds")
            now = ENABLEMENT_WORDS.get(current.get("enablementType"), "not set")
            want = "All" if self.cfg.enablement == "all" else f"Selected ({self.cfg.enablement_group})"
            reason = (
                f"SSPR is enabled for {now}{f' ({group})' if group and now == 'Selected' else ''}; should be {want}"
            )
        else:
            reason = differences(current, desired)
        return self.finding(
            setting_id, Status.FAIL, reason + "." + note, current=current, desired=desired, steps=steps, **extra
        )

    def _methods_notes(self, policy: dict[str, Any], desired: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The retirement warning where SSPR offers a phone, and what the plan's write would change for users."""
        evidence: dict[str, Any] = {}
        note = ""
        offered = [
            m for m in sorted(PHONE_METHODS) if policy.get(METHOD_FIELDS[m][0]) and policy.get(METHOD_FIELDS[m][1])
        ]
        remain = [m for m in offered if desired.get(METHOD_FIELDS[m][0]) is not False]
        if remain:
            note = self.retirement_note([m.replace("_", " ") for m in remain])
            evidence["platform_changes"] = [PHONE_RETIREMENT]
        consequence = []
        dropped = [m for m in offered if desired.get(METHOD_FIELDS[m][0]) is False]
        if dropped:
            consequence.append(
                f"stops offering {', '.join(m.replace('_', ' ') for m in dropped)}: {self.readiness_words()}."
            )
        added_phones = [m for m in PHONE_METHODS if desired.get(METHOD_FIELDS[m][0]) and m not in offered]
        if added_phones:
            consequence.append(f"offers {', '.join(sorted(added_phones))} as the config asks: {RETIRES}.")
            evidence["platform_changes"] = [PHONE_RETIREMENT]
        if desired.get("securityQuestionsOptionEnabled") and not policy.get("securityQuestionsOptionEnabled"):
            consequence.append(
                f"offers security questions: users are asked to register {self.cfg.security_questions_to_register} "
                "the next time they register (administrators cannot use them)."
            )
        if consequence:
            evidence["consequence"] = "This change " + " It ".join(consequence)
        return note, ({"evidence": evidence} if evidence else {})

    def _gates_blocked(self, policy: dict[str, Any], current: dict[str, Any], desired: dict[str, Any]) -> str:
        """Why raising the gates would break Microsoft's rule for the Authenticator app, or ``""``.

        concept-sspr-howitworks: with the app offered, one gate needs one other method and two gates
        two other methods. Counted on what SSPR will offer once methods_available is written.
        """
        want = desired.get("numberOfAuthenticationMethodsRequired")
        if want != 2 or current.get("numberOfAuthenticationMethodsRequired") == 2:
            return ""
        after = {**policy, **(self._desired_slice("methods_available", policy) or {})}
        offered = {m for m, (e, a) in METHOD_FIELDS.items() if after.get(e) and after.get(a)}
        app = {"mobile_app_notification", "mobile_app_code"} & offered
        others = sorted(offered - {"mobile_app_notification", "mobile_app_code"})
        if not app or len(others) >= 2:
            return ""
        return (
            f"two methods are configured, but SSPR would offer the Authenticator app and only "
            f"{', '.join(o.replace('_', ' ') for o in others) or 'no other method'}: Microsoft does not allow the app "
            "plus fewer than two other methods when two are required, so scorekeeper does not raise it yet. Define the "
            "security questions (security_questions row), then assess again."
        )

    def _gates_consequence(self, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        want = desired.get("numberOfAuthenticationMethodsRequired")
        have = current.get("numberOfAuthenticationMethodsRequired")
        if want == 2 and have == 1:
            text = (
                "This change requires two methods to reset: a user with one registered method can no longer reset "
                "(Microsoft's 'Change authentication methods' table) until they register another."
            )
            if self.facts.readiness is not None:
                text += f" {self.facts.readiness['single']} member users have exactly one method registered."
            return {"evidence": {"consequence": text}}
        if want == 1 and have == 2:
            return {"evidence": {"consequence": "This change lowers SSPR from two gates to one."}}
        return {}

    def _onprem_row(self, setting_id: str) -> Finding:
        if (na := self.not_hybrid(setting_id)) is not None:
            return na
        steps = portal_steps(setting_id) + (CONNECT_WIZARD if setting_id == "password_writeback" else ())
        if self.snap.onprem is None:
            return self.finding(
                setting_id,
                Status.UNKNOWN,
                f"held only by the Azure portal's API, which was not read: {self.snap.portal_unavailable}.",
                steps=steps,
            )
        if not self.snap.onprem.ok:
            return self.unreadable(setting_id, self.snap.onprem, "portal", steps)
        policy = self.snap.onprem.value or {}
        current = onprem_slice(policy, setting_id)
        wanted = self.cfg.password_writeback if setting_id == "password_writeback" else self.cfg.account_unlock
        desired = {ONPREM_FIELDS[setting_id][0]: wanted}
        if current == desired:
            return self.finding(setting_id, Status.PASS, "as configured.", current=current, desired=desired)
        reason = differences(current, desired) + "."
        if setting_id == "password_writeback" and wanted:
            reason += " Writeback also has to be ticked in the Entra Connect wizard (steps below)."
        return self.finding(setting_id, Status.FAIL, reason, current=current, desired=desired, steps=steps)

    def row_password_writeback(self) -> Finding:
        return self._onprem_row("password_writeback")

    def row_account_unlock(self) -> Finding:
        return self._onprem_row("account_unlock")

    def __getattr__(self, name: str) -> Any:
        # row_<portal setting> for every setting held in PasswordResetPolicies
        setting_id = name.removeprefix("row_")
        if name.startswith("row_") and setting_id in PORTAL_POLICY_SETTINGS:
            return lambda: self._portal_row(setting_id)
        raise AttributeError(name)

    # ------------------------------------------------------------- the score
    def score(self) -> SecureScore | None:
        return secure_score(self.snap.graph, CONTROL_ID).snapshot


def evaluate(snapshot: Snapshot, desired: SsprConfig) -> tuple[list[Finding], SecureScore | None]:
    """One finding per setting, in catalogue order, and the control's Secure Score when readable."""
    evaluator = Evaluator(snapshot, desired)
    return evaluator.findings(), evaluator.score()

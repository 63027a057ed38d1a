"""From a :class:`~scorekeeper_sspr.reads.Snapshot` to one finding per setting (no I/O).

Rules every row keeps: a value that could not be read is ``unknown`` with the reason (and the
missing permission when Graph said 403), never ``fail``; on-premises rows are ``not
applicable`` in a cloud-only tenant; failing rows that need a licence the tenant lacks say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scorekeeper import Finding, RemediationKind, SecureScore, Setting, Status
from scorekeeper.reads import secure_score, secure_score_finding
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig, is_object_id
from scorekeeper_sspr.portal import (
    ENABLEMENT_ALL,
    ENABLEMENT_SELECTED,
    METHOD_FIELDS,
    ONPREM_FIELDS,
    onprem_slice,
    policy_slice,
)
from scorekeeper_sspr.reads import Read, Snapshot
from scorekeeper_sspr.settings import CONTROL_ID, P1, PORTAL_POLICY_SETTINGS, PORTAL_ROLES, SETTINGS_BY_ID
from scorekeeper_sspr.steps import (
    CONNECT_WIZARD,
    LICENCE,
    WINDOWS_FALLBACK,
    connect_account_steps,
    portal_steps,
)

#: Graph read key → the settings that depend on it alone.
GRAPH_SOURCES: dict[str, tuple[str, ...]] = {
    "license": ("skus",),
    "hybrid": ("organization",),
    "method_configurations": ("methods_policy",),
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
    windows_group_id: str | None = None
    windows_group_problem: str = ""


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
        if status is Status.FAIL and setting.licence == P1 and self.facts.licensed is False:
            reason += (
                " This tenant has no subscription that includes Microsoft Entra ID P1, which this setting needs;"
                " see the license row."
            )
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
        return [getattr(self, f"row_{sid}")() for sid in SETTINGS_BY_ID]

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
        desired = rules.desired_method_configurations(self.cfg.methods)
        current = rules.method_configurations(self.value("methods_policy"), list(desired))
        missing = [i for i, c in current.items() if c is None]
        if missing:
            return self.finding(
                "method_configurations",
                Status.UNKNOWN,
                f"the Authentication methods policy has no configuration {', '.join(missing)}.",
                current=current,
                desired=desired,
            )
        wrong = [i for i in desired if not rules.sticks(desired[i], current[i])]
        if not wrong:
            return self.finding(
                "method_configurations",
                Status.PASS,
                f"{', '.join(desired) or 'no method'} enabled, matching the methods SSPR offers.",
                current=current,
                desired=desired,
            )
        detail = ", ".join(f"{i} is {current[i]}" for i in wrong)
        return self.finding(
            "method_configurations",
            Status.FAIL,
            f"SSPR offers methods that the Authentication methods policy does not enable ({detail}); since "
            "legacy SSPR method management ended, users cannot use them.",
            current=current,
            desired=desired,
        )

    def row_methods_policy_migration(self) -> Finding:
        if (failed := self.graph_reads("methods_policy_migration")) is not None:
            return self.unreadable("methods_policy_migration", failed)
        state = (self.value("methods_policy") or {}).get("policyMigrationState")
        if state is None:
            return self.finding(
                "methods_policy_migration",
                Status.UNKNOWN,
                "Graph reported no policyMigrationState for this tenant.",
                desired="migrationComplete",
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
        current = rules.campaign(self.value("methods_policy"))
        desired = {
            "state": "enabled",
            "snoozeDurationInDays": self.cfg.registration_campaign_snooze_days,
            "includeTargets": [rules.ALL_USERS_AUTHENTICATOR],
        }
        if rules.campaign_ok(current, self.cfg.registration_campaign_snooze_days):
            return self.finding(
                "mfa_registration_campaign",
                Status.PASS,
                "the registration campaign nudges all users to set up Microsoft Authenticator.",
                current=current,
                desired=desired,
            )
        state = (current or {}).get("state")
        return self.finding(
            "mfa_registration_campaign",
            Status.FAIL,
            f"the registration campaign is {state or 'absent'} with targets {(current or {}).get('includeTargets')} "
            f"and snooze {(current or {}).get('snoozeDurationInDays')} day(s); it should be enabled for all users "
            f"(Microsoft Authenticator) with a {self.cfg.registration_campaign_snooze_days}-day snooze.",
            current=current,
            desired=desired,
        )

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
                f"policy {current['id']} blocks security-info registration outside trusted locations "
                f"({current['state']}).",
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

    def _desired_slice(self, setting_id: str) -> dict[str, Any] | None:
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
        desired = self._desired_slice(setting_id)
        steps = portal_steps(setting_id)
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
        if rules.sticks(desired, current):
            return self.finding(setting_id, Status.PASS, "as configured.", current=current, desired=desired)
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
        return self.finding(setting_id, Status.FAIL, reason + ".", current=current, desired=desired, steps=steps)

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

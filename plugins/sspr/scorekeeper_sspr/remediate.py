"""The ``remediate`` work: carry out a confirmed plan, one write-helper call per tenant request.

Order: resolve names to ids (stop before writing if one is missing), read the tenant afresh for
honest before-values, then write in the plan's order (the engine sorted it by ``depends_on``).
All PasswordResetPolicies settings go out in one read-modify-write PUT (one request, one
recorded change per setting it moves). ``method_configurations`` sends one PATCH per method
configuration, each its own recorded change, so a refusal half-way is undone exactly. A failed
write does not stop independent settings, but skips those depending on it.

There is no rollback code here: every write records the values it replaces (and, for the
``/assign`` action, the request that puts the old assignments back), and created objects carry
the write helper's marker, so the engine's default rollback restores all of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from scorekeeper import Change, GraphCallError, Part, PlanItem, Read, RemediationKind, Request
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.portal import (
    ENABLEMENT_SELECTED,
    ONPREM_FIELDS,
    READ_WITH_GROUP,
    merged,
    onprem_slice,
    policy_slice,
)
from scorekeeper_sspr.reads import Snapshot, read_graph
from scorekeeper_sspr.resolve import RemediationBlocked, Resolved, resolve
from scorekeeper_sspr.settings import (
    ONPREM_POLICY,
    ONPREM_SETTINGS,
    PORTAL_POLICY,
    PORTAL_POLICY_SETTINGS,
    SETTINGS_BY_ID,
)

if TYPE_CHECKING:
    from scorekeeper import Plan, TenantContext

METHODS_POLICY = "policies/authenticationMethodsPolicy"
DEVICE_CONFIGS = "deviceManagement/deviceConfigurations"
CA_POLICIES = "identity/conditionalAccess/policies"


def _assignments(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"@odata.type": "#microsoft.graph.deviceConfigurationAssignment", "target": t} for t in targets]


class Remediation:
    """One remediation run: the context, the config, the fresh snapshot and the resolved ids."""

    def __init__(self, tenant: TenantContext, cfg: SsprConfig, snapshot: Snapshot, resolved: Resolved) -> None:
        self.tenant = tenant
        self.cfg = cfg
        self.snap = snapshot
        self.resolved = resolved
        self.changes: list[Change] = []
        #: The password-rules settings template, read with the before-values when password_protection
        #: is planned (a create needs its defaults; read up front, it costs no round trip of its own).
        self.template: Read | None = None

    def keep(self, *changes: Change) -> bool:
        """Remember the changes; whether every one of them applied."""
        self.changes += changes
        return all(c.applied for c in changes)

    def graph_value(self, key: str) -> Any:
        read = self.snap.graph.get(key)
        if read is None or not read.ok:
            raise GraphCallError(read.status if read else 0, "ReadFailed", f"cannot read {key} before writing")
        return read.value

    # ------------------------------------------------------------- portal
    def portal_target(self, item: PlanItem) -> dict[str, Any]:
        target = dict(item.desired or {})
        group = self.resolved.enablement_group
        if item.setting == "enablement" and target.get("enablementType") == ENABLEMENT_SELECTED:
            assert group is not None, "resolve() looks the group up before any write"
            target.update({"passwordResetEnabledGroupIds": [group.id], "passwordResetEnabledGroupName": group.name})
        return target

    async def write_portal_policy(self, items: list[PlanItem]) -> set[str]:
        """One PUT for every PasswordResetPolicies setting, from the fresh read; one recorded change each."""
        read = self.snap.policy
        if read is None or not read.ok or not isinstance(read.value, dict):
            why = read.error if read is not None else self.tenant.portal_unavailable
            self.tenant.logger.warning("portal policy could not be read before writing: %s", why)
            return {i.setting for i in items}
        policy = read.value
        targets = {i.setting: self.portal_target(i) for i in items}
        body = merged(policy, targets.values())
        parts = [Part(sid, policy_slice(policy, sid), policy_slice(body, sid)) for sid in targets]
        changes = await self.tenant.write_together(
            parts,
            "PUT",
            PORTAL_POLICY,
            body,
            api="portal",
            read=f"{PORTAL_POLICY}?{READ_WITH_GROUP}",
            resource={"type": "portal:PasswordResetPolicies"},
            merge=True,  # each part's after is the slice it sets
        )
        self.keep(*changes)
        return {c.setting for c in changes if not c.applied}

    async def write_onprem(self, item: PlanItem) -> bool:
        portal = self.tenant.portal
        assert portal is not None
        field, put_field = ONPREM_FIELDS[item.setting]
        value = bool((item.desired or {}).get(field))
        read = self.snap.onprem
        if read is None or not read.ok or not isinstance(read.value, dict):
            why = read.error if read is not None else self.tenant.portal_unavailable
            self.tenant.logger.warning("on-premises policy could not be read before writing: %s", why)
            return False
        before = onprem_slice(read.value, item.setting)
        # The PUT body names the flag differently from the read, so the restore request is given.
        undo = Request("PUT", ONPREM_POLICY, {put_field: before[field]}, "portal")
        change = await self.tenant.write(
            item.setting,
            "PUT",
            ONPREM_POLICY,
            {put_field: value},
            before=before,
            after={field: value},
            api="portal",
            undo=undo,
            resource={"type": "portal:OnPremisesPasswordResetPolicies"},
        )
        return self.keep(change)

    # ------------------------------------------------------------- Graph
    async def admin_sspr(self, item: PlanItem) -> bool:
        before = (rules.first(self.graph_value("authorization_policy")) or {}).get("allowedToUseSSPR")
        change = await self.tenant.write(
            item.setting,
            "PATCH",
            "policies/authorizationPolicy",
            {"allowedToUseSSPR": item.desired},
            before={"allowedToUseSSPR": before},
            resource={"type": "authorizationPolicy"},
            merge=True,  # one PATCH with another control's fields of the same policy (IntegratedApps)
        )
        return self.keep(change)

    async def methods_policy_migration(self, item: PlanItem) -> bool:
        before = (self.graph_value("methods_policy") or {}).get("policyMigrationState")
        # Writing the migration state is documented for beta only (unverified).
        change = await self.tenant.write(
            item.setting,
            "PATCH",
            METHODS_POLICY,
            {"policyMigrationState": item.desired},
            before={"policyMigrationState": before},
            version="beta",
            resource={"type": "authenticationMethodsPolicy"},
            merge=True,
        )
        return self.keep(change)

    async def method_configurations(self, item: PlanItem) -> bool:
        """One PATCH per method configuration, each recorded on its own: a refusal of the second
        leaves the first recorded as applied, so rollback undoes exactly what was written.

        Each body adds the wanted targets to the ones the configuration has (``config_patch``),
        computed from the fresh read, so a group an admin enabled since the plan is kept."""
        target: dict[str, Any] = dict(item.desired or {})
        policy = self.graph_value("methods_policy")
        current = rules.method_configurations(policy, list(target))
        writes = []
        for config_id, wanted in target.items():
            if wanted is None or rules.config_holds(wanted, current.get(config_id)):
                continue
            raw = rules.config_of(policy, config_id) or {}
            body, _ = rules.config_patch(config_id, wanted, raw)
            before = {k: (v if k == "@odata.type" else raw.get(k)) for k, v in body.items()}
            writes.append(
                self.tenant.write(
                    item.setting,
                    "PATCH",
                    f"{METHODS_POLICY}/authenticationMethodConfigurations/{config_id}",
                    body,
                    before=before,
                    resource={"type": "authenticationMethodConfiguration", "id": config_id},
                    merge=True,
                )
            )
        # Independent configurations, written together (each PATCH is its own recorded change).
        return self.keep(*await settled(*writes))

    async def passkeys(self, item: PlanItem) -> bool:
        """One PATCH of the FIDO2 (passkey) configuration: state, self-service registration and targets.

        The update page requires ``@odata.type``; targets are added to those the configuration has
        (``passkeys_patch``), and the before-value holds the same fields as they read, so rollback
        sends the configuration back exactly as it was.
        """
        raw = rules.config_of(self.graph_value("methods_policy"), rules.FIDO2) or {}
        body, _ = rules.passkeys_patch(dict(item.desired or {}), raw)
        before = {k: (v if k == "@odata.type" else raw.get(k)) for k, v in body.items()}
        change = await self.tenant.write(
            item.setting,
            "PATCH",
            f"{METHODS_POLICY}/authenticationMethodConfigurations/{raw.get('id') or rules.FIDO2}",
            body,
            before=before,
            resource={"type": "authenticationMethodConfiguration", "id": rules.FIDO2},
            merge=True,
        )
        return self.keep(change)

    async def mfa_registration_campaign(self, item: PlanItem) -> bool:
        before = rules.campaign(self.graph_value("methods_policy"))
        campaign = dict(item.desired or {})
        campaign.setdefault("excludeTargets", (before or {}).get("excludeTargets", []))

        def body(value: Any) -> dict[str, Any]:
            return {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": value}}

        change = await self.tenant.write(
            item.setting,
            "PATCH",
            METHODS_POLICY,
            body(campaign),
            before=body(before),
            resource={"type": "authenticationMethodsPolicy"},
            merge=True,
        )
        return self.keep(change)

    async def registration_ca_policy(self, item: PlanItem) -> bool:
        policies = self.graph_value("ca_policies")
        target = item.desired or {}
        state = target.get("state", self.cfg.registration_ca_policy_state)
        existing = (
            rules.policy_by_id(policies, target["id"]) if target.get("id") else rules.registration_policy(policies)
        )
        if existing is not None:
            path = f"{CA_POLICIES}/{existing['id']}"
            raw = next((p for p in rules.values(policies) if p.get("id") == existing["id"]), {})
            body: dict[str, Any] = {"state": state}
            before: dict[str, Any] = {"state": existing.get("state")}
            if state == "enabled":
                # Enabling: the configured break-glass accounts are excluded in the same PATCH.
                users = dict((raw.get("conditions") or {}).get("users") or {})
                excluded = list(users.get("excludeUsers") or [])
                body["conditions"] = {
                    "users": {
                        **users,
                        "excludeUsers": excluded + [i for i in self.resolved.break_glass_ids if i not in excluded],
                    }
                }
                before["conditions"] = {"users": users}
            change = await self.tenant.write(
                item.setting,
                "PATCH",
                path,
                body,
                before=before,
                resource={"type": "conditionalAccessPolicy", "id": existing["id"], "path": path},
                merge=True,
            )
            return self.keep(change)
        created = await self.tenant.create(
            item.setting,
            CA_POLICIES,
            rules.registration_policy_body(
                "enabledForReportingButNotEnforced",
                self.resolved.break_glass_ids,
                self.cfg.registration_ca_authentication_strength,
            ),
            after={"state": state},
            resource={"type": "conditionalAccessPolicy"},
        )
        return self.keep(created)

    async def windows_sign_in_reset(self, item: PlanItem) -> bool:
        configs = self.graph_value("device_configurations")
        group = self.resolved.windows_group
        targets = list((item.desired or {}).get("targets") or [])
        # The plan names the stage's target: the pilot group first, all devices when promoted.
        wanted = (
            targets[0]
            if targets and targets[0].get("@odata.type") == rules.ALL_DEVICES
            else rules.desired_target(group.id if group else None)
        )
        found = rules.sspr_device_configurations(configs)
        existing = found[0] if found else None
        if existing is not None:
            old = list(existing.get("targets") or [])
            return self.keep(await self._assign(item.setting, str(existing["id"]), old, [*old, wanted]))
        created = await self.tenant.create(
            item.setting, DEVICE_CONFIGS, _windows_configuration(), resource={"type": "deviceConfiguration"}
        )
        if not self.keep(created):
            return False
        assigned = await self._assign(item.setting, str(created.resource["id"]), [], [wanted])
        ok = self.keep(assigned)
        if assigned.outcome.value == "failed":
            # An unassigned configuration does nothing but clutter Intune: take it away again now,
            # recorded too (rollback then finds nothing left to delete).
            path = str(created.resource["path"])
            undone = await self.tenant.write(
                item.setting,
                "DELETE",
                path,
                before={"path": path},
                after=None,
                resource={"type": "deviceConfiguration", "compensates": created.id, "path": path},
            )
            self.keep(undone)
        return ok

    async def _assign(
        self, setting: str, config_id: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
    ) -> Change:
        """The ``/assign`` action replaces every assignment: recorded with the one that puts ``old`` back."""
        path = f"{DEVICE_CONFIGS}/{config_id}"
        return await self.tenant.write(
            setting,
            "POST",
            f"{path}/assign",
            {"assignments": _assignments(new)},
            before={"value": [{"target": t} for t in old]},
            after={"value": [{"target": t} for t in new]},
            read=f"{path}/assignments",
            undo=Request("POST", f"{path}/assign", {"assignments": _assignments(old)}),
            resource={"type": "deviceConfiguration", "id": config_id, "path": path},
        )

    async def password_protection(self, item: PlanItem) -> bool:
        settings = self.graph_value("group_settings")
        current = rules.password_rules(settings)
        wanted: dict[str, str] = dict((item.desired or {}).get("values") or {})
        if current is not None:
            raw = next((s for s in rules.values(settings) if s.get("id") == current["id"]), {})
            values = {**current["values"], **wanted}
            path = f"groupSettings/{current['id']}"
            change = await self.tenant.write(
                item.setting,
                "PATCH",
                path,
                {"values": [{"name": k, "value": v} for k, v in values.items()]},
                before={"values": [{"name": v.get("name"), "value": v.get("value")} for v in raw.get("values") or []]},
                resource={"type": "groupSetting", "id": current["id"], "path": path},
                merge=True,
            )
            return self.keep(change)
        read = self.template
        if read is None or not read.ok or not isinstance(read.value, dict):
            why = read.error if read is not None else "it was not read"
            self.tenant.logger.warning("password_protection: the settings template could not be read: %s", why)
            return False
        template = read.value
        values = {d["name"]: d.get("defaultValue") for d in template.get("values") or []}
        values.update(wanted)
        listed = [{"name": k, "value": v} for k, v in values.items()]
        # A directory setting has no free-text field to mark; there is at most one per template.
        created = await self.tenant.create(
            item.setting,
            "groupSettings",
            {"templateId": rules.PASSWORD_RULES_TEMPLATE, "values": listed},
            marker_field=None,
            match={"templateId": rules.PASSWORD_RULES_TEMPLATE},
            after={"values": listed},
            resource={"type": "groupSetting"},
        )
        return self.keep(created)


def _windows_configuration() -> dict[str, Any]:
    return {
        "@odata.type": rules.WINDOWS_CUSTOM,
        "displayName": "Self-service password reset at Windows sign-in (scorekeeper)",
        "description": "Shows 'Reset password' on the Windows sign-in screen (AllowAadPasswordReset = 1).",
        "omaSettings": [
            {
                "@odata.type": rules.OMA_INTEGER,
                "displayName": "AllowAadPasswordReset",
                "omaUri": rules.OMA_URI,
                "value": 1,
            }
        ],
    }


GRAPH_WRITERS = {
    "admin_sspr": Remediation.admin_sspr,
    "methods_policy_migration": Remediation.methods_policy_migration,
    "method_configurations": Remediation.method_configurations,
    "passkeys": Remediation.passkeys,
    "mfa_registration_campaign": Remediation.mfa_registration_campaign,
    "registration_ca_policy": Remediation.registration_ca_policy,
    "windows_sign_in_reset": Remediation.windows_sign_in_reset,
    "password_protection": Remediation.password_protection,
}


def _check_plan(tenant: TenantContext, items: list[PlanItem]) -> None:
    """Refuse what cannot be written before writing anything."""
    unknown = [
        i.setting
        for i in items
        if i.setting not in GRAPH_WRITERS
        and i.setting not in PORTAL_POLICY_SETTINGS
        and i.setting not in ONPREM_SETTINGS
    ]
    if unknown:
        raise RemediationBlocked(f"nothing was written: no automated write exists for {', '.join(unknown)}")
    portal_items = [i.setting for i in items if i.setting in PORTAL_POLICY_SETTINGS | ONPREM_SETTINGS]
    enabling = [
        i for i in items if i.setting == "registration_ca_policy" and (i.desired or {}).get("state") == "enabled"
    ]
    if enabling and not tenant.desired.break_glass:
        raise RemediationBlocked(
            "nothing was written: enabling the security-info registration policy needs break_glass accounts in "
            "[controls.SelfServicePasswordReset] (they are excluded first, so nobody loses the way in)"
        )
    if portal_items and tenant.portal is None:
        raise RemediationBlocked(
            f"nothing was written: {', '.join(portal_items)} can only be written through the Azure portal's API, "
            f"and {tenant.portal_unavailable or 'there is no portal sign-in'}; sign in to the portal or leave them out"
        )


async def read_before(tenant: TenantContext, cfg: SsprConfig) -> Snapshot:
    """The before-values: every Graph read in one call concurrently with both portal reads (one round trip).

    The assessment's follow-up reads (group members, sign-in logs) decide compliance, not what a
    write replaces, so remediation does without them.
    """
    portal = tenant.portal
    if portal is None:
        return Snapshot(await read_graph(tenant, cfg), None, None, tenant.portal_unavailable or "no portal sign-in")
    # Through the tenant's requests (tenant.send), so they ride the engine's wave with the Graph reads.
    graph, policy, onprem = await asyncio.gather(
        read_graph(tenant, cfg),
        _read(tenant.send(Request("GET", f"{PORTAL_POLICY}?{READ_WITH_GROUP}", api="portal"))),
        _read(tenant.send(Request("GET", ONPREM_POLICY, api="portal"))),
    )
    return Snapshot(graph, policy, onprem)


async def _none() -> None:
    return None


async def _read(call: Awaitable[Any]) -> Read:
    try:
        return Read(await call)
    except GraphCallError as exc:  # PortalError is a GraphCallError
        return Read.failed(exc)


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    """Resolve names and read the before-values together, then write: independent settings at once.

    A setting waits only for the settings it ``depends_on`` that the plan writes too, and is
    skipped when one of them failed; every PasswordResetPolicies setting goes out in one PUT.
    """
    cfg: SsprConfig = tenant.desired
    items = [i for i in plan.items if i.kind is RemediationKind.AUTOMATED]
    _check_plan(tenant, items)
    # Both before anything is written: a missing group stops the whole remediation.
    planned = {i.setting for i in items}
    template = f"groupSettingTemplates/{rules.PASSWORD_RULES_TEMPLATE}"
    resolved, snapshot, rules_template = await settled(
        resolve(tenant, cfg, planned),
        read_before(tenant, cfg),
        _read(tenant.graph_request("GET", template)) if "password_protection" in planned else _none(),
    )
    run = Remediation(tenant, cfg, snapshot, resolved)
    run.template = rules_template
    portal_items = [i for i in items if i.setting in PORTAL_POLICY_SETTINGS]
    tasks: dict[str, asyncio.Future[bool]] = {}

    async def blocked(settings: list[str]) -> list[str]:
        # A portal setting never waits for another: they all go out in the one PUT.
        inside = set(settings) if settings and settings[0] in PORTAL_POLICY_SETTINGS else set()
        deps = list(
            dict.fromkeys(d for s in settings for d in SETTINGS_BY_ID[s].depends_on if d in tasks and d not in inside)
        )
        done = await asyncio.gather(*(tasks[d] for d in deps), return_exceptions=True)
        return [d for d, ok in zip(deps, done, strict=True) if ok is not True]

    async def write(item: PlanItem) -> bool:
        stopped = await blocked([item.setting])
        if stopped:
            tenant.logger.warning("%s skipped: %s failed first", item.setting, ", ".join(stopped))
            tenant.progress(item.setting, "skipped", f"skipped because {', '.join(stopped)} failed")
            return False
        if item.setting in ONPREM_SETTINGS:
            return await run.write_onprem(item)
        return await GRAPH_WRITERS[item.setting](run, item)

    async def write_portal() -> set[str]:
        stopped = set(await blocked([i.setting for i in portal_items]))
        ready = [i for i in portal_items if not stopped & set(SETTINGS_BY_ID[i.setting].depends_on)]
        for item in portal_items:
            if item not in ready:
                tenant.progress(item.setting, "skipped", "skipped because a setting it depends on failed")
        failed = await run.write_portal_policy(ready) if ready else set()
        return failed | {i.setting for i in portal_items if i not in ready}

    portal = asyncio.ensure_future(write_portal()) if portal_items else None
    for item in items:  # the plan's order puts what a setting depends on before it
        if item.setting in PORTAL_POLICY_SETTINGS:
            assert portal is not None
            tasks[item.setting] = asyncio.ensure_future(_portal_ok(portal, item.setting))
        else:
            tasks[item.setting] = asyncio.ensure_future(write(item))
    await settled(*tasks.values(), *([portal] if portal is not None else []))
    return run.changes


async def settled(*calls: Awaitable[Any]) -> list[Any]:
    """Every call run to its end, then the first exception raised, if any: no write is left in
    flight behind an error (the engine reconciles what was recorded only once this returns)."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def _portal_ok(portal: asyncio.Future[set[str]], setting: str) -> bool:
    return setting not in await portal

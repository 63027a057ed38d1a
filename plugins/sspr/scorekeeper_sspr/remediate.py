"""The ``remediate`` hook's work: carry out a confirmed plan (or a rollback plan), one recorded write each.

Order: resolve names to ids (stop before writing if one is missing), read the tenant afresh for
honest before-values, then write in the plan's order (the engine sorted it by ``depends_on``).
All PasswordResetPolicies settings go out in one read-modify-write PUT, recorded as one change
per setting. A failed write does not stop independent settings, but skips those depending on it.

Every item is written towards a *target* of the same shape as the finding's ``current`` value:
``item.desired`` for a remediation, ``item.undo.before`` for a rollback; a rollback of something
remediation created deletes it instead.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn

from scorekeeper import Change, GraphCallError, PlanItem, RemediationKind
from scorekeeper_sspr import graph_rules as rules
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.portal import (
    ENABLEMENT_SELECTED,
    ONPREM_FIELDS,
    merged,
    onprem_slice,
    policy_slice,
    read_onprem,
    read_policy,
    write_onprem,
    write_policy,
)
from scorekeeper_sspr.reads import Snapshot, read_tenant
from scorekeeper_sspr.resolve import RemediationBlocked, Resolved, resolve
from scorekeeper_sspr.settings import ONPREM_SETTINGS, PORTAL_POLICY_SETTINGS, SETTINGS_BY_ID

if TYPE_CHECKING:
    from scorekeeper import ChangeRecorder, Plan, TenantContext

log = logging.getLogger("scorekeeper.plugin.sspr")

METHODS_POLICY = "policies/authenticationMethodsPolicy"
DEVICE_CONFIGS = "deviceManagement/deviceConfigurations"
CA_POLICIES = "identity/conditionalAccess/policies"


def target_of(item: PlanItem) -> Any:
    """What the setting should hold afterwards: the desired value, or the recorded before-value."""
    return item.undo.before if item.undo is not None else item.desired


def deletes(item: PlanItem) -> bool:
    return item.undo is not None and item.undo.created


class Remediation:
    """One remediation run: the context, the config, the fresh snapshot and the resolved ids."""

    def __init__(self, tenant: TenantContext, cfg: SsprConfig, snapshot: Snapshot, resolved: Resolved) -> None:
        self.tenant = tenant
        self.cfg = cfg
        self.snap = snapshot
        self.resolved = resolved
        self.changes: list[Change] = []

    # ------------------------------------------------------------- plumbing
    async def record(
        self,
        setting: str,
        before: Any,
        write: Callable[[ChangeRecorder], Awaitable[None]],
        *,
        resource: dict[str, Any] | None = None,
        created: bool = False,
    ) -> bool:
        """Run one write inside ``record_change``; a Graph/portal failure is recorded, not raised."""
        recorder = self.tenant.record_change(setting, before=before, resource=resource, created=created)
        ok = True
        try:
            async with recorder:
                try:
                    await write(recorder)
                except GraphCallError as exc:  # recorded with the permission or role it lacked
                    _reraise_explained(setting, exc)
        except GraphCallError as exc:
            log.warning("%s: write failed: %s", setting, exc)
            ok = False
        if recorder.change is not None:
            self.changes.append(recorder.change)
        self.tenant.progress(setting, "applied" if ok else "failed")
        return ok

    def graph_value(self, key: str) -> Any:
        read = self.snap.graph.get(key)
        if read is None or not read.ok:
            raise GraphCallError(read.status if read else 0, "ReadFailed", f"cannot read {key} before writing")
        return read.value

    async def delete_created(self, item: PlanItem) -> bool:
        assert item.undo is not None
        path = str(item.undo.resource.get("path", ""))

        async def write(rec: ChangeRecorder) -> None:
            try:
                await self.tenant.graph_request("DELETE", path)
            except GraphCallError as exc:
                if exc.status != 404:
                    raise
                # Someone deleted it already: what rollback wanted is true, so it is restored.
                log.info("%s: %s was already deleted", item.setting, path)
            rec.after = None

        return await self.record(item.setting, item.undo.after, write, resource=dict(item.undo.resource))

    # ------------------------------------------------------------- portal
    def portal_target(self, item: PlanItem) -> dict[str, Any]:
        target = dict(target_of(item) or {})
        group = self.resolved.enablement_group
        if item.undo is None and item.setting == "enablement" and target.get("enablementType") == ENABLEMENT_SELECTED:
            assert group is not None, "resolve() looks the group up before any write"
            target.update({"passwordResetEnabledGroupIds": [group.id], "passwordResetEnabledGroupName": group.name})
        return target

    async def write_portal_policy(self, items: list[PlanItem]) -> set[str]:
        """One GET and one PUT for every PasswordResetPolicies setting; one recorded change each."""
        portal = self.tenant.portal
        assert portal is not None
        failed: set[str] = set()
        try:
            policy = await read_policy(portal)
        except GraphCallError as exc:
            log.warning("portal policy could not be read before writing: %s", exc)
            return {i.setting for i in items}
        targets = {i.setting: self.portal_target(i) for i in items}
        body = merged(policy, targets.values())
        recorders: list[ChangeRecorder] = []
        try:
            async with contextlib.AsyncExitStack() as stack:
                for sid in targets:  # every before-value is stored before the one PUT starts
                    recorder = self.tenant.record_change(
                        sid, before=policy_slice(policy, sid), resource={"type": "portal:PasswordResetPolicies"}
                    )
                    recorders.append(await stack.enter_async_context(recorder))
                try:
                    await write_policy(portal, body)
                except GraphCallError as exc:
                    _reraise_explained(next(iter(targets)), exc)
                for rec in recorders:
                    rec.after = policy_slice(body, rec.setting)
        except GraphCallError as exc:  # each recorder has recorded the failure on the way out
            failed = set(targets)
            log.warning("portal policy PUT failed: %s", exc)
        self.changes += [r.change for r in recorders if r.change is not None]
        for sid in targets:
            self.tenant.progress(sid, "failed" if sid in failed else "applied")
        return failed

    async def write_onprem(self, item: PlanItem) -> bool:
        portal = self.tenant.portal
        assert portal is not None
        field = ONPREM_FIELDS[item.setting][0]
        value = bool((target_of(item) or {}).get(field))
        try:
            before = onprem_slice(await read_onprem(portal), item.setting)
        except GraphCallError as exc:
            log.warning("on-premises policy could not be read before writing: %s", exc)
            return False

        async def write(rec: ChangeRecorder) -> None:
            await write_onprem(portal, item.setting, value)
            rec.after = {field: value}

        return await self.record(
            item.setting, before, write, resource={"type": "portal:OnPremisesPasswordResetPolicies"}
        )

    # ------------------------------------------------------------- Graph
    async def admin_sspr(self, item: PlanItem) -> bool:
        before = (rules.first(self.graph_value("authorization_policy")) or {}).get("allowedToUseSSPR")
        value = target_of(item)

        async def write(rec: ChangeRecorder) -> None:
            await self.tenant.graph_request("PATCH", "policies/authorizationPolicy", {"allowedToUseSSPR": value})
            rec.after = value

        return await self.record(item.setting, before, write, resource={"type": "authorizationPolicy"})

    async def methods_policy_migration(self, item: PlanItem) -> bool:
        before = (self.graph_value("methods_policy") or {}).get("policyMigrationState")
        value = target_of(item)
        if value is None:  # nothing recorded to restore
            return True

        async def write(rec: ChangeRecorder) -> None:
            # Writing the migration state is documented for beta only (unverified).
            await self.tenant.graph_request("PATCH", METHODS_POLICY, {"policyMigrationState": value}, version="beta")
            rec.after = value

        return await self.record(item.setting, before, write, resource={"type": "authenticationMethodsPolicy"})

    async def method_configurations(self, item: PlanItem) -> bool:
        target: dict[str, Any] = dict(target_of(item) or {})
        before = rules.method_configurations(self.graph_value("methods_policy"), list(target))

        policy = self.graph_value("methods_policy")

        async def write(rec: ChangeRecorder) -> None:
            after = dict(before)
            for config_id, wanted in target.items():
                if wanted is None or rules.config_holds(wanted, before.get(config_id)):
                    continue
                body, after[config_id] = rules.config_patch(config_id, wanted, rules.config_of(policy, config_id))
                path = f"{METHODS_POLICY}/authenticationMethodConfigurations/{config_id}"
                await self.tenant.graph_request("PATCH", path, body)
            rec.after = after

        return await self.record(item.setting, before, write, resource={"type": "authenticationMethodConfigurations"})

    async def mfa_registration_campaign(self, item: PlanItem) -> bool:
        before = rules.campaign(self.graph_value("methods_policy"))
        target = target_of(item)
        if target is None:
            return True
        campaign = dict(target)
        campaign.setdefault("excludeTargets", (before or {}).get("excludeTargets", []))

        async def write(rec: ChangeRecorder) -> None:
            body = {"registrationEnforcement": {"authenticationMethodsRegistrationCampaign": campaign}}
            await self.tenant.graph_request("PATCH", METHODS_POLICY, body)
            rec.after = campaign

        return await self.record(item.setting, before, write, resource={"type": "authenticationMethodsPolicy"})

    async def registration_ca_policy(self, item: PlanItem) -> bool:
        if deletes(item):
            return await self.delete_created(item)
        policies = self.graph_value("ca_policies")
        target = target_of(item) or {}
        state = target.get("state", self.cfg.registration_ca_policy_state)
        existing = (
            rules.policy_by_id(policies, target["id"]) if target.get("id") else rules.registration_policy(policies)
        )
        if existing is not None:
            path = f"{CA_POLICIES}/{existing['id']}"

            async def patch(rec: ChangeRecorder) -> None:
                await self.tenant.graph_request("PATCH", path, {"state": state})
                rec.after = {"id": existing["id"], "state": state}

            resource = {"type": "conditionalAccessPolicy", "id": existing["id"], "path": path}
            return await self.record(item.setting, existing, patch, resource=resource)

        async def create(rec: ChangeRecorder) -> None:
            body = rules.registration_policy_body(state, self.resolved.break_glass_ids)
            made = await self.tenant.graph_request("POST", CA_POLICIES, body)
            rec.resource.update({"id": made["id"], "path": f"{CA_POLICIES}/{made['id']}"})
            rec.after = {"id": made["id"], "state": made.get("state", state)}

        return await self.record(item.setting, None, create, resource={"type": "conditionalAccessPolicy"}, created=True)

    async def windows_sign_in_reset(self, item: PlanItem) -> bool:
        if deletes(item):
            return await self.delete_created(item)
        configs = self.graph_value("device_configurations")
        if item.undo is not None:  # restore the assignments an existing configuration had
            before_value = item.undo.before or {}
            existing = rules.device_configuration(configs, before_value.get("id", ""))
            targets = list(before_value.get("targets") or [])
        else:
            group = self.resolved.windows_group
            wanted = rules.desired_target(group.id if group else None)
            found = rules.sspr_device_configurations(configs)
            existing = found[0] if found else None
            targets = [*(existing or {}).get("targets", []), wanted] if existing else [wanted]
        if existing is not None:
            config_id = existing["id"]
            path = f"{DEVICE_CONFIGS}/{config_id}"

            async def assign(rec: ChangeRecorder) -> None:
                await self._assign(config_id, targets)
                rec.after = {"id": config_id, "targets": targets}

            resource = {"type": "deviceConfiguration", "id": config_id, "path": path}
            return await self.record(item.setting, existing, assign, resource=resource)

        async def create(rec: ChangeRecorder) -> None:
            made = await self.tenant.graph_request("POST", DEVICE_CONFIGS, _windows_configuration())
            created_path = f"{DEVICE_CONFIGS}/{made['id']}"
            rec.resource.update({"id": made["id"], "path": created_path})
            try:
                await self._assign(made["id"], targets)
            except GraphCallError as exc:
                # A failed change is never rolled back, so an unassigned configuration left here would
                # stay in the tenant for good: take it away again before reporting the failure.
                raise await self._undo_create(created_path, exc) from exc
            rec.after = {"id": made["id"], "targets": targets}

        return await self.record(item.setting, None, create, resource={"type": "deviceConfiguration"}, created=True)

    async def _undo_create(self, path: str, cause: GraphCallError) -> GraphCallError:
        """Delete what was just created after its next step failed; the error to record says how it went."""
        try:
            await self.tenant.graph_request("DELETE", path)
        except GraphCallError as exc:
            return GraphCallError(
                cause.status, cause.code, f"{cause.message}; {path} was created and could not be deleted again ({exc})"
            )
        return GraphCallError(cause.status, cause.code, f"{cause.message}; {path} was created, then deleted again")

    async def _assign(self, config_id: str, targets: list[dict[str, Any]]) -> None:
        assignments = [
            {"@odata.type": "#microsoft.graph.deviceConfigurationAssignment", "target": target} for target in targets
        ]
        await self.tenant.graph_request("POST", f"{DEVICE_CONFIGS}/{config_id}/assign", {"assignments": assignments})

    async def password_protection(self, item: PlanItem) -> bool:
        if deletes(item):
            return await self.delete_created(item)
        current = rules.password_rules(self.graph_value("group_settings"))
        target = target_of(item) or {}
        wanted: dict[str, str] = dict(target.get("values") or {})
        if current is not None:
            values = {**current["values"], **wanted}
            path = f"groupSettings/{current['id']}"

            async def patch(rec: ChangeRecorder) -> None:
                body = {"values": [{"name": k, "value": v} for k, v in values.items()]}
                await self.tenant.graph_request("PATCH", path, body)
                rec.after = {"id": current["id"], "values": values}

            resource = {"type": "groupSetting", "id": current["id"], "path": path}
            return await self.record(item.setting, current, patch, resource=resource)

        async def create(rec: ChangeRecorder) -> None:
            template = await self.tenant.graph_request("GET", f"groupSettingTemplates/{rules.PASSWORD_RULES_TEMPLATE}")
            values = {d["name"]: d.get("defaultValue") for d in template.get("values") or []}
            values.update(wanted)
            body = {
                "templateId": rules.PASSWORD_RULES_TEMPLATE,
                "values": [{"name": k, "value": v} for k, v in values.items()],
            }
            made = await self.tenant.graph_request("POST", "groupSettings", body)
            rec.resource.update({"id": made["id"], "path": f"groupSettings/{made['id']}"})
            rec.after = {"id": made["id"], "values": values}

        return await self.record(item.setting, None, create, resource={"type": "groupSetting"}, created=True)


def explain(setting: str, exc: GraphCallError) -> GraphCallError:
    """The same error, naming what a refused write lacked: the app's Graph permission or the admin's role.

    A 403 alone tells the admin nothing they can act on; the catalogue knows the least-privileged
    permission of every write.
    """
    if exc.status not in (401, 403):
        return exc
    spec = SETTINGS_BY_ID[setting]
    if "portal" in spec.apis:
        need = f"the signed-in admin needs {' or '.join(spec.directory_roles)}"
    else:
        need = f"the app needs {', '.join(spec.write_permissions)}"
    return type(exc)(exc.status, exc.code, f"{exc.message} ({need})")


def _reraise_explained(setting: str, exc: GraphCallError) -> NoReturn:
    better = explain(setting, exc)
    if better is exc:
        raise exc
    raise better from exc


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
    if portal_items and tenant.portal is None:
        raise RemediationBlocked(
            f"nothing was written: {', '.join(portal_items)} can only be written through the Azure portal's API, "
            f"and {tenant.portal_unavailable or 'there is no portal sign-in'}; sign in to the portal or leave them out"
        )


async def remediate(tenant: TenantContext, plan: Plan) -> list[Change]:
    cfg: SsprConfig = tenant.desired
    items = [i for i in plan.items if i.kind is RemediationKind.AUTOMATED]
    _check_plan(tenant, items)
    resolved = await resolve(tenant, cfg, {i.setting for i in items if i.undo is None})
    snapshot = await read_tenant(tenant, cfg)
    run = Remediation(tenant, cfg, snapshot, resolved)
    failed: set[str] = set()
    portal_done = False
    for item in items:
        blocked = [d for d in SETTINGS_BY_ID[item.setting].depends_on if d in failed]
        if blocked:
            log.warning("%s skipped: %s failed first", item.setting, ", ".join(blocked))
            tenant.progress(item.setting, "skipped", f"skipped because {', '.join(blocked)} failed")
            failed.add(item.setting)
            continue
        if item.setting in PORTAL_POLICY_SETTINGS:
            if not portal_done:
                portal_done = True
                failed |= await run.write_portal_policy([i for i in items if i.setting in PORTAL_POLICY_SETTINGS])
            continue
        if item.setting in ONPREM_SETTINGS:
            ok = await run.write_onprem(item)
        else:
            ok = await GRAPH_WRITERS[item.setting](run, item)
        if not ok:
            failed.add(item.setting)
    return run.changes

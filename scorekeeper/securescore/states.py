"""Changing a control's Secure Score state (``score set-state``) through the engine's one write path.

A built-in plugin, registered like every other plugin but not listed among the controls an
assessment runs (it assesses nothing): its pseudo-control ``SecureScoreControlState`` has one
plan item per control profile to update, so the engine plans, records the before-value before
the write, verifies by reading back and rolls back (``scorekeeper rollback RUN``) exactly as it
does for every plugin's writes.

The write is ``PATCH /security/secureScoreControlProfiles/{id}`` with ``state`` (``Default``,
``Ignored``, ``ThirdParty``, ``Reviewed``), ``comment``, ``assignedTo`` and the
``vendorInformation`` (``provider`` and ``vendor`` required) the update page documents;
permission SecurityEvents.ReadWrite.All. Microsoft keeps every update in
``controlStateUpdates``: rollback restores the state with one more update, it cannot erase the
history entries the set and the restore added.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import (
    Change,
    Control,
    Finding,
    Outcome,
    Plan,
    PlanItem,
    RemediationKind,
    Restoration,
    RestoreStatus,
    Setting,
    Status,
)
from scorekeeper.errors import (
    StateRefused,  # defined in the one error tree
)
from scorekeeper.plugin.controller import Controller
from scorekeeper.plugin.writes import same
from scorekeeper.safety.verification import check_write, verified
from scorekeeper.securescore.read import PROFILES, WRITE_PERMISSION, latest_state, read_control_profile

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.

if TYPE_CHECKING:
    from scorekeeper.plugin.context import TenantContext

CONTROL_ID = "SecureScoreControlState"
PLUGIN_NAME = "scorekeeper-control-states"
#: What ``--state`` accepts (case-insensitive) → the value Microsoft documents.
STATE_NAMES = {"default": "Default", "ignored": "Ignored", "thirdparty": "ThirdParty", "reviewed": "Reviewed"}
API = "Graph PATCH /security/secureScoreControlProfiles/{id}"

DECLARATION = Control(
    id=CONTROL_ID,
    title="Secure Score control states",
    settings=(
        Setting(
            id="state",
            title="A control profile's state, comment and assignee (one plan item per control profile)",
            remediation=RemediationKind.AUTOMATED,
            read_api="Graph GET /security/secureScoreControlProfiles/{id}",
            write_api=API,
            read_permissions=("SecurityEvents.Read.All",),
            write_permissions=(WRITE_PERMISSION,),
            docs_url="https://learn.microsoft.com/graph/api/securescorecontrolprofile-update",
        ),
    ),
)


def wire_state(name: str) -> str:
    """``thirdParty`` / ``ThirdParty`` / ``thirdparty`` → ``ThirdParty``; ``ValueError`` for anything else."""
    try:
        return STATE_NAMES[name.replace("-", "").replace("_", "").casefold()]
    except KeyError:
        raise ValueError(f"unknown state {name!r}: use one of ignored, thirdParty, reviewed, default") from None


def state_value(profile: dict[str, Any]) -> dict[str, str]:
    """What a state update sets, as the profile's newest ``controlStateUpdates`` entry holds it."""
    state = latest_state(profile)
    return {"state": state.state, "comment": state.comment, "assignedTo": state.assigned_to}


def plan_states(
    tenant: str,
    profiles: Sequence[dict[str, Any]],
    controls: Sequence[str],
    state: str,
    reason: str,
    assigned_to: str | None = None,
) -> Plan:
    """The plan that sets ``controls`` of ``tenant`` to ``state`` with ``reason``; ``ValueError`` names unknown ids."""
    by_id = {str(p.get("id")): p for p in profiles}
    unknown = [c for c in dict.fromkeys(controls) if c not in by_id]
    if unknown:
        raise ValueError(f"{tenant} has no control profile {', '.join(map(repr, unknown))}")
    items = []
    for control_id in dict.fromkeys(controls):
        current = state_value(by_id[control_id])
        desired = {
            "state": wire_state(state),
            "comment": reason,
            "assignedTo": current["assignedTo"] if assigned_to is None else assigned_to,
        }
        items.append(
            PlanItem(
                setting=control_id,
                current=current,
                desired=desired,
                kind=RemediationKind.AUTOMATED,
                api=API.replace("{id}", control_id),
                title=str(by_id[control_id].get("title") or control_id),
            )
        )
    return Plan(tenant=tenant, control=CONTROL_ID, items=tuple(items))


def _body(profile: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    vendor = profile.get("vendorInformation") or {}
    return {
        "assignedTo": str(value.get("assignedTo") or ""),
        "comment": str(value.get("comment") or ""),
        "state": str(value.get("state") or "Default"),
        "vendorInformation": {
            "provider": vendor.get("provider") or "SecureScore",
            "providerVersion": vendor.get("providerVersion"),
            "subProvider": vendor.get("subProvider"),
            "vendor": vendor.get("vendor") or "Microsoft",
        },
    }


# ----------------------------------------------------------------------------- the controller
class ControlStates(Controller):
    """The built-in writer's controller: the engine calls it like any plugin's (API 2)."""

    control = DECLARATION

    async def assess(self, tenant: TenantContext) -> list[Finding]:
        """Nothing to assess: states are read with ``scorekeeper score``; the engine never lists this control."""
        return []

    async def remediate(self, tenant: TenantContext, plan: Plan) -> list[Change]:
        """One PATCH per item through the write helper; a refused one stops with the permission named."""
        changes = []
        for item in plan.items:
            changes.append(await self._write(tenant, item.setting, dict(item.desired or {})))
        return changes

    async def _write(self, tenant: TenantContext, control_id: str, value: dict[str, Any]) -> Change:
        profile = await read_control_profile(tenant.graph, control_id)
        change = await tenant.write(
            control_id,
            "PATCH",
            f"{PROFILES}/{control_id}",
            _body(profile, value),
            before=state_value(profile),
            after=value,
            resource={"type": "secureScoreControlProfile", "id": control_id},
        )
        if change.outcome is Outcome.FAILED and change.error.startswith("permission refused"):
            raise StateRefused(f"Graph refused the state update of {control_id}; the app needs {WRITE_PERMISSION}")
        return change

    async def verify(self, tenant: TenantContext, changes: Sequence[Change]) -> list[Finding]:
        """Read each profile back: its newest state update must be what the change wrote."""
        findings = []
        for change in changes:
            observed = state_value(await read_control_profile(tenant.graph, change.setting))
            assessed = Finding(
                control=CONTROL_ID,
                setting=change.setting,
                title=change.setting,
                status=Status.PASS if same(observed, change.after) else Status.FAIL,
                current=observed,
                desired=change.after,
                remediation=RemediationKind.AUTOMATED,
                reason=f"state {observed['state']}",
            )
            findings.append(verified(assessed, [check_write(change, observed)]))
        return findings

    async def rollback(self, tenant: TenantContext, change: Change) -> Restoration:
        """The state is read from the newest ``controlStateUpdates`` entry, not the PATCH body's fields,
        so the default cannot compare it: re-read, compare, and add one more update only if it differs."""
        before = dict(change.before or {})
        if same(state_value(await read_control_profile(tenant.graph, change.setting)), before):
            return Restoration(change, RestoreStatus.ALREADY, "the state reads as before")
        written = await self._write(tenant, change.setting, before)
        observed = state_value(await read_control_profile(tenant.graph, change.setting))
        if same(observed, before):
            return Restoration(change, RestoreStatus.RESTORED, "the state reads as before again", (written,))
        return Restoration(
            change,
            RestoreStatus.FAILED,
            f"it reads {observed!r}; set it by hand to {before!r} (Secure Score → the control → Edit status)",
            (written,),
        )


#: What :class:`scorekeeper.plugin.manager.Plugins` registers for ``SecureScoreControlState``.
CONTROLLER = ControlStates

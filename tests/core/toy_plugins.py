"""Plugins written the way a third party would, to test the engine without Microsoft's APIs.

``ToyControl`` keeps its "tenant" in a dict so tests can see exactly what was written. Each toy
plugin is its own controller: ``scorekeeper_register_controls`` registers ``self``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import (
    Assessment,
    Control,
    Controller,
    Finding,
    RemediationKind,
    Restoration,
    RestoreStatus,
    SecureScore,
    Setting,
    Status,
    hookimpl,
)

TENANTS: dict[str, dict[str, Any]] = {}


class ToyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    colour: str = "green"
    size: int = Field(default=3, ge=1, le=5)


TOY = Control(
    id="ToyControl",
    title="A control for tests",
    settings=(
        Setting(id="colour", title="Colour", remediation=RemediationKind.AUTOMATED, write_api="toy PUT colour"),
        Setting(id="size", title="Size", remediation=RemediationKind.AUTOMATED, depends_on=("colour",)),
        Setting(id="paperwork", title="Paperwork", remediation=RemediationKind.GUIDED),
    ),
    config_model=ToyConfig,
)


def state(tenant: str) -> dict[str, Any]:
    return TENANTS.setdefault(tenant, {"colour": "red", "size": 1})


class GoodPlugin(Controller):
    control = TOY

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        register(self)

    async def assess(self, tenant: Any) -> Assessment:
        control = self.control
        current = state(tenant.name)
        findings = []
        for key in ("colour", "size"):
            desired = getattr(tenant.desired, key)
            ok = current[key] == desired
            findings.append(
                Finding(
                    control=control.id,
                    setting=key,
                    status=Status.PASS if ok else Status.FAIL,
                    current=current[key],
                    desired=desired,
                    reason="matches" if ok else "differs",
                )
            )
            tenant.progress(key, findings[-1].status.value)
        findings.append(
            Finding(
                control=control.id,
                setting="paperwork",
                status=Status.MANUAL,
                remediation=RemediationKind.GUIDED,
                reason="no API",
                steps=("1. Do the paperwork.",),
            )
        )
        return Assessment(findings, SecureScore(control.id, 1.0 if current["colour"] == "green" else 0.0, 2.0))

    async def remediate(self, tenant: Any, plan: Any) -> list[Any]:
        current = state(tenant.name)
        changes = []
        for item in plan.items:
            async with tenant.record_change(item.setting, before=current[item.setting]) as rec:
                current[item.setting] = item.desired
                rec.after = item.desired
            changes.append(rec.change)
        return changes

    async def rollback(self, tenant: Any, change: Any) -> Restoration:
        """The toy tenant is a dict, not an HTTP API: restore it by hand, idempotently."""
        current = state(tenant.name)
        if current[change.setting] == change.before:
            return Restoration(change, RestoreStatus.ALREADY, "reads as before")
        async with tenant.record_change(change.setting, before=current[change.setting]) as rec:
            current[change.setting] = change.before
            rec.after = change.before
        return Restoration(change, RestoreStatus.RESTORED, "put back", (rec.change,))


class BrokenPlugin(Controller):
    """Declares a control, then raises inside assess."""

    control = Control(id="BrokenControl", title="Broken", settings=(Setting("x", "X", RemediationKind.AUTOMATED),))

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        register(self)

    async def assess(self, tenant: Any) -> list[Finding]:
        raise RuntimeError("boom")


class MisspelledPlugin:
    @hookimpl
    def asess(self, control: Control, tenant: Any) -> None:  # a typo scorekeeper must catch
        return None


class OverreachingPlugin(Controller):
    """Writes a setting the plan did not list: the engine must refuse before the write."""

    written: ClassVar[list[str]] = []
    control = Control(id="Overreach", title="Overreach", settings=(Setting("a", "A", RemediationKind.AUTOMATED),))

    @hookimpl
    def scorekeeper_register_controls(self, register: Any) -> None:
        register(self)

    async def assess(self, tenant: Any) -> list[Finding]:
        return [Finding(control=self.control.id, setting="a", status=Status.FAIL, current=1, desired=2)]

    async def remediate(self, tenant: Any, plan: Any) -> list[Any]:
        async with tenant.record_change("not-in-plan", before=0):
            OverreachingPlugin.written.append("not-in-plan")
        return []

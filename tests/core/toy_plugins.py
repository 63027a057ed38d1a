"""Plugins written the way a third party would, to test the engine without Microsoft's APIs.

``ToyControl`` keeps its "tenant" in a dict so tests can see exactly what was written.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from scorekeeper import (
    Assessment,
    Control,
    Finding,
    RemediationKind,
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


class GoodPlugin:
    @hookimpl
    def scorekeeper_controls(self) -> list[Control]:
        return [TOY]

    @hookimpl
    async def assess(self, control: Control, tenant: Any) -> Assessment | None:
        if control.id != TOY.id:
            return None
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

    @hookimpl
    async def remediate(self, control: Control, tenant: Any, plan: Any) -> list[Any] | None:
        if control.id != TOY.id:
            return None
        current = state(tenant.name)
        changes = []
        for item in plan.items:
            async with tenant.record_change(item.setting, before=current[item.setting]) as rec:
                current[item.setting] = item.desired
                rec.after = item.desired
            changes.append(rec.change)
        return changes


class BrokenPlugin:
    """Declares a control, then raises inside assess."""

    @hookimpl
    def scorekeeper_controls(self) -> list[Control]:
        return [Control(id="BrokenControl", title="Broken", settings=(Setting("x", "X", RemediationKind.AUTOMATED),))]

    @hookimpl
    def assess(self, control: Control, tenant: Any) -> None:
        if control.id == "BrokenControl":
            raise RuntimeError("boom")
        return None


class MisspelledPlugin:
    @hookimpl
    def asess(self, control: Control, tenant: Any) -> None:  # a typo scorekeeper must catch
        return None


class OverreachingPlugin:
    """Writes a setting the plan did not list: the engine must refuse before the write."""

    written: ClassVar[list[str]] = []

    @hookimpl
    def scorekeeper_controls(self) -> list[Control]:
        return [Control(id="Overreach", title="Overreach", settings=(Setting("a", "A", RemediationKind.AUTOMATED),))]

    @hookimpl
    async def assess(self, control: Control, tenant: Any) -> list[Finding] | None:
        if control.id != "Overreach":
            return None
        return [Finding(control=control.id, setting="a", status=Status.FAIL, current=1, desired=2)]

    @hookimpl
    async def remediate(self, control: Control, tenant: Any, plan: Any) -> list[Any] | None:
        if control.id != "Overreach":
            return None
        async with tenant.record_change("not-in-plan", before=0):
            OverreachingPlugin.written.append("not-in-plan")
        return []

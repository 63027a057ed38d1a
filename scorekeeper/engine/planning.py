"""Plans: what remediation would change, derived from findings (never from a plugin hook)."""

from __future__ import annotations

from collections.abc import Iterable

from scorekeeper.domain.model import Control, Finding, Plan, PlanItem, RemediationKind, Status


def order_by_dependencies(items: Iterable[PlanItem], control: Control) -> list[PlanItem]:
    """Put each item after the settings it depends on (methods before methods-required...)."""
    items = list(items)
    by_id = {i.setting: i for i in items}
    ordered: list[PlanItem] = []
    visiting: set[str] = set()

    def visit(setting_id: str) -> None:
        if setting_id not in by_id or by_id[setting_id] in ordered or setting_id in visiting:
            return
        visiting.add(setting_id)
        try:
            deps = control.setting(setting_id).depends_on
        except KeyError:
            deps = ()
        for dep in deps:
            visit(dep)
        ordered.append(by_id[setting_id])

    for item in items:
        visit(item.setting)
    return ordered


def plan_for(tenant: str, control: Control, findings: Iterable[Finding], settings: set[str] | None = None) -> Plan:
    """The plan that would bring every failing, non-excepted setting to its desired value."""
    items = []
    for finding in findings:
        if settings is not None and finding.setting not in settings:
            continue
        if finding.excepted or finding.status not in (Status.FAIL, Status.MANUAL):
            continue
        if finding.remediation is RemediationKind.NONE:
            continue
        try:
            setting = control.setting(finding.setting)
            api, title = setting.write_api, setting.title
        except KeyError:
            api, title = "", finding.title
        items.append(
            PlanItem(
                setting=finding.setting,
                current=finding.current,
                desired=finding.desired,
                kind=finding.remediation,
                api=api,
                title=title or finding.title,
                steps=finding.steps,
                consequence=str((finding.evidence or {}).get("consequence") or ""),
            )
        )
    return Plan(tenant=tenant, control=control.id, items=tuple(order_by_dependencies(items, control)))


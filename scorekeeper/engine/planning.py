"""Plans: what remediation would change, derived from findings (never from a plugin hook).

Three rules of issue 25 live here, once for every front end (CLI, dashboard, scheduler, fleet):

* **Impact first.** A finding whose :class:`~scorekeeper.domain.impact.Impact` locks someone out
  (``impact.blocks``) is planned as a *guided* item naming the people and the remedy, never as an
  automated write — unless ``[remediation] accept_impact`` names the setting. An impact that does
  not block rides along on the automated item, shown beside its diff.
* **Stages move only when allowed and ready.** A ``staged`` finding is planned (its next stage
  as the item's ``desired``) only when ``[remediation] promote`` names the setting *and* the
  plugin found the tenant ready (``stage.ready``); otherwise it is left as it is, and
  :func:`promotion_refusals` says what is missing.
* **Advice is not planned.** A failing setting the configured requirements do not select reads
  as ``advice`` (``domain/advice.py``) and is left alone; selecting its level plans it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scorekeeper.config.model import RemediationSettings
from scorekeeper.domain.baseline import Baseline, drifted
from scorekeeper.domain.impact import Impact
from scorekeeper.domain.model import Control, Finding, Plan, PlanItem, RemediationKind, Status

#: How many affected principals a guided step names before "and K more" (``--json`` names all).
NAMES_SHOWN = 10

_DEFAULT_RULES = RemediationSettings()


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


@dataclass(frozen=True)
class Refusal:
    """A staged setting ``promote`` leaves where it is, and why (one line each)."""

    control: str
    setting: str
    stage: str
    reason: str

    def line(self) -> str:
        return f"{self.control}.{self.setting} ({self.stage}): {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"control": self.control, "setting": self.setting, "stage": self.stage, "reason": self.reason}


def promotion_refusal(control: str, finding: Finding, rules: RemediationSettings) -> Refusal | None:
    """Why ``finding``'s stage may not move on now (``None``: it may, or it is not staged)."""
    stage = finding.stage
    if finding.status is not Status.STAGED or stage is None or stage.final or finding.excepted:
        return None
    if not rules.promotes(control, finding.setting):
        reason = f'not allowed by [remediation] promote (add "{control}.{finding.setting}")'
    elif not stage.ready:
        reason = f"not ready: needs {stage.needs}" if stage.needs else "not ready: the tenant shows no evidence yet"
    elif stage.next_desired is None:
        reason = "the plugin gave no value for the next stage"
    else:
        return None
    return Refusal(control, finding.setting, stage.name, reason)


def promotion_refusals(control: str, findings: Iterable[Finding], rules: RemediationSettings) -> list[Refusal]:
    """Every staged finding of ``control`` that may not move to its next stage, with the reason."""
    return [r for f in findings if (r := promotion_refusal(control, f, rules)) is not None]


def _blocked_steps(control: str, finding: Finding, impact: Impact) -> tuple[str, ...]:
    """A guided item's steps for a change that would lock people out: who, what would make it safe, how to accept."""
    ref = f"{control}.{finding.setting}"
    steps = [f'not planned: {impact.summary}; accept with [remediation] accept_impact = ["{ref}"]']
    if impact.affected:
        steps.append(f"affected ({len(impact.affected)}): {impact.names(NAMES_SHOWN)}")
        steps += [f"  {a.name}: {a.detail}" for a in impact.affected[:NAMES_SHOWN] if a.detail]
    if impact.remedy:
        steps.append(f"to make it safe first: {impact.remedy}")
    return (*steps, *finding.steps)


def _item(control: Control, finding: Finding, rules: RemediationSettings) -> PlanItem | None:
    """The plan item of one finding, or ``None`` when remediation leaves it alone."""
    if finding.excepted or finding.remediation is RemediationKind.NONE:
        return None
    desired, stage_name = finding.desired, ""
    if finding.status is Status.STAGED:
        if finding.stage is None or promotion_refusal(control.id, finding, rules) is not None:
            return None
        desired, stage_name = finding.stage.next_desired, finding.stage.next_name or ""
    elif finding.status in (Status.FAIL, Status.MANUAL):
        stage_name = finding.stage.name if finding.stage is not None else ""  # the first stage a rollout starts in
    else:
        return None
    try:
        setting = control.setting(finding.setting)
        api, title = setting.write_api, setting.title
    except KeyError:
        api, title = "", finding.title
    kind, steps, impact = finding.remediation, finding.steps, finding.impact
    blocked = kind is RemediationKind.AUTOMATED and impact is not None and impact.blocks
    if blocked and impact is not None and not rules.accepts_impact(control.id, finding.setting):
        kind, steps = RemediationKind.GUIDED, _blocked_steps(control.id, finding, impact)
    return PlanItem(
        setting=finding.setting,
        current=finding.current,
        desired=desired,
        kind=kind,
        api=api,
        title=title or finding.title,
        steps=steps,
        consequence=str((finding.evidence or {}).get("consequence") or ""),
        impact=impact,
        stage=stage_name,
    )


def plan_for(
    tenant: str,
    control: Control,
    findings: Iterable[Finding],
    settings: set[str] | None = None,
    rules: RemediationSettings | None = None,
    *,
    promotions_only: bool = False,
) -> Plan:
    """The plan that would bring every failing, non-excepted setting to its desired value.

    ``rules`` is the tenant's ``[remediation]`` (the defaults when ``None``: nothing accepted,
    nothing promoted). ``promotions_only`` keeps only staged settings moving to their next stage
    (``scorekeeper promote``).
    """
    rules = rules if rules is not None else _DEFAULT_RULES
    items = []
    for finding in findings:
        if settings is not None and finding.setting not in settings:
            continue
        if promotions_only and finding.status is not Status.STAGED:
            continue
        item = _item(control, finding, rules)
        if item is not None:
            items.append(item)
    return Plan(tenant=tenant, control=control.id, items=tuple(order_by_dependencies(items, control)))


def drift_plan(
    tenant: str,
    control: Control,
    findings: Iterable[Finding],
    held: Mapping[tuple[str, str], Baseline],
    settings: set[str] | None = None,
) -> Plan:
    """The plan that puts each drifted setting back to its baseline (``remediate --drift``).

    Only settings off their baseline (``domain/baseline.py``) are planned, each with the baseline
    value as ``desired``, through the same items, confirmation and writes as any plan. A setting
    excepted since, or one remediation cannot change, is left alone.
    """
    items = []
    for drift in drifted(held, findings):
        finding = drift.finding
        if settings is not None and finding.setting not in settings:
            continue
        if finding.excepted or finding.remediation is RemediationKind.NONE:
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
                desired=drift.baseline.value,
                kind=finding.remediation,
                api=api,
                title=title or finding.title,
                steps=finding.steps,
                impact=finding.impact,
            )
        )
    return Plan(tenant=tenant, control=control.id, items=tuple(order_by_dependencies(items, control)))

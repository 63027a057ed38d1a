"""The judgements behind :class:`scorekeeper.testing.ControlContract`, as plain functions.

Each takes what a contract test observed (the simulator's write log, the engine's recorded
changes, the plan, a fresh assessment) and returns the problems, one line each, worded for the
plugin author: what is wrong, with the setting and the values, and what to change. They hold no
state and drive nothing, so they are tested on their own and the contract suite stays a thin
driver. Only version-2 names appear in the words: ``Controller.assess``/``remediate``/``verify``/
``rollback``, ``tenant.write``/``write_together``/``create``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scorekeeper.domain.model import Change, Control, Finding, PlanItem, Status, Verification
from scorekeeper.plugin.writes import same

#: The first path segment that names the API surface in the simulator's log, not the resource.
_SURFACES = frozenset({"v1.0", "beta", "api"})
#: How the write helper's calls are named in messages.
HELPER = "tenant.write / tenant.write_together / tenant.create"


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def logged_target(method: str, path: str) -> tuple[str, str]:
    """(method, resource path) of a request the simulator logged: ``/v1.0/x/y?q`` → ``x/y``."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    if segments and segments[0] in _SURFACES:
        segments = segments[1:]
    return method.upper(), "/".join(segments).lower()


def change_target(change: Change) -> tuple[str, str] | None:
    """(method, resource path) of the request a change recorded; ``None`` when it recorded none."""
    request = change.resource.get("request")
    if not isinstance(request, Mapping) or not request.get("path"):
        return None
    path = str(request["path"]).split("?", 1)[0].strip("/").lower()
    return str(request.get("method") or "").upper(), path


def writes_outside_the_helper(logged: Iterable[tuple[str, str]], changes: Sequence[Change]) -> list[str]:
    """Writes the tenant received that no recorded change accounts for: made around the write helper.

    ``logged`` is (method, path) of every successful write the simulator saw during remediation
    (:attr:`scorekeeper.simulator.LoggedRequest.method`/``path``). Each must match the request
    of a change the engine recorded, and a path may not be written more often than changes
    recorded a write to it (a create whose answer was lost may be sent again: its ``attempts``
    allow one more each).
    """
    allowed: Counter[tuple[str, str]] = Counter()
    for change in changes:
        target = change_target(change)
        if target is None:
            continue
        attempts = str(change.resource.get("attempts") or "")
        allowed[target] += 1 + attempts.count(";")
    seen: Counter[tuple[str, str]] = Counter()
    shown: dict[tuple[str, str], str] = {}
    for method, path in logged:
        target = logged_target(method, path)
        seen[target] += 1
        shown.setdefault(target, f"{method.upper()} {path.split('?', 1)[0]}")
    problems = []
    for target, count in seen.items():
        extra = count - allowed[target]
        if extra > 0:
            times = f" ({extra} of {count} requests)" if count > 1 else ""
            problems.append(
                f"{shown[target]}{times} reached the tenant but Controller.remediate recorded no change for it: "
                f"a write outside the helper cannot be verified or rolled back. Send it through {HELPER} "
                "(one call per request), never through tenant.graph_request or tenant.graph"
            )
    return sorted(problems)


def undeclared_writes(control: Control, changes: Sequence[Change]) -> list[str]:
    """Changes to settings the control does not declare as written by an API (``Setting.write_api``)."""
    problems = []
    for setting_id in sorted({c.setting for c in changes}):
        try:
            setting = control.setting(setting_id)
        except KeyError:
            problems.append(
                f"{setting_id}: a change was recorded for a setting {control.id} does not declare; declare it "
                "in Control.settings with its write_api and write_permissions"
            )
            continue
        if not setting.write_api:
            problems.append(
                f"{setting_id}: written by Controller.remediate but its Setting declares no write_api; declare "
                'the request ("Graph PATCH /path field") and its write_permissions'
            )
    return problems


def unstuck(findings: Sequence[Finding], changes: Sequence[Change]) -> list[str]:
    """Settings whose writes the engine's verification did not read back as written.

    ``findings`` are the remediation run's (verification attached); every changed setting must
    have one with :attr:`Verification.STUCK`.
    """
    by_setting = {f.setting: f for f in findings}
    problems = []
    for setting in sorted({c.setting for c in changes}):
        finding = by_setting.get(setting)
        if finding is None:
            problems.append(f"{setting}: changed, but verification returned no finding for it")
        elif finding.verification is not Verification.STUCK:
            shown = finding.verification.value if finding.verification else "not verified"
            problems.append(f"{setting}: {shown} — {finding.reason}")
    return problems


def _stage_name(finding: Finding) -> str:
    return finding.stage.name if finding.stage is not None else ""


def not_passing(items: Sequence[PlanItem], fresh: Sequence[Finding]) -> list[str]:
    """Planned automated settings a fresh assessment does not pass (or, for a staged item, not in its stage).

    An item that carried :attr:`PlanItem.stage` passes when the setting reads
    :attr:`Status.STAGED` in exactly that stage, or :attr:`Status.PASS` (the stage was the last).
    """
    by_setting = {f.setting: f for f in fresh}
    problems = []
    for item in items:
        finding = by_setting.get(item.setting)
        if finding is None:
            problems.append(f"{item.setting}: the fresh assessment has no finding for it")
            continue
        if finding.status is Status.PASS:
            continue
        if item.stage and finding.status is Status.STAGED and _stage_name(finding) == item.stage:
            continue
        wanted = f"pass, or staged in {item.stage!r}" if item.stage else "pass"
        stage = f" in stage {_stage_name(finding)!r}" if finding.stage is not None else ""
        problems.append(
            f"{item.setting}: after remediation a fresh assessment says {finding.status.value}{stage}, not "
            f"{wanted} — {finding.reason or '(no reason)'}"
        )
    return problems


def off_plan(items: Sequence[PlanItem], fresh: Sequence[Finding]) -> list[str]:
    """Planned settings whose value after remediation is not the value the plan showed.

    The plan told the admin "``current`` → ``desired``"; after remediation a fresh assessment's
    ``current`` must hold that ``desired`` (compared as the write helper compares a read-back:
    every field the plan names, lists whole). A staged item may instead read its stage's value.
    Items without a ``desired`` (guided steps) are not compared.
    """
    by_setting = {f.setting: f for f in fresh}
    problems = []
    for item in items:
        finding = by_setting.get(item.setting)
        if finding is None or item.desired is None:
            continue
        if same(finding.current, item.desired):
            continue
        if item.stage and _stage_name(finding) == item.stage and finding.status is Status.STAGED:
            continue
        problems.append(
            f"{item.setting}: the plan said it would become {_short(item.desired)}, but after remediation it "
            f"reads {_short(finding.current)}. Write exactly what the plan item's desired value says (a "
            "fresh read merged with it, for lists others edit); its Finding.current and desired must "
            "describe the same thing"
        )
    return problems


def _object(value: Any) -> str:
    """A whole object in a few words: its name when it has one, else its start."""
    if isinstance(value, Mapping):
        name = value.get("displayName") or value.get("name")
        if name:
            return f"{name!r}" + (f" (id {value['id']})" if value.get("id") else "")
    return _short(value, 100)


def describe_differences(differences: Iterable[Any], limit: int = 12) -> str:
    """One indented line per difference: created objects, removed ones and edited fields told apart."""
    lines = []
    items = list(differences)
    for diff in items[:limit]:
        if diff.before is None and diff.after is not None:
            lines.append(f"  {diff.path}: created and still there: {_object(diff.after)}")
        elif diff.after is None and diff.before is not None:
            lines.append(f"  {diff.path}: was {_object(diff.before)}, now missing")
        else:
            lines.append(f"  {diff.path}: was {_short(diff.before, 100)}, now {_short(diff.after, 100)}")
    if len(items) > limit:
        lines.append(f"  … and {len(items) - limit} more")
    return "\n".join(lines)


def config_value_set(desired: Any, key: str) -> bool:
    """Whether ``key`` of a control's validated configuration is set (present and not empty/false)."""
    if desired is None:
        return False
    value = desired.get(key) if isinstance(desired, Mapping) else getattr(desired, key, None)
    return bool(value)


def conditional_permissions(control: Control, desired: Any, *, write: bool) -> list[str]:
    """The permissions a control's settings declare as needed only under ``desired`` (``Setting.when_configured``)."""
    found: set[str] = set()
    for setting in control.settings:
        if write and not setting.write_api:
            continue
        for condition in setting.when_configured:
            if config_value_set(desired, condition.key):
                found.update(condition.write_permissions if write else condition.read_permissions)
    return sorted(found)

"""Each finding's requirement in a run's JSON: its level and the baselines that cite its setting.

A finding says how a setting stands; the declaration (``Setting.level``, ``Setting.baselines``)
says what requires it. ``assess --json`` joins the two here, so a script reads "CISA
MS.AAD.3.4v1" beside a failing setting and knows which entry of ``[remediation] requirements``
makes it count (:func:`scorekeeper.domain.levels.selects`), without a second command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scorekeeper.domain.model import Control


def with_requirements(run: dict[str, Any], controls: Mapping[str, Control]) -> dict[str, Any]:
    """``run`` (a ``RunResult.to_dict()``) with ``level`` and ``baselines`` on every finding whose
    setting an installed control declares; a finding of a control or setting not installed is
    left as it is (nothing is invented). Returns a new document; ``run`` is not changed."""
    out = dict(run)
    out["controls"] = [_control(c, controls.get(str(c.get("control")))) for c in run.get("controls") or []]
    return out


def _control(result: dict[str, Any], declared: Control | None) -> dict[str, Any]:
    if declared is None:
        return result
    declared_ids = set(declared.setting_ids)
    findings = []
    for finding in result.get("findings") or []:
        setting_id = str(finding.get("setting"))
        if setting_id in declared_ids:
            setting = declared.setting(setting_id)
            finding = {**finding, "level": setting.level.value, "baselines": list(setting.baselines)}
        findings.append(finding)
    return {**result, "findings": findings}

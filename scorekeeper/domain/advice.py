"""One rule: a failing setting the configured requirements do not select reads as *advice*, not *fail*.

``scorekeeper.domain.levels.selects`` judges whether a setting can fail a tenant; this applies
that judgement to a control's findings after assessment, where the engine also applies
exceptions and the pending score. A plugin never sets ``Status.ADVICE`` itself: the same
setting is advice under one configuration and a failure under another (``[remediation]
requirements``), and only the engine knows the configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from scorekeeper.domain.levels import selects
from scorekeeper.domain.model import Control, Finding, Setting, Status


def advice_reason(setting: Setting) -> str:
    """Why a failing setting is advice here: its level and baselines, and how to make it count."""
    cited = f" ({', '.join(setting.baselines)})" if setting.baselines else ""
    return (
        f"{setting.level.value}{cited}, not among the selected requirements: shown, never failing "
        "(select it in [remediation] requirements to make it count)"
    )


def with_advice(findings: Iterable[Finding], control: Control, requirements: Iterable[str]) -> tuple[Finding, ...]:
    """``findings`` with every failing, unselected setting turned :attr:`Status.ADVICE`.

    Only ``fail`` moves: a setting that passes, could not be read, is guided or staged keeps its
    status whatever its level (an unread advice setting is still unread). An excepted failure
    stays as it is: the exception already says why it does not count.
    """
    wanted = tuple(requirements)
    out = []
    for finding in findings:
        if finding.status is Status.FAIL and not finding.excepted:
            try:
                setting = control.setting(finding.setting)
            except KeyError:
                setting = None
            if setting is not None and not selects(wanted, setting.level, setting.baselines):
                reason = f"{finding.reason} [{advice_reason(setting)}]" if finding.reason else advice_reason(setting)
                finding = replace(finding, status=Status.ADVICE, reason=reason)
        out.append(finding)
    return tuple(out)

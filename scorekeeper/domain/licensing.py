"""Licence gating: a setting that needs a licence the tenant lacks is not applicable, never planned.

Settings declare their licence (``Setting.licence``); the plugin, which knows how to read the
tenant's subscriptions, says which licences the tenant holds. :func:`gate_by_licence` is the one
rule that turns a finding of an unlicensed setting into ``not_applicable`` with the reason and no
remediation, so no front end and no plan can offer a write that Microsoft would refuse or that
would do nothing without the licence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from scorekeeper.domain.model import Control, Finding, RemediationKind, Status


def unlicensed_reason(licence: str, detail: str = "") -> str:
    """The reason an unlicensed setting carries."""
    reason = f"not applicable: this tenant has no subscription that includes {licence}, which this setting needs"
    return reason + (f" ({detail})." if detail else ".")


def gate_by_licence(
    control: Control, findings: Iterable[Finding], held: Mapping[str, bool | None], detail: str = ""
) -> list[Finding]:
    """``findings`` with every setting whose licence ``held`` says is missing made not applicable.

    ``held`` maps a licence name (as settings declare it) to ``True`` (the tenant has it), ``False``
    (it does not) or ``None`` (the subscriptions could not be read). Only ``False`` gates: a licence
    that could not be read leaves the verdict to the setting's own rule, so nothing is invented.
    """
    out = []
    for finding in findings:
        try:
            licence = control.setting(finding.setting).licence
        except KeyError:
            licence = ""
        if licence and held.get(licence) is False and finding.status is not Status.NOT_APPLICABLE:
            finding = replace(
                finding,
                status=Status.NOT_APPLICABLE,
                reason=unlicensed_reason(licence, detail)
                + (f" Current state: {finding.reason}" if finding.reason else ""),
                remediation=RemediationKind.NONE,
                missing_permissions=(),
            )
        out.append(finding)
    return out

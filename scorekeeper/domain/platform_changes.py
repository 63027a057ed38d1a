"""Dated changes Microsoft makes to its platform, and which of them a tenant will feel.

A plugin declares the changes that can affect its settings on its :class:`~scorekeeper.Control`
(``platform_changes``), and marks each finding the change touches by naming the change's id in
``finding.evidence["platform_changes"]``. :func:`changes_ahead` is the one rule that turns that
into "Microsoft changes ahead" lines: the CLI, the TUI and the reports render its result and
decide nothing themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

# The two value types live with the other domain types; re-exported here, where the rule is.
from scorekeeper.domain.model import ChangeAhead, Control, Finding, PlatformChange

__all__ = ["EVIDENCE_KEY", "ChangeAhead", "PlatformChange", "changes_ahead", "marked"]

#: The evidence key under which a finding lists the ids of the platform changes that touch it.
EVIDENCE_KEY = "platform_changes"


def marked(finding: Finding) -> tuple[str, ...]:
    """The ids of the platform changes a finding says touch it."""
    ids = finding.evidence.get(EVIDENCE_KEY) if isinstance(finding.evidence, dict) else None
    return tuple(str(i) for i in ids) if isinstance(ids, list | tuple) else ()


def changes_ahead(control: Control, findings: Iterable[Finding], today: date) -> list[ChangeAhead]:
    """The declared changes still ahead (on or after ``today``) that touch at least one finding.

    A finding counts when it belongs to this control, names the change in its evidence and is one
    of the settings the change declares; a change already in effect is no longer "ahead".
    """
    touched: dict[str, list[str]] = {}
    for finding in findings:
        if finding.control != control.id:
            continue
        for change_id in marked(finding):
            touched.setdefault(change_id, []).append(finding.setting)
    ahead = []
    for change in control.platform_changes:
        settings = [s for s in touched.get(change.id, []) if s in change.settings]
        if settings and change.on >= today:
            ahead.append(ChangeAhead(change, tuple(dict.fromkeys(settings)), (change.on - today).days))
    return sorted(ahead, key=lambda a: (a.change.on, a.change.id))

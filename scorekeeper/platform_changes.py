"""Dated changes Microsoft makes to its platform, and which of them a tenant will feel.

A plugin declares the changes that can affect its settings on its :class:`~scorekeeper.Control`
(``platform_changes``), and marks each finding the change touches by naming the change's id in
``finding.evidence["platform_changes"]``. :func:`changes_ahead` is the one rule that turns that
into "Microsoft changes ahead" lines: the CLI, the TUI and the reports render its result and
decide nothing themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scorekeeper.model import Control, Finding

#: The evidence key under which a finding lists the ids of the platform changes that touch it.
EVIDENCE_KEY = "platform_changes"


@dataclass(frozen=True)
class PlatformChange:
    """One dated change Microsoft announced, as a plugin declares it.

    ``on`` is the day it takes effect; ``settings`` the settings it can affect; ``action`` what
    the admin should do before then; ``source`` Microsoft's page that announces it.
    """

    id: str
    on: date
    title: str
    settings: tuple[str, ...]
    action: str = ""
    source: str = ""


@dataclass(frozen=True)
class ChangeAhead:
    """A platform change that affects this tenant: the change, the settings it touches, days left."""

    change: PlatformChange
    settings: tuple[str, ...]
    days_left: int

    def line(self) -> str:
        """The one line every front end shows."""
        when = "today" if self.days_left == 0 else f"in {self.days_left} days"
        text = f"{self.change.on.isoformat()} ({when}): {self.change.title} — affects {', '.join(self.settings)}."
        if self.change.action:
            text += f" {self.change.action}"
        if self.change.source:
            text += f" ({self.change.source})"
        return text


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

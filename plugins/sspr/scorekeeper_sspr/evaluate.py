"""From a :class:`~scorekeeper_sspr.reads.Snapshot` to one finding per setting (no I/O).

Rules every row keeps: a value that could not be read is ``unknown`` with the reason (and the
missing permission when Graph said 403), never ``fail``; on-premises rows are ``not
applicable`` in a cloud-only tenant; failing rows that need a licence the tenant lacks say so.
The rows themselves are in :mod:`scorekeeper_sspr.rows`, listed in :data:`~scorekeeper_sspr.rows.table.ROWS`;
this module only runs them in catalogue order and applies the licence gate.
"""

from __future__ import annotations

from scorekeeper import Finding, SecureScore, gate_by_licence
from scorekeeper.reads import secure_score
from scorekeeper_sspr.config import SsprConfig
from scorekeeper_sspr.control import CONTROL
from scorekeeper_sspr.reads import Snapshot
from scorekeeper_sspr.rows.context import RowContext
from scorekeeper_sspr.rows.facts import gather_facts
from scorekeeper_sspr.rows.table import ROWS
from scorekeeper_sspr.settings import CONTROL_ID, P1, SETTINGS_BY_ID

__all__ = ["evaluate", "findings"]


def findings(snapshot: Snapshot, desired: SsprConfig) -> list[Finding]:
    """One finding per setting; settings needing Entra ID P1 are not applicable without it."""
    ctx = RowContext(snapshot, desired, gather_facts(snapshot, desired))
    found = [ROWS[setting_id](ctx) for setting_id in SETTINGS_BY_ID]
    return gate_by_licence(CONTROL, found, {P1: ctx.facts.licensed}, "see the license row")


def evaluate(snapshot: Snapshot, desired: SsprConfig) -> tuple[list[Finding], SecureScore | None]:
    """One finding per setting, in catalogue order, and the control's Secure Score when readable."""
    return findings(snapshot, desired), secure_score(snapshot.graph, CONTROL_ID).snapshot

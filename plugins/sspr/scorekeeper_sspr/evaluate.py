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
from scorekeeper_sspr.settings import CONTROL_ID, INTUNE, P1, SETTINGS_BY_ID, SSPR_LICENCE

__all__ = ["evaluate", "findings"]


def findings(snapshot: Snapshot, desired: SsprConfig) -> list[Finding]:
    """One finding per setting; a setting needing a licence the tenant lacks is not applicable (never planned).

    Three licences gate: Entra ID P1 (Conditional Access, writeback, banned passwords, the
    registration report), the SSPR licence (P1, or Microsoft 365 Business Standard/Premium: the SSPR
    policy itself) and Intune (the Windows sign-in profile), per concept-sspr-licensing.
    """
    facts = gather_facts(snapshot, desired)
    ctx = RowContext(snapshot, desired, facts)
    found = [ROWS[setting_id](ctx) for setting_id in SETTINGS_BY_ID]
    held = {P1: facts.licensed, SSPR_LICENCE: facts.sspr_licensed, INTUNE: facts.intune}
    return gate_by_licence(CONTROL, found, held, "see the license row")


def evaluate(snapshot: Snapshot, desired: SsprConfig) -> tuple[list[Finding], SecureScore | None]:
    """One finding per setting, in catalogue order, and the control's Secure Score when readable."""
    return findings(snapshot, desired), secure_score(snapshot.graph, CONTROL_ID).snapshot

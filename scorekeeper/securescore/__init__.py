"""The tenant's whole Secure Score: every control profile, its points and state, and the score's history.

Domain logic only (no CLI or TUI): :mod:`.read` reads Graph through msgraph-sdk,
:mod:`.overview` joins and ranks, :mod:`.record` keeps history, :mod:`.states` changes a
control's state through the engine's write path. Front ends and reports call
:func:`scorekeeper.securescore.history.secure_score_overview` (from history) or
``Engine.secure_score`` (live).
"""

from __future__ import annotations

from scorekeeper.domain.securescore import (
    SCHEMA_VERSION,
    STATES,
    Comparison,
    ControlScore,
    ControlState,
    DailyScore,
    ScoreOverview,
    TrendPoint,
)

__all__ = [
    "SCHEMA_VERSION",
    "STATES",
    "Comparison",
    "ControlScore",
    "ControlState",
    "DailyScore",
    "ScoreOverview",
    "TrendPoint",
]

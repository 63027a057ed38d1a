"""The history store: every run, finding, change, score and attestation, in SQLite or PostgreSQL.

``from scorekeeper.store import HistoryStore`` is cheap until it is used: the SQLAlchemy/SQLModel
stack is imported on first access to :class:`HistoryStore`, so the CLI's ``--help`` and commands
that never touch history start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scorekeeper.store.records import DriftEvent, RunSummary, StoreError, TenantOverview

if TYPE_CHECKING:
    from scorekeeper.store.history import HistoryStore

__all__ = ["DriftEvent", "HistoryStore", "RunSummary", "StoreError", "TenantOverview"]


def __getattr__(name: str) -> Any:
    if name == "HistoryStore":
        from scorekeeper.store.history import HistoryStore

        return HistoryStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The tenant's whole Secure Score per day, as the store's transactions around ``tenant_scores.py``.

``tenant_scores.py`` holds the queries (functions over a session, also called inside
``record_run``'s transaction); this is where each becomes one short transaction of its own, for
callers outside a run: the first run's import of Microsoft's kept history, trends for reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scorekeeper.domain.securescore import ControlScore, DailyScore, TrendPoint
from scorekeeper.store import tenant_scores
from scorekeeper.store.records import StoreError
from scorekeeper.store.transactions import Transactions

__all__ = ["WholeScoreHistory"]


class WholeScoreHistory(Transactions):
    """Keeping the tenant's total Secure Score per day, and reading its trend and newest value."""

    def record_tenant_scores(
        self,
        tenant: str,
        scores: Iterable[DailyScore],
        *,
        source: str,
        run_id: int | None = None,
        profiles: Iterable[ControlScore] = (),
    ) -> int:
        """Keep the tenant's whole score per day (``assessment`` with its run, or ``imported``); returns rows added."""
        if source not in tenant_scores.SOURCES:
            raise StoreError(f"unknown score source {source!r}; expected one of {', '.join(tenant_scores.SOURCES)}")
        with self._write() as session:
            self._ensure_tenant(session, tenant)
            return tenant_scores.add(session, tenant, scores, source=source, run_id=run_id, profiles=profiles)

    def has_tenant_scores(self, tenant: str) -> bool:
        """Whether the tenant's whole score was ever recorded (its first run imports Microsoft's history)."""
        with self._read() as session:
            return tenant_scores.held(session, tenant)

    def scored_tenants(self) -> set[str]:
        """Every tenant whose whole score was ever recorded: one query for a fleet, not one per tenant."""
        with self._read() as session:
            return tenant_scores.held_by(session)

    def score_trend(self, tenant: str, days: int = 90) -> list[TrendPoint]:
        """The tenant's total Secure Score per day over the last ``days`` days, oldest first."""
        with self._read() as session:
            return tenant_scores.trend(session, tenant, days)

    def score_trends(self, tenants: Iterable[str], days: int = 90) -> dict[str, list[TrendPoint]]:
        """:meth:`score_trend` of many tenants at once (fleet reports)."""
        with self._read() as session:
            return tenant_scores.trends(session, tenants, days)

    def latest_tenant_scores(self, tenants: Iterable[str]) -> dict[str, tuple[DailyScore, list[dict[str, Any]]]]:
        """:meth:`latest_tenant_score` of many tenants at once (tenants with none are left out)."""
        with self._read() as session:
            return tenant_scores.latest_with_profiles_of(session, tenants)

    def latest_tenant_score(self, tenant: str) -> tuple[DailyScore, list[dict[str, Any]]] | None:
        """The newest assessed whole score that carries control profiles, with those profiles (as dicts)."""
        with self._read() as session:
            return tenant_scores.latest_with_profiles(session, tenant)

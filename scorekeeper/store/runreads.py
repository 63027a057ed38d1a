"""Runs read back: one run whole, lists and pages of runs with their counts, and many runs at once.

Apart from writing runs because readers differ in what they can afford: the TUI lists runs a
page at a time, a report of a fleet needs hundreds of runs in a few statements (``bulk.py``), and
neither may hold a transaction open for long. Every method here is one read transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from scorekeeper.domain.model import Finding, RunResult
from scorekeeper.store import bulk, convert
from scorekeeper.store.records import RunSummary, empty_counts
from scorekeeper.store.tables import FindingBodyRow, FindingRow, RunRow
from scorekeeper.store.transactions import Transactions

if TYPE_CHECKING:
    from scorekeeper.store.orgnames import KnownOrganization
    from scorekeeper.store.runpages import RunCursor

__all__ = ["RunReads"]


class RunReads(Transactions):
    """Runs as reports, the CLI and the TUI read them."""

    def get_run(self, run_id: int) -> RunResult | None:
        """One run with its findings, changes and scores grouped by control; ``None`` if unknown.

        A run still going (or cut short) has no finish time; ``finished_at`` then repeats
        ``started_at`` and ``status`` says ``running`` or ``interrupted``.
        """
        with self._read() as session:
            return bulk.runs_by_id(session, [run_id]).get(run_id)

    def runs_by_id(self, run_ids: Iterable[int]) -> dict[int, RunResult]:
        """Several runs as :meth:`get_run` returns them, in a few statements (unknown ids left out)."""
        with self._read() as session:
            return bulk.runs_by_id(session, run_ids)

    def latest_run_ids(self, tenants: Iterable[str], kind: str = "assess") -> dict[str, int]:
        """The newest run of ``kind`` of each of ``tenants`` that has one."""
        with self._read() as session:
            return bulk.latest_run_ids(session, list(tenants), kind)

    def previous_run_ids(
        self, runs: Iterable[tuple[int, str]], kind: str = "assess", status: str = "completed"
    ) -> dict[int, int]:
        """For each ``(run_id, tenant)``, the newest earlier run of ``kind`` that ended ``status``."""
        with self._read() as session:
            return bulk.previous_run_ids(session, list(runs), kind, status)

    def finding_statuses(self, run_ids: Iterable[int]) -> dict[int, dict[tuple[str, str], str]]:
        """Each run's finding status per ``(control, setting)``."""
        with self._read() as session:
            return bulk.finding_statuses(session, list(run_ids))

    def organizations_known_at(self, run_ids: Iterable[int]) -> dict[int, KnownOrganization]:
        """Each run's tenant names as the newest run at or before it recorded them (``orgnames.py``)."""
        from scorekeeper.store.orgnames import known_organizations

        with self._read() as session:
            return known_organizations(session, run_ids)

    def runs(
        self,
        tenant: str | None = None,
        *,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
        exclude_kinds: Iterable[str] = (),
    ) -> list[RunSummary]:
        """Runs newest first, optionally of one tenant and one kind (or not of ``exclude_kinds``), with counts."""
        query = (
            select(RunRow).order_by(col(RunRow.started_at).desc(), col(RunRow.id).desc()).limit(limit).offset(offset)
        )
        if tenant is not None:
            query = query.where(col(RunRow.tenant) == tenant)
        if kind is not None:
            query = query.where(col(RunRow.kind) == kind)
        excluded = list(exclude_kinds)
        if excluded:
            query = query.where(col(RunRow.kind).not_in(excluded))
        with self._read() as session:
            rows = list(session.execute(query).scalars())
            counts = self._counts(session, [r.id for r in rows if r.id is not None])
        return [_summary(r, counts) for r in rows]

    def runs_page(
        self,
        limit: int = 100,
        *,
        tenants: Collection[str] | None = None,
        exclude_kinds: Sequence[str] = (),
        after: RunCursor | None = None,
    ) -> list[RunSummary]:
        """A page of :meth:`runs` (``tenants``: all when ``None``) older than ``after``: keyset paging (runpages.py)."""
        from scorekeeper.store.runpages import page_of_runs

        query = page_of_runs(limit, tenants=tenants, exclude_kinds=exclude_kinds, after=after)
        with self._read() as session:
            ids = list(session.execute(query).scalars())
            found = session.execute(select(RunRow).where(col(RunRow.id).in_(ids))).scalars() if ids else ()
            rows = {r.id: r for r in found}
            counts = self._counts(session, ids)
        return [_summary(rows[i], counts) for i in ids if i in rows]

    def batch_of(self, run_id: int) -> list[RunSummary]:
        """The runs one command recorded with ``run_id``: same process, same kind, oldest first ([] if unknown).

        A ``remediate --group`` writes one run per tenant from one process, so host, pid and
        ``process_key`` (boot and PID namespace) tie a fleet operation's runs together without a
        column of their own (``rollback --fleet``); a day either side bounds a reused pid.
        """
        from datetime import timedelta

        with self._read() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                return []
            day = timedelta(days=1)
            query = (
                select(RunRow)
                .where(
                    col(RunRow.host) == row.host,
                    col(RunRow.pid) == row.pid,
                    col(RunRow.process_key) == row.process_key,
                    col(RunRow.kind) == row.kind,
                    col(RunRow.started_at).between(row.started_at - day, row.started_at + day),
                )
                .order_by(col(RunRow.id))
            )
            rows = [row] if row.pid is None else list(session.execute(query).scalars())
            counts = self._counts(session, [r.id for r in rows if r.id is not None])
        return [_summary(r, counts) for r in rows]

    def latest_run(
        self, tenant: str, kind: str = "assess", before_run_id: int | None = None, *, status: str | None = None
    ) -> RunSummary | None:
        """The newest run of ``kind`` for ``tenant`` (older than ``before_run_id`` when given)."""
        query = (
            select(RunRow)
            .where(col(RunRow.tenant) == tenant, col(RunRow.kind) == kind)
            .order_by(col(RunRow.id).desc())
            .limit(1)
        )
        if before_run_id is not None:
            query = query.where(col(RunRow.id) < before_run_id)
        if status is not None:
            query = query.where(col(RunRow.status) == status)
        with self._read() as session:
            row = session.execute(query).scalars().first()
            if row is None:
                return None
            assert row.id is not None
            return _summary(row, self._counts(session, [row.id]))

    def planned_from(self, run_id: int) -> tuple[int | None, list[Finding]]:
        """The run that run ``run_id`` was planned from (its parent: a plan or an assessment) and its findings.

        Whom a remediation's changes affected is recorded there: the plan is derived from those
        findings (their impact and stage), committed before the confirmation and the first write.
        ``(None, [])`` for a run with no parent (or one pruned since).
        """
        with self._read() as session:
            parent = session.execute(select(col(RunRow.parent_run_id)).where(col(RunRow.id) == run_id)).scalar()
            if parent is None or session.get(RunRow, parent) is None:
                return None, []
            return parent, [convert.finding_from_row(r) for r in _finding_bodies(session, parent)]

    def findings_for_run(self, run_id: int) -> list[Finding]:
        """A run's findings in the order they were recorded."""
        with self._read() as session:
            return [convert.finding_from_row(r) for r in _finding_bodies(session, run_id)]

    @staticmethod
    def _counts(session: Session, run_ids: list[int]) -> dict[int, dict[str, int]]:
        """Finding counts per status for many runs in one grouped query."""
        counts: dict[int, dict[str, int]] = defaultdict(empty_counts)
        if run_ids:
            for run_id, status, n in session.execute(
                select(col(FindingRow.run_id), col(FindingBodyRow.status), func.count())
                .join(FindingBodyRow, col(FindingBodyRow.id) == col(FindingRow.body_id))
                .where(col(FindingRow.run_id).in_(run_ids))
                .group_by(col(FindingRow.run_id), col(FindingBodyRow.status))
            ):
                counts[run_id][status] = n
        return counts


def _finding_bodies(session: Session, run_id: int) -> list[FindingBodyRow]:
    """A run's finding bodies in the order the run reported them."""
    query = (
        select(FindingBodyRow)
        .join(FindingRow, col(FindingRow.body_id) == col(FindingBodyRow.id))
        .where(col(FindingRow.run_id) == run_id)
        .order_by(col(FindingRow.id))
    )
    return list(session.execute(query).scalars())


def _summary(row: RunRow, counts: Mapping[int, dict[str, int]]) -> RunSummary:
    """A run row as the listings return it, with its finding counts (zeros for a run with no findings)."""
    assert row.id is not None
    return RunSummary(
        id=row.id,
        tenant=row.tenant,
        kind=row.kind,
        status=row.status,
        scheduled=row.scheduled,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts={**empty_counts(), **(counts.get(row.id) or {})},
        parent_run_id=row.parent_run_id,
        controls=tuple(row.controls or ()),
        error=row.error,
        actor=convert.actor_from_row(row),
    )

"""``HistoryStore``: the reads and writes the engine, CLI, TUI and scheduler make against history.

Every public method is one short transaction, so that several processes can share one SQLite
file: writes take the write lock up front (``BEGIN IMMEDIATE``, see ``db.py``) and release it on
return; nothing holds a transaction open across an ``await`` or a network call. The one rule the
engine relies on most: :meth:`HistoryStore.change_started` has committed the before-value by the
time it returns, before the plugin writes to the tenant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from scorekeeper.actor import local_actor
from scorekeeper.model import (
    Actor,
    Attestation,
    Change,
    ControlResult,
    Finding,
    Organization,
    Outcome,
    RunResult,
    SecureScore,
)
from scorekeeper.securescore.model import AssessedScore, ControlScore, DailyScore, TrendPoint
from scorekeeper.store import bulk, convert, db, driftdetect, retention, runwrite, summary, tenant_scores
from scorekeeper.store.heartbeat import Heartbeat
from scorekeeper.store.leases import LeaseTable
from scorekeeper.store.liveness import gone, this_process
from scorekeeper.store.overview import ASSESSING_KINDS, build_overview
from scorekeeper.store.records import DriftEvent, RunSummary, StoreError, TenantOverview, empty_counts
from scorekeeper.store.retention import PruneResult
from scorekeeper.store.tables import (
    DRIFT_KINDS,
    RUN_KINDS,
    RUN_STATUSES,
    AttestationRow,
    ChangeRow,
    ControlResultRow,
    DriftEventRow,
    FindingBodyRow,
    FindingRow,
    LatestResultRow,
    RunRow,
    ScoreSnapshotRow,
    TenantRow,
)

if TYPE_CHECKING:
    from scorekeeper.store.controlcell import ControlCell
    from scorekeeper.store.orgnames import KnownOrganization
    from scorekeeper.store.runpages import RunCursor


def _now() -> datetime:
    return datetime.now(UTC)


class HistoryStore:
    """The history database. Open with :meth:`open`; safe to share between threads of one process."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose schema is already at head; use :meth:`open` unless you migrated yourself."""
        self._engine = engine
        self._write_engine = engine.execution_options(**{db.WRITE_OPTION: True})
        self._os_user = local_actor().os_user
        # Tenants whose row this store has seen committed: rows are never deleted, so start_run
        # need not look a known tenant up again (one statement fewer per assessed tenant).
        self._known_tenants: set[str] = set()
        self.heartbeat = Heartbeat(self._write)
        self.leases = LeaseTable(self)

    @classmethod
    def open(cls, url_or_path: str | Path | None = None) -> HistoryStore:
        """Open (and migrate) the database at ``url_or_path``: ``None`` for the default file, a path or a URL.

        Raises :class:`StoreError` when the database cannot be opened or was migrated by a newer
        scorekeeper.
        """
        return cls(db.open_engine(url_or_path))

    @property
    def url(self) -> str:
        """Where this store is, with any password masked."""
        return db.safe_url(self._engine.url)

    @property
    def one_writer_at_a_time(self) -> bool:
        """True on SQLite, whose write lock covers the whole database (see ``store/loopwrites.py``)."""
        return self._engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Release every pooled connection (SQLite checkpoints the WAL when the last one closes)."""
        self.heartbeat.close()
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction holding the write lock from its first statement to commit."""
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"history database write failed: {_reason(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """One read transaction: a consistent snapshot that never blocks writers (WAL)."""
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"history database read failed: {_reason(exc)}") from exc

    # ------------------------------------------------------------------ runs
    def start_run(
        self,
        tenant: str,
        kind: str,
        *,
        controls: list[str],
        scheduled: bool = False,
        parent_run_id: int | None = None,
        tenant_id: str = "",
        actor: Actor | None = None,
    ) -> int:
        """Record that a run began (status ``running``) and return its id.

        ``parent_run_id`` is the run a ``verify`` or ``rollback`` refers to. The process is
        recorded and the run's heartbeat kept fresh until :meth:`finish_run`, so that
        :meth:`interrupt_stale_runs` can tell a dead run from a live one.
        ``actor`` says who acted (this process's OS user when not given); the token's identity
        is usually known only later, see :meth:`record_identity`.
        """
        if kind not in RUN_KINDS:
            raise StoreError(f"unknown run kind {kind!r}; expected one of {', '.join(RUN_KINDS)}")
        me = this_process()
        if not tenant:
            raise StoreError("a tenant name is required")
        with self._write() as session:  # Core statements built once (runwrite.py): every tenant run pays this
            core = session.connection()
            if tenant_id or tenant not in self._known_tenants:
                runwrite.ensure_tenant(core, tenant, tenant_id, _now)
            if parent_run_id is not None and session.get(RunRow, parent_run_id) is None:
                raise StoreError(f"parent run {parent_run_id} is not in history")
            now = _now()
            run_id = runwrite.insert_run(
                core,
                {
                    "tenant": tenant,
                    "kind": kind,
                    "status": "running",
                    "scheduled": scheduled,
                    "parent_run_id": parent_run_id,
                    "controls": list(controls),
                    "started_at": now,
                    "pid": me.pid,
                    "host": actor.host if actor and actor.host else me.host,
                    "os_user": actor.os_user if actor and actor.os_user else self._os_user,
                    "identity": actor.identity if actor else "",
                    "process_key": me.key,
                    "heartbeat_at": now,
                    "heartbeat_seconds": self.heartbeat.interval,
                },
            )
        self._known_tenants.add(tenant)
        self.heartbeat.add_run(run_id)
        return run_id

    def record_identity(self, run_id: int, identity: str) -> None:
        """Record the identity the tenant's token named for a run (``app <appid>`` or a UPN)."""
        if not identity:
            return
        with self._write() as session:
            session.execute(update(RunRow).where(RunRow.id == run_id).values(identity=identity))

    def run_actor(self, run_id: int) -> Actor | None:
        """Who acted in a run (OS user, host, token identity); ``None`` for an unknown run."""
        with self._read() as session:
            row = session.get(RunRow, run_id)
            return _actor(row) if row is not None else None

    def finish_run(self, run_id: int, status: str = "completed", error: str = "") -> None:
        """Close a run with its final status (``completed``, ``failed`` or ``interrupted``)."""
        if status not in RUN_STATUSES or status == "running":
            raise StoreError(f"a run cannot finish as {status!r}; expected completed, failed or interrupted")
        with self._write() as session:
            done = session.execute(
                update(RunRow).where(RunRow.id == run_id).values(status=status, error=error, finished_at=_now())
            )
            if done.rowcount != 1:
                raise StoreError(f"no run {run_id} in history")
        self.heartbeat.remove_run(run_id)

    def record_control_result(self, run_id: int, result: ControlResult) -> None:
        """Store one control's findings and Secure Score snapshot for a run.

        Changes that carry an id were stored by :meth:`change_started` and are left alone; any
        without one (a caller that did not record them as they happened) are stored now, so that
        nothing a run reports is lost.
        """
        with self._write() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"no run {run_id} in history")
            session.add(ControlResultRow(run_id=run_id, control=result.control, title=result.title, error=result.error))
            runwrite.insert_findings(session, run_id, result.findings)
            if result.score is not None:
                session.add(
                    ScoreSnapshotRow(
                        run_id=run_id,
                        tenant=run.tenant,
                        control=result.control,
                        score=result.score.score,
                        max_score=result.score.max_score,
                        taken_at=result.score.taken_at or _now(),
                    )
                )
            touched = {result.control, *(f.control for f in result.findings)}
            summary.lock_current(session, run.tenant, touched)
            if run.kind in ASSESSING_KINDS:
                _point_latest(session, run.tenant, result.control, run_id)
            session.flush()
            summary.refresh(session, [(run.tenant, control) for control in touched])  # exact, from the tables
            now = _now()
            for change in result.changes:
                if change.id is None:
                    row = convert.change_row(run_id, result.control, change, now)
                    row.finished_at = now
                    session.add(row)

    def record_run(
        self,
        run_id: int,
        results: Iterable[ControlResult],
        status: str = "completed",
        error: str = "",
        *,
        detect_drift: bool = False,
        versions: Mapping[str, str] | None = None,
        organization: Organization | None = None,
        identity: str = "",
        tenant_id: str = "",
        tenant_score: AssessedScore | None = None,
    ) -> Actor | None:
        """Store every control's result, close the run and (optionally) record its drift: one transaction.

        What :meth:`record_control_result` for each control, :meth:`finish_run` and
        :meth:`detect_drift` do one by one, in a single write with bulk statements, so a fleet
        pays one commit per tenant run instead of five. Returns the run's actor (as
        :meth:`run_actor` would), so the caller needs no second read. In the same transaction:
        ``versions`` (scorekeeper's and each plugin distribution's, ``scorekeeper.runversions``)
        and ``organization`` (the tenant's names as the run read them,
        ``scorekeeper.organization``), ``None`` recording nothing for them; ``identity``, what
        :meth:`record_identity` would record, and ``tenant_id``, what :meth:`record_tenant_id`
        would ("" for neither); ``tenant_score``, the tenant's whole Secure Score as
        :meth:`record_tenant_scores` would keep it (with the days to import on a first run).
        """
        if status not in RUN_STATUSES or status == "running":
            raise StoreError(f"a run cannot finish as {status!r}; expected completed, failed or interrupted")
        results = list(results)
        now = _now()
        with self._write() as session:
            core = session.connection()  # Core statements on the session's connection: no ORM layer per statement
            profiles = tenant_scores.profile_set(tenant_score.profiles) if tenant_score is not None else None
            digest = profiles.digest if profiles is not None else None
            today = tenant_score.today if tenant_score is not None else None
            map_digest = tenant_scores.controls_digest(today.controls) if today is not None else None
            digests = {"profiles_digest": digest, "controls_digest": map_digest}
            digests["versions_digest"] = runwrite.versions_digest(versions)
            run = core.execute(runwrite.RUN_FOR_RESULTS, {"run_id": run_id, **digests}).first()
            if run is None:
                raise StoreError(f"no run {run_id} in history")
            # The previous assessment's bodies: an unchanged run's digests need no lookup, drift compares the ids.
            before = runwrite.run_bodies(core, run.previous_id) if run.previous_id is not None else []
            known = {digest: body_id for body_id, digest in before}
            body_ids = runwrite.write_results(core, run_id, run.tenant, run.kind, results, now, known)
            for result in results:
                for change in result.changes:
                    if change.id is None:
                        row = convert.change_row(run_id, result.control, change, now)
                        row.finished_at = now
                        session.add(row)
            who = identity or run.identity or ""
            finish = {"id_": run_id, "status": status, "error": error, "finished_at": now, "who": who}
            if versions is not None or organization is not None:
                stored = runwrite.versions_id(core, versions, run.versions_id)
                finish |= runwrite.run_facts(run_id, stored, organization)
                core.execute(runwrite.FINISH_RUN_WITH_FACTS, finish)
            else:
                core.execute(runwrite.FINISH_RUN, finish)
            if tenant_id and tenant_id != run.tenant_id:  # an unchanged directory id is not written again
                runwrite.set_tenant_id(core, run.tenant, tenant_id)
            if tenant_score is not None:
                known_maps = {map_digest: run.controls_id} if map_digest and run.controls_id is not None else None
                tenant_scores.add_record(
                    core,
                    run.tenant,
                    run_id,
                    tenant_score,
                    profiles=profiles,
                    known_set_id=run.profiles_id,
                    known_maps=known_maps,
                )
            # The one drift rule, as detect_drift (idempotent; against the previous completed
            # assessment, both read with the run above); this run's facts from memory.
            if detect_drift and status == "completed" and not run.drift_recorded and run.previous_id is not None:
                total = tenant_score.today if tenant_score is not None else driftdetect.read_total(core, run_id)
                facts = driftdetect.facts_of(results, total)
                previous_ids = [body_id for body_id, _ in before]
                driftdetect.drift_against(session, run_id, run.tenant, run.previous_id, facts, body_ids, previous_ids)
            actor = Actor(os_user=run.os_user or "", host=run.host or "", identity=who)
        self.heartbeat.remove_run(run_id)  # finished: nothing left to keep alive
        return actor

    def get_run(self, run_id: int) -> RunResult | None:
        """One run with its findings, changes and scores grouped by control; ``None`` if unknown.

        A run still going (or cut short) has no finish time; ``finished_at`` then repeats
        ``started_at`` and ``status`` says ``running`` or ``interrupted``.
        """
        with self._read() as session:
            return bulk.runs_by_id(session, [run_id]).get(run_id)

    # ------------------------------------------------------------------ many runs at once (reports)
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

    def score_histories(self, tenants: Iterable[str], limit: int = 200) -> dict[tuple[str, str], list[SecureScore]]:
        """The newest ``limit`` snapshots of every control of ``tenants``, oldest first, by (tenant, control)."""
        with self._read() as session:
            return bulk.score_histories(session, list(tenants), limit)

    def attestations_of(self, tenants: Iterable[str]) -> dict[str, list[Attestation]]:
        """The attestations of each of ``tenants``, oldest first."""
        with self._read() as session:
            return bulk.attestations_of(session, list(tenants))

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
        query = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit).offset(offset)
        if tenant is not None:
            query = query.where(RunRow.tenant == tenant)
        if kind is not None:
            query = query.where(RunRow.kind == kind)
        excluded = list(exclude_kinds)
        if excluded:
            query = query.where(RunRow.kind.not_in(excluded))
        with self._read() as session:
            rows = list(session.execute(query).scalars())
            counts = self._counts(session, [r.id for r in rows if r.id is not None])
        return [_summary(r, counts.get(r.id)) for r in rows]

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
            rows = {r.id: r for r in session.execute(select(RunRow).where(RunRow.id.in_(ids))).scalars()} if ids else {}
            counts = self._counts(session, ids)
        return [_summary(rows[i], counts.get(i)) for i in ids if i in rows]

    def latest_run(
        self, tenant: str, kind: str = "assess", before_run_id: int | None = None, *, status: str | None = None
    ) -> RunSummary | None:
        """The newest run of ``kind`` for ``tenant`` (older than ``before_run_id`` when given)."""
        query = select(RunRow).where(RunRow.tenant == tenant, RunRow.kind == kind).order_by(RunRow.id.desc()).limit(1)
        if before_run_id is not None:
            query = query.where(RunRow.id < before_run_id)
        if status is not None:
            query = query.where(RunRow.status == status)
        with self._read() as session:
            row = session.execute(query).scalars().first()
            if row is None:
                return None
            assert row.id is not None
            return _summary(row, self._counts(session, [row.id]).get(row.id))

    @staticmethod
    def _counts(session: Session, run_ids: list[int]) -> dict[int, dict[str, int]]:
        """Finding counts per status for many runs in one grouped query."""
        counts: dict[int, dict[str, int]] = defaultdict(empty_counts)
        if run_ids:
            for run_id, status, n in session.execute(
                select(FindingRow.run_id, FindingBodyRow.status, func.count())
                .join(FindingBodyRow, FindingBodyRow.id == FindingRow.body_id)
                .where(FindingRow.run_id.in_(run_ids))
                .group_by(FindingRow.run_id, FindingBodyRow.status)
            ):
                counts[run_id][status] = n
        return counts

    def findings_for_run(self, run_id: int) -> list[Finding]:
        """A run's findings in the order they were recorded."""
        with self._read() as session:
            return [convert.finding_from_row(r) for r in _finding_bodies(session, run_id)]

    def interrupt_stale_runs(self, *, older_than: timedelta | None = None) -> int:
        """Mark ``interrupted`` the runs left ``running`` by a process that is gone; return how many.

        A run is gone when its heartbeat is older than a few of its intervals, or — on the same
        boot and PID namespace only — when its process id no longer exists (see ``liveness.py``).
        That holds across hosts and in containers whose PID 1 never exits. Runs recorded before
        heartbeats existed are only interrupted when they started more than ``older_than`` ago.
        Their changes stay as recorded, so rollback can restore them.
        """
        with self._read() as session:
            running = list(session.execute(select(RunRow).where(RunRow.status == "running")).scalars())
        if not running:
            return 0
        now = _now()
        stale: dict[int, str] = {}
        for run in running:
            assert run.id is not None
            reason = gone(
                pid=run.pid,
                key=run.process_key,
                heartbeat_at=run.heartbeat_at,
                interval=run.heartbeat_seconds,
                now=now,
            )
            legacy = run.heartbeat_at is None and older_than is not None
            if reason is None and legacy and older_than is not None and run.started_at < now - older_than:
                reason = f"no finish recorded since {run.started_at:%Y-%m-%d %H:%M} UTC"
            if reason is not None:
                where = f"pid {run.pid} on {run.host}" if run.host else "an unknown process"
                stale[run.id] = f"interrupted: {reason} ({where}) before the run finished"
        if not stale:
            return 0
        with self._write() as session:
            for run_id, reason in stale.items():
                session.execute(
                    update(RunRow)
                    .where(RunRow.id == run_id, RunRow.status == "running")
                    .values(status="interrupted", error=reason, finished_at=now)
                )
        return len(stale)

    # ------------------------------------------------------------------ changes
    def change_started(self, run_id: int, control: str, change: Change) -> int:
        """Persist a write's before-value and commit it before the write happens; return the change id."""
        with self._write() as session:
            if session.get(RunRow, run_id) is None:
                raise StoreError(f"no run {run_id} in history")
            row = convert.change_row(run_id, control, change, _now())
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def change_finished(self, change: Change) -> None:
        """Record a write's outcome (``after``, ``outcome``, ``resource``, ``error``) by ``change.id``."""
        if change.id is None:
            raise StoreError(f"change of {change.setting!r} has no id; record it with change_started first")
        with self._write() as session:
            done = session.execute(
                update(ChangeRow)
                .where(ChangeRow.id == change.id)
                .values(
                    after=change.after,
                    outcome=Outcome(change.outcome).value,
                    resource=dict(change.resource),
                    created=change.created,
                    error=change.error,
                    finished_at=_now(),
                )
            )
            if done.rowcount != 1:
                raise StoreError(f"no change {change.id} in history")

    def changes_for_run(self, run_id: int) -> list[tuple[str, Change]]:
        """``(control, change)`` pairs of a run, in the order the writes were started."""
        with self._read() as session:
            rows = session.execute(select(ChangeRow).where(ChangeRow.run_id == run_id).order_by(ChangeRow.id))
            return [(r.control, convert.change_from_row(r)) for r in rows.scalars()]

    def mark_rolled_back(self, change_ids: list[int], rollback_run_id: int) -> None:
        """Note that ``rollback_run_id`` restored these changes, so they are not rolled back twice."""
        ids = sorted(set(change_ids))
        if not ids:
            return
        with self._write() as session:
            if session.get(RunRow, rollback_run_id) is None:
                raise StoreError(f"no run {rollback_run_id} in history")
            done = session.execute(
                update(ChangeRow).where(ChangeRow.id.in_(ids)).values(rolled_back_by_run_id=rollback_run_id)
            )
            if done.rowcount != len(ids):
                raise StoreError(f"only {done.rowcount} of changes {ids} are in history; none were marked")

    def record_tenant_id(self, tenant: str, tenant_id: str) -> None:
        """Keep the directory (Entra) tenant id a session used for ``tenant`` (reports name it)."""
        if tenant_id:
            with self._write() as session:
                self._ensure_tenant(session, tenant, tenant_id)

    def tenant_ids(self) -> dict[str, str]:
        """Each tenant's Entra tenant id as last recorded ("" when never recorded), by name."""
        with self._read() as session:
            return {name: tid for name, tid in session.execute(select(TenantRow.name, TenantRow.tenant_id))}

    # ------------------------------------------------------------------ scores and overview
    def score_history(self, tenant: str, control: str, limit: int = 200) -> list[SecureScore]:
        """The latest ``limit`` score snapshots of a control in a tenant, oldest first (``[-1]`` is newest)."""
        with self._read() as session:
            rows = session.execute(
                select(ScoreSnapshotRow)
                .where(ScoreSnapshotRow.tenant == tenant, ScoreSnapshotRow.control == control)
                .order_by(ScoreSnapshotRow.taken_at.desc(), ScoreSnapshotRow.id.desc())
                .limit(limit)
            )
            return [convert.score_from_row(r) for r in reversed(list(rows.scalars()))]

    def overview(self) -> list[TenantOverview]:
        """One cell per tenant × control with its latest counts, score, trend and drift (see ``overview.py``)."""
        with self._read() as session:
            return build_overview(session)

    def control_cell(self, tenant: str, control: str) -> ControlCell | None:
        """One tenant × control's newest assessment, read on its own (``controlcell.py``: the TUI's control view)."""
        from scorekeeper.store.controlcell import control_cell

        with self._read() as session:
            return control_cell(session, tenant, control)

    def prune(self, keep_days: int, *, dry_run: bool = False, now: datetime | None = None) -> PruneResult:
        """Delete what the retention policy lets go (see ``retention.py``): runs older than ``keep_days``.

        ``dry_run`` counts without deleting. Runs go in chunks, one short transaction each.
        """
        if keep_days < 1:
            raise StoreError("keep_days must be at least 1")
        cutoff = (now or _now()) - timedelta(days=keep_days)
        with self._read() as session:
            ids = retention.prunable_runs(session, cutoff)
            if dry_run:
                return PruneResult(len(ids), retention.count_findings(session, ids), 0, cutoff)
        findings = 0
        for start in range(0, len(ids), retention.CHUNK):
            with self._write() as session:
                findings += retention.delete_runs(session, ids[start : start + retention.CHUNK])
        with self._write() as session:
            bodies = retention.delete_orphan_bodies(session)
        return PruneResult(len(ids), findings, bodies, cutoff)

    def rebuild_latest_results(self) -> int:
        """Recompute every ``latest_results`` pointer and its summary from history (after pruning runs by hand).

        Returns how many tenant × control pairs there are.
        """
        newest = (
            select(RunRow.tenant, ControlResultRow.control, func.max(RunRow.id))
            .join(RunRow, RunRow.id == ControlResultRow.run_id)
            .where(RunRow.kind.in_(ASSESSING_KINDS))
            .group_by(RunRow.tenant, ControlResultRow.control)
        )
        with self._write() as session:
            session.execute(delete(LatestResultRow))
            session.execute(insert(LatestResultRow).from_select(["tenant", "control", "run_id"], newest))
            summary.refresh(session)
            return session.execute(select(func.count()).select_from(LatestResultRow)).scalar_one()

    # ------------------------------------------------------------------ whole Secure Score
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

    # ------------------------------------------------------------------ attestations
    def record_attestation(self, att: Attestation) -> int:
        """Keep a person's statement that a guided setting is done; returns its id."""
        with self._write() as session:
            self._ensure_tenant(session, att.tenant)
            row = AttestationRow(
                tenant=att.tenant, control=att.control, setting=att.setting, by=att.by, note=att.note, at=att.at
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def attested_pairs(self) -> set[tuple[str, str]]:
        """Every (tenant, control) with at least one attestation: lets a fleet skip asking the rest."""
        with self._read() as session:
            rows = session.execute(select(AttestationRow.tenant, AttestationRow.control).distinct())
            return {(tenant, control) for tenant, control in rows}

    def attestations(self, tenant: str, control: str | None = None) -> list[Attestation]:
        """A tenant's attestations, oldest first (so a dict built from them keeps the newest per setting)."""
        query = select(AttestationRow).where(AttestationRow.tenant == tenant)
        if control is not None:
            query = query.where(AttestationRow.control == control)
        with self._read() as session:
            rows = session.execute(query.order_by(AttestationRow.at, AttestationRow.id))
            return [convert.attestation_from_row(r) for r in rows.scalars()]

    # ------------------------------------------------------------------ drift
    def record_drift(self, event: DriftEvent) -> int:
        """Store one drift event (``at`` defaults to now); returns its id."""
        if event.kind not in DRIFT_KINDS:
            raise StoreError(f"unknown drift kind {event.kind!r}; expected one of {', '.join(DRIFT_KINDS)}")
        with self._write() as session:
            self._ensure_tenant(session, event.tenant)
            row = convert.drift_to_row(event, _now())
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def drift_events(self, tenant: str | None = None, limit: int = 100) -> list[DriftEvent]:
        """Drift events newest first, optionally of one tenant."""
        query = select(DriftEventRow).order_by(DriftEventRow.at.desc(), DriftEventRow.id.desc()).limit(limit)
        if tenant is not None:
            query = query.where(DriftEventRow.tenant == tenant)
        with self._read() as session:
            return [convert.drift_from_row(r) for r in session.execute(query).scalars()]

    def drift_of_runs(self, run_ids: Iterable[int]) -> dict[int, list[DriftEvent]]:
        """The drift each of ``run_ids`` found (runs without drift are left out)."""
        ids = list(run_ids)
        if not ids:
            return {}
        query = select(DriftEventRow).where(DriftEventRow.run_id.in_(ids)).order_by(DriftEventRow.id)
        found: dict[int, list[DriftEvent]] = {}
        with self._read() as session:
            for row in session.execute(query).scalars():
                found.setdefault(row.run_id, []).append(convert.drift_from_row(row))
        return found

    def detect_drift(self, run_id: int) -> list[DriftEvent]:
        """Compare an assessment with the tenant's previous completed one; record and return the drift.

        Idempotent: when drift was already recorded for ``run_id`` those events are returned and
        nothing new is written. Returns ``[]`` for a run with no earlier assessment to compare with.
        """
        with self._write() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise StoreError(f"no run {run_id} in history")
            return self._drift_in(session, run)

    @staticmethod
    def _drift_in(session: Session, run: RunRow) -> list[DriftEvent]:
        """:meth:`detect_drift` inside an open write transaction (the run's facts read back)."""
        assert run.id is not None
        return driftdetect.drift_in(session, run.id, run.tenant)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _ensure_tenant(session: Session, name: str, tenant_id: str = "") -> None:
        """Create the tenant row on first sight; fill in its directory id once it is known."""
        if not name:
            raise StoreError("a tenant name is required")
        row = session.execute(select(TenantRow).where(TenantRow.name == name)).scalars().first()
        if row is None:
            session.add(TenantRow(name=name, tenant_id=tenant_id, created_at=_now()))
            session.flush()
        elif tenant_id and row.tenant_id != tenant_id:
            row.tenant_id = tenant_id


def _point_latest(session: Session, tenant: str, control: str, run_id: int) -> None:
    """Move the tenant × control's latest-assessment pointer to ``run_id`` unless a newer run holds it."""
    table = LatestResultRow.__table__
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as upsert
        else:
            from sqlalchemy.dialects.postgresql import insert as upsert
        statement = upsert(table).values(tenant=tenant, control=control, run_id=run_id)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["tenant", "control"],
                set_={"run_id": statement.excluded.run_id},
                where=table.c.run_id < statement.excluded.run_id,
            )
        )
        return
    current = session.execute(
        select(LatestResultRow).where(LatestResultRow.tenant == tenant, LatestResultRow.control == control)
    ).scalar_one_or_none()
    if current is None:
        session.add(LatestResultRow(tenant=tenant, control=control, run_id=run_id))
    elif current.run_id < run_id:
        current.run_id = run_id


def _finding_bodies(session: Session, run_id: int) -> list[FindingBodyRow]:
    """A run's finding bodies in the order the run reported them."""
    query = (
        select(FindingBodyRow)
        .join(FindingRow, FindingRow.body_id == FindingBodyRow.id)
        .where(FindingRow.run_id == run_id)
        .order_by(FindingRow.id)
    )
    return list(session.execute(query).scalars())


def _actor(row: RunRow) -> Actor:
    return convert.actor_from_row(row)


def _summary(row: RunRow, counts: dict[str, int] | None) -> RunSummary:
    assert row.id is not None
    return RunSummary(
        id=row.id,
        tenant=row.tenant,
        kind=row.kind,
        status=row.status,
        scheduled=row.scheduled,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts={**empty_counts(), **(counts or {})},
        parent_run_id=row.parent_run_id,
        controls=tuple(row.controls or ()),
        error=row.error,
        actor=_actor(row),
    )


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own message (``database is locked``, a constraint name), without the SQL or parameters."""
    orig: Any = getattr(exc, "orig", None)
    return str(orig) if orig is not None else type(exc).__name__


__all__ = ["HistoryStore"]

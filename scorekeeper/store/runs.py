"""A run's life in history: started, who acted, finished, or found dead and marked ``interrupted``.

Kept apart from what a run found (``results.py``) and from reading runs back (``runreads.py``)
because this is what makes history trustworthy across processes: a run is recorded before it
touches a tenant, its heartbeat kept fresh while it lives, and a run whose process is gone is
closed by whoever looks next, so rollback still finds its changes. The tenant's directory id is
kept here as well, since a run's session is what learns it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, select, update
from sqlmodel import col

from scorekeeper.domain.model import Actor
from scorekeeper.store import convert, runwrite
from scorekeeper.store.liveness import gone, this_process
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import RUN_KINDS, RUN_STATUSES, RunRow, TenantRow
from scorekeeper.store.transactions import Transactions, rowcount

__all__ = ["RunHistory"]

_RUNS: Table = RunRow.__table__  # type: ignore[attr-defined]
#: What :meth:`RunHistory.interrupt_stale_runs` judges a running run by: a Core select prepared
#: once (every command looks at the running runs first; the ORM select's first compile alone cost
#: ~10 ms of a 300-tenant ``assess``).
_RUNNING = Prepared(
    select(
        _RUNS.c.id,
        _RUNS.c.pid,
        _RUNS.c.process_key,
        _RUNS.c.heartbeat_at,
        _RUNS.c.heartbeat_seconds,
        _RUNS.c.started_at,
        _RUNS.c.host,
    ).where(_RUNS.c.status == "running")
)


class RunHistory(Transactions):
    """Opening and closing runs, and the facts about who ran them."""

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
        with self._write_connection() as core:  # statements prepared once (runwrite.py): every tenant run pays this
            if tenant_id or tenant not in self._known_tenants:
                runwrite.ensure_tenant(core, tenant, tenant_id, self._clock)
            if parent_run_id is not None and not runwrite.run_exists(core, parent_run_id):
                raise StoreError(f"parent run {parent_run_id} is not in history")
            now = self._clock()
            run_id = runwrite.insert_run(
                core,
                {
                    "tenant": tenant,
                    "kind": kind,
                    "status": "running",
                    "scheduled": scheduled,
                    "parent_run_id": parent_run_id,
                    "controls": list(controls),
                    "error": "",
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
            session.execute(update(RunRow).where(col(RunRow.id) == run_id).values(identity=identity))

    def run_actor(self, run_id: int) -> Actor | None:
        """Who acted in a run (OS user, host, token identity); ``None`` for an unknown run."""
        with self._read() as session:
            row = session.get(RunRow, run_id)
            return convert.actor_from_row(row) if row is not None else None

    def finish_run(self, run_id: int, status: str = "completed", error: str = "") -> None:
        """Close a run with its final status (``completed``, ``failed`` or ``interrupted``)."""
        if status not in RUN_STATUSES or status == "running":
            raise StoreError(f"a run cannot finish as {status!r}; expected completed, failed or interrupted")
        with self._write() as session:
            done = session.execute(
                update(RunRow)
                .where(col(RunRow.id) == run_id)
                .values(status=status, error=error, finished_at=self._clock())
            )
            if rowcount(done) != 1:
                raise StoreError(f"no run {run_id} in history")
        self.heartbeat.remove_run(run_id)

    def interrupt_stale_runs(self, *, older_than: timedelta | None = None) -> int:
        """Mark ``interrupted`` the runs left ``running`` by a process that is gone; return how many.

        A run is gone when its heartbeat is older than a few of its intervals, or — on the same
        boot and PID namespace only — when its process id no longer exists (see ``liveness.py``).
        That holds across hosts and in containers whose PID 1 never exits. Runs recorded before
        heartbeats existed are only interrupted when they started more than ``older_than`` ago.
        Their changes stay as recorded, so rollback can restore them.
        """
        with self._read() as session:
            running = _RUNNING.rows(session.connection())
        if not running:
            return 0
        now = self._clock()
        stale: dict[int, str] = {}
        for run_id, pid, process_key, heartbeat_at, heartbeat_seconds, started_at, host in running:
            reason = gone(pid=pid, key=process_key, heartbeat_at=heartbeat_at, interval=heartbeat_seconds, now=now)
            legacy = heartbeat_at is None and older_than is not None
            if reason is None and legacy and older_than is not None and started_at < now - older_than:
                reason = f"no finish recorded since {started_at:%Y-%m-%d %H:%M} UTC"
            if reason is not None:
                where = f"pid {pid} on {host}" if host else "an unknown process"
                stale[run_id] = f"interrupted: {reason} ({where}) before the run finished"
        if not stale:
            return 0
        with self._write() as session:
            for run_id, reason in stale.items():
                session.execute(
                    update(RunRow)
                    .where(col(RunRow.id) == run_id, col(RunRow.status) == "running")
                    .values(status="interrupted", error=reason, finished_at=now)
                )
        return len(stale)

    def record_tenant_id(self, tenant: str, tenant_id: str) -> None:
        """Keep the directory (Entra) tenant id a session used for ``tenant`` (reports name it)."""
        if tenant_id:
            with self._write() as session:
                self._ensure_tenant(session, tenant, tenant_id)

    def tenant_ids(self) -> dict[str, str]:
        """Each tenant's Entra tenant id as last recorded ("" when never recorded), by name."""
        with self._read() as session:
            rows = session.execute(select(col(TenantRow.name), col(TenantRow.tenant_id)))
            return {name: tid for name, tid in rows}

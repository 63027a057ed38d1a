"""The SQL of the writer lease: acquire, take over, attach a run, release. Domain API: ``scorekeeper.safety.lease``.

Atomicity comes from statements both SQLite and PostgreSQL run the same way, no advisory locks
or dialect extensions:

* **acquire** is an ``INSERT``; the primary key on ``tenant`` makes a second writer's insert
  fail, whoever commits first;
* **take over** a dead writer's lease is ``UPDATE … WHERE tenant = :t AND token = :old AND
  heartbeat_at < :cutoff`` — a compare-and-swap on what we read: if the old writer beat in
  between, or a third process took over first, nothing is updated and we report the current
  holder. (A holder found dead by its process id on this machine cannot beat again, so there the
  token alone is compared.)
* **release** is ``DELETE … WHERE token = :ours``, so a writer that lost its lease can never
  delete its successor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scorekeeper.store.liveness import ProcessIdentity, gone, stale_after
from scorekeeper.store.prepared import Prepared
from scorekeeper.store.records import StoreError
from scorekeeper.store.tables import TenantLeaseRow

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds (or held) a tenant's writer lease, as stored."""

    tenant: str
    token: str
    purpose: str
    run_id: int | None
    host: str
    pid: int | None
    process_key: str
    acquired_at: datetime
    heartbeat_at: datetime
    heartbeat_seconds: float

    def describe(self) -> str:
        """``remediate run 12 (pid 4242 on host-a) since 2026-12-01 07:40:12 UTC``."""
        what = self.purpose or "a writer"
        run = f" run {self.run_id}" if self.run_id is not None else " (planning, no run yet)"
        who = f"pid {self.pid} on {self.host}" if self.host else f"pid {self.pid}"
        return f"{what}{run} ({who}) since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"

    def dead_because(self, now: datetime) -> str | None:
        return gone(
            pid=self.pid,
            key=self.process_key,
            heartbeat_at=self.heartbeat_at,
            interval=self.heartbeat_seconds,
            now=now,
        )


@dataclass(frozen=True)
class AcquireResult:
    """``acquired`` with ``previous`` set means we took over a dead writer's lease."""

    acquired: bool
    holder: LeaseHolder | None = None  # the current holder when refused
    previous: LeaseHolder | None = None  # the dead holder we replaced
    previous_reason: str = ""


def _holder(row: TenantLeaseRow) -> LeaseHolder:
    return LeaseHolder(
        tenant=row.tenant,
        token=row.token,
        purpose=row.purpose,
        run_id=row.run_id,
        host=row.host,
        pid=row.pid,
        process_key=row.process_key,
        acquired_at=row.acquired_at,
        heartbeat_at=row.heartbeat_at,
        heartbeat_seconds=row.heartbeat_seconds,
    )


class SessionSource(Protocol):
    """The history store's two kinds of transaction (:class:`~scorekeeper.store.history.HistoryStore` is one)."""

    def _read(self) -> AbstractContextManager[Session]: ...

    def _write(self) -> AbstractContextManager[Session]: ...

    def _write_connection(self) -> AbstractContextManager[Connection]: ...


# The three statements every writer sends per tenant (take, name the run, give back), compiled once:
# a fleet remediation or rollback takes a lease per tenant, and through the ORM each cost more CPU
# than the database's own work.
_LEASES = TenantLeaseRow.__table__  # type: ignore[attr-defined]
_LEASE_COLUMNS = [c.key for c in _LEASES.columns]
_TAKE = Prepared(insert(_LEASES), columns=_LEASE_COLUMNS)
_ATTACH = Prepared(
    update(_LEASES)
    .where(_LEASES.c.tenant == bindparam("tenant_key"), _LEASES.c.token == bindparam("token_value"))
    .values(run_id=bindparam("run"))
)
_GIVE_BACK = Prepared(
    delete(_LEASES).where(_LEASES.c.tenant == bindparam("tenant_key"), _LEASES.c.token == bindparam("token_value"))
)


class LeaseTable:
    """``tenant_leases`` rows of one history store. Each method is one short transaction or two."""

    def __init__(self, store: SessionSource) -> None:
        self._store = store

    def try_acquire(self, tenant: str, token: str, purpose: str, me: ProcessIdentity, interval: float) -> AcquireResult:
        """Take the lease, or take over a dead holder's; never waits. See the module docstring."""
        for _ in range(3):  # a holder that releases between our INSERT and our SELECT: try again
            now = datetime.now(UTC)
            row = {
                "tenant": tenant,
                "token": token,
                "purpose": purpose,
                "run_id": None,
                "host": me.host,
                "pid": me.pid,
                "process_key": me.key,
                "acquired_at": now,
                "heartbeat_at": now,
                "heartbeat_seconds": interval,
            }
            try:
                with self._store._write_connection() as connection:
                    _TAKE.execute(connection, row)
                return AcquireResult(True)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError):
                    raise
            current = self.holder(tenant)
            if current is None:
                continue
            if current.token == token:
                return AcquireResult(True)
            reason = current.dead_because(datetime.now(UTC))
            if reason is None:
                return AcquireResult(False, holder=current)
            swap = [TenantLeaseRow.tenant == tenant, TenantLeaseRow.token == current.token]
            cutoff = now - stale_after(current.heartbeat_seconds)
            if current.heartbeat_at < cutoff:  # dead by silence: still silent when we swap
                swap.append(TenantLeaseRow.heartbeat_at < cutoff)
            with self._store._write() as session:
                done = session.execute(
                    update(TenantLeaseRow)
                    .where(*swap)
                    .values(
                        token=token,
                        purpose=purpose,
                        run_id=None,
                        host=me.host,
                        pid=me.pid,
                        process_key=me.key,
                        acquired_at=now,
                        heartbeat_at=now,
                        heartbeat_seconds=interval,
                    )
                )
            if done.rowcount == 1:
                return AcquireResult(True, previous=current, previous_reason=reason)
        current = self.holder(tenant)
        return AcquireResult(current is not None and current.token == token, holder=current)

    def holder(self, tenant: str) -> LeaseHolder | None:
        with self._store._read() as session:
            row = session.get(TenantLeaseRow, tenant)
            return _holder(row) if row is not None else None

    def attach_run(self, tenant: str, token: str, run_id: int) -> bool:
        """Record which run writes under the lease; ``False`` if the lease is no longer ours."""
        with self._store._write_connection() as connection:
            done = _ATTACH.execute(connection, {"tenant_key": tenant, "token_value": token, "run": run_id})
            return bool(done.rowcount == 1)

    def release(self, tenant: str, token: str) -> None:
        with self._store._write_connection() as connection:
            _GIVE_BACK.execute(connection, {"tenant_key": tenant, "token_value": token})

    def all(self) -> list[LeaseHolder]:
        with self._store._read() as session:
            return [_holder(r) for r in session.execute(select(TenantLeaseRow)).scalars()]

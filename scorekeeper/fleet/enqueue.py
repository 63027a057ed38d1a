"""Putting work on the queue: one job per tenant (``--queue``, and the scheduler in fleet mode)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scorekeeper.fleet import ASSESS_TASK, REMEDIATE_TASK, queueing_lock, tenant_lock


@dataclass(frozen=True)
class Enqueued:
    """One tenant's job: its id, or ``None`` with ``waiting`` when an identical job already waits."""

    tenant: str
    kind: str
    job_id: int | None
    waiting: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "kind": self.kind, "job_id": self.job_id, "already_waiting": self.waiting}


async def enqueue(
    app: Any,
    tenants: Iterable[str],
    controls: Iterable[str] = (),
    *,
    kind: str = "assess",
    scheduled: bool = False,
    dedupe: bool = False,
) -> list[Enqueued]:
    """Defer one ``kind`` job per tenant on the opened procrastinate ``app``.

    Every job carries the tenant's lock (one job of a tenant runs at a time). With ``dedupe``
    (the scheduler), it also carries a queueing lock: while the same job for that tenant still
    waits, another is not added — so a tenant slower than its schedule has one job waiting, not
    a pile.
    """
    from procrastinate.exceptions import AlreadyEnqueued

    task = app.tasks[REMEDIATE_TASK if kind == "remediate" else ASSESS_TASK]
    chosen = sorted(set(controls))
    control = chosen[0] if len(chosen) == 1 else ("+".join(chosen) or None)
    done: list[Enqueued] = []
    for tenant in tenants:
        options: dict[str, Any] = {"lock": tenant_lock(tenant)}
        if dedupe:
            options["queueing_lock"] = queueing_lock(kind, tenant, control)
        try:
            job_id = await task.configure(**options).defer_async(tenant=tenant, controls=chosen, scheduled=scheduled)
        except AlreadyEnqueued:
            done.append(Enqueued(tenant, kind, None, waiting=True))
            continue
        done.append(Enqueued(tenant, kind, int(job_id)))
    return done

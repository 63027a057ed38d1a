"""The engine's verification when a controller has no ``verify``: re-assess, then re-read each write.

Compliance comes from the fresh assessment; whether each write stuck comes from re-reading the
resource the write helper recorded (``Change.resource["read"]``, else the request's own path)
and comparing it with ``Change.after``. A change recorded without its request (``record_change``)
gets compliance only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scorekeeper.domain.model import Change, Finding, Status, Verification
from scorekeeper.plugin.writes import Request
from scorekeeper.safety.restore import read_request
from scorekeeper.safety.verification import check_write, verified

if TYPE_CHECKING:
    from scorekeeper.plugin.context import TenantContext


async def read_back(tenant: TenantContext, change: Change) -> tuple[Verification, str] | None:
    """Whether ``change`` stuck, from a fresh read of its resource; ``None`` when nothing says where."""
    from scorekeeper.graph.errors import GraphCallError

    read: Request | None
    if change.created:
        path = change.resource.get("path")
        if not path:
            return None
        recorded = change.resource.get("request") or {}
        read = Request("GET", str(path), None, recorded.get("api", "graph"), str(recorded.get("version", "v1.0")))
    else:
        read = read_request(change)
        if read is None:
            return None
    try:
        observed = await tenant.send(read)
    except GraphCallError as exc:
        if exc.status == 404:
            observed = None
        else:
            return check_write(change, None, readable=False, why=str(exc))
    return check_write(change, observed)


async def read_backs(tenant: TenantContext, changes: Sequence[Change]) -> list[tuple[Verification, str] | None]:
    """:func:`read_back` of every change, concurrently (one wave of reads while a tenant is changed)."""
    return list(await asyncio.gather(*(read_back(tenant, change) for change in changes)))


def combine(
    tenant: TenantContext,
    assessed: Sequence[Finding],
    changes: Sequence[Change],
    checks: Sequence[tuple[Verification, str] | None],
) -> list[Finding]:
    """One finding per changed setting: its fresh assessment, with how its writes read back (``checks``)."""
    by_setting = {f.setting: f for f in assessed}
    found: dict[str, list[tuple[Verification, str]]] = {}
    for change, check in zip(changes, checks, strict=True):
        found.setdefault(change.setting, [])
        if check is not None:
            found[change.setting].append(check)
    out = []
    for setting, setting_checks in found.items():
        finding = by_setting.get(setting) or Finding(
            control=tenant.control,
            setting=setting,
            status=Status.UNKNOWN,
            reason="the assessment has no finding for it",
        )
        out.append(verified(finding, setting_checks))
    return out


async def default_verify(
    tenant: TenantContext, assessed: Sequence[Finding], changes: Sequence[Change]
) -> list[Finding]:
    """One finding per changed setting: its fresh assessment, with how its writes read back."""
    return combine(tenant, assessed, changes, await read_backs(tenant, changes))

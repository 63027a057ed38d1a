"""The default rollback: make what a recorded change wrote equal to its before-value again.

The implementation of the public :mod:`scorekeeper.restore` (whose docstring is the full story).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import Change, JSONValue, Outcome, Restoration, RestoreStatus
from scorekeeper.plugin.resend import RESEND_ATTEMPTS
from scorekeeper.plugin.writes import Request, find_marked, marker_tag, project, same, searchable

if TYPE_CHECKING:
    from scorekeeper.plugin.context import TenantContext


def merged(current: JSONValue, before: JSONValue) -> JSONValue:
    """``current`` with ``before``'s fields put back (recursively): the body of a read-modify-write restore."""
    if isinstance(current, Mapping) and isinstance(before, Mapping):
        out = dict(current)
        for key, value in before.items():
            out[key] = merged(current.get(key), value)
        return out
    return before


def _where(change: Change) -> str:
    request = change.resource.get("request") or {}
    return str(change.resource.get("path") or request.get("path") or change.resource.get("id") or change.setting)


def _by_hand(change: Change, what: str) -> str:
    return f"{what}; by hand, make {_where(change)} read {change.before!r} again"


async def restore(
    tenant: TenantContext, change: Change, run_id: int, created: frozenset[str] = frozenset()
) -> Restoration:
    """Restore one change of run ``run_id`` (see the module docstring); never raises for a tenant error.

    ``created`` holds the paths of objects the same run created: a write to one of them whose
    object is gone (404) needs no restore, since before the run the object did not exist.
    """
    from scorekeeper.graph.errors import GraphCallError

    try:
        if change.created:
            return await _remove_created(tenant, change, run_id)
        return await _put_back(tenant, change, run_id)
    except GraphCallError as exc:
        target = _where(change)
        if exc.status == 404 and any(target == p or target.startswith(p.rstrip("/") + "/") for p in created):
            return Restoration(
                change, RestoreStatus.ALREADY, f"{target} belonged to an object this run created, now gone"
            )
        if exc.status == 0 or exc.status in (429, 500, 502, 503, 504):  # no answer, or not now: try again later
            return Restoration(
                change,
                RestoreStatus.FAILED,
                f"the tenant answered {exc}; run `scorekeeper rollback {run_id}` again to retry, "
                f"or make {target} read {change.before!r} by hand",
            )
        return Restoration(change, RestoreStatus.FAILED, _by_hand(change, f"the tenant answered {exc}"))


def read_request(change: Change) -> Request | None:
    recorded = change.resource.get("request")
    if not isinstance(recorded, Mapping):
        return None
    read = change.resource.get("read")
    if isinstance(read, Mapping):
        return Request.from_dict(read)
    sent = Request.from_dict(recorded)
    return Request("GET", sent.path, None, sent.api, sent.version)


#: How often a default restore is sent at most (the first time included): the write helper's rule
#: for every write that got no answer (scorekeeper/plugin/resend.py), which restores follow too.
RESTORE_ATTEMPTS = RESEND_ATTEMPTS


async def _put_back(tenant: TenantContext, change: Change, run_id: int) -> Restoration:
    recorded = change.resource.get("request")
    read = read_request(change)
    if not isinstance(recorded, Mapping) or read is None:
        return Restoration(
            change,
            RestoreStatus.FAILED,
            _by_hand(change, "recorded without the request it sent (not through the write helper): no default restore"),
        )
    sent = Request.from_dict(recorded)
    if sent.method == "DELETE" and change.resource.get("compensates") is not None:
        # It deleted what change N of the same run had just created: rolling N back covers both.
        return Restoration(change, RestoreStatus.ALREADY, f"it undid change {change.resource['compensates']}")
    current = await tenant.send(read)
    if same(current, change.before):
        return Restoration(change, RestoreStatus.ALREADY, f"{read.path} reads as before")
    undo = _undo(change, sent, current)
    if undo is None:
        return Restoration(change, RestoreStatus.FAILED, _by_hand(change, f"no default restore for a {sent.method}"))
    # The write helper reads back a restore that got no answer and sends it again while the read
    # says it did not take (RESTORE_ATTEMPTS in all): rollback reads before it writes, and
    # putting the same fields back twice changes nothing.
    written = await tenant.write(
        change.setting,
        undo.method,
        undo.path,
        undo.body,
        before=project(current, change.before),
        after=change.before,
        api=undo.api,
        version=undo.version,
        read=read.path if read.path != undo.path else None,
        resource={"type": change.resource.get("type", ""), "restores": change.id},
        # The default restore sets exactly the before-value's fields: restores of other settings of
        # the same resource, made at the same moment, may share its request (safety/wire.py).
        merge=not isinstance(change.resource.get("undo"), Mapping),
    )
    writes = (written,)
    if written.outcome is Outcome.FAILED:
        return Restoration(
            change,
            RestoreStatus.FAILED,
            _by_hand(change, f"the restore was refused: {written.error}"),
            writes,
        )
    current = await tenant.send(read)
    times = int(written.resource.get("sent") or 1)
    if same(current, change.before):
        again = f" (sent {times} times: {written.resource.get('attempts')})" if times > 1 else ""
        return Restoration(change, RestoreStatus.RESTORED, f"{read.path} reads as before again{again}", writes)
    seen = project(current, change.before)
    if written.outcome is Outcome.AMBIGUOUS:
        return Restoration(
            change,
            RestoreStatus.FAILED,
            f"sent the restore {times} times and got no answer the tenant kept ({_unanswered(written)}); "
            f"{_where(change)} still reads {seen!r}; run `scorekeeper rollback {run_id}` again to retry, "
            f"or make it read {change.before!r} by hand",
            writes,
        )
    return Restoration(change, RestoreStatus.FAILED, _by_hand(change, f"after the restore it reads {seen!r}"), writes)


def _undo(change: Change, sent: Request, current: JSONValue) -> Request | None:
    """The request that puts ``change.before`` back, given what the resource reads now (``current``)."""
    undo_spec = change.resource.get("undo")
    if isinstance(undo_spec, Mapping):
        return Request.from_dict(undo_spec)
    if sent.method == "PATCH":
        return Request("PATCH", sent.path, change.before, sent.api, sent.version)
    if sent.method == "PUT":
        return Request("PUT", sent.path, merged(current, change.before), sent.api, sent.version)
    return None


def _unanswered(write: Change) -> str:
    """What a restore that got no usable answer was told, without its "outcome unknown" lead."""
    return write.error.split(": ", 1)[-1] if write.error else "no answer"


async def _nothing() -> list[str]:
    return []


def _recorded_paths(change: Change) -> list[str]:
    """Where the objects a create made are, as recorded: its ``path`` and every adopted one (``paths``)."""
    paths: list[str] = []
    for candidate in [change.resource.get("path"), *(change.resource.get("paths") or [])]:
        if candidate and str(candidate) not in paths:
            paths.append(str(candidate))
    return paths


async def _exists(tenant: TenantContext, path: str, api: str, version: str) -> bool:
    """Whether ``path`` reads (200) or is gone (404); any other answer raises: it proves nothing."""
    from scorekeeper.graph.errors import GraphCallError

    try:
        await tenant.send(Request("GET", path, None, api, version))  # type: ignore[arg-type]
    except GraphCallError as exc:
        if exc.status == 404:
            return False
        raise
    return True


async def _remove_created(tenant: TenantContext, change: Change, run_id: int) -> Restoration:
    """Delete every object the create made, then prove by reading that none is left.

    The objects are the recorded ones (``path``, and ``paths`` adopted after an ambiguous
    create) that still read, and every object carrying the change's marker. Whatever each
    ``DELETE`` answered, each one is read again (a 404 is the proof) and the marker searched
    again (nothing may carry it): a ``DELETE`` answered 500, or timed out, without taking effect
    leaves the object there, and the change "could not restore", open for the next rollback.
    A marker that only *matches* fields (a directory setting: one per template, no free text)
    is searched only when no object was recorded; the recorded one's 404 is then the proof.
    """
    from scorekeeper.graph.errors import GraphCallError

    recorded = change.resource.get("request") or {}
    api, version = str(recorded.get("api", "graph")), str(recorded.get("version", "v1.0"))
    marker: Any = change.resource.get("marker")
    paths = _recorded_paths(change)
    tag = marker_tag(run_id, change.id) if change.id is not None else ""
    search = searchable(marker) and change.id is not None
    # A marker in the object's own text names this change's objects only: they are all deleted.
    # A marker that only matches fields (a directory setting's template) could name someone
    # else's object: it chooses what to delete only when nothing was recorded (an orphan), and
    # otherwise only proves, afterwards, that no such object is left.
    search_first = search and (bool(marker.get("field")) or not paths)
    collection = str(marker.get("collection", "")) if isinstance(marker, Mapping) else ""
    if not paths and not search:
        return Restoration(
            change,
            RestoreStatus.FAILED,
            f"nothing identifies the object it created (no id was recorded and it carries no marker); "
            f"look for it in {collection or _where(change)} and delete it by hand",
        )

    async def present(searching: bool) -> list[str]:
        # Every recorded object and the marker's collection read at once (one wave of reads).
        exists, marked = await asyncio.gather(
            asyncio.gather(*(_exists(tenant, p, api, version) for p in paths)),
            find_marked(tenant, marker, tag, api=api, version=version) if searching else _nothing(),
        )
        found = [p for p, there in zip(paths, exists, strict=True) if there]
        return found + [p for p in marked if p not in found]

    try:
        targets = await present(search_first)
    except GraphCallError as exc:
        return Restoration(
            change,
            RestoreStatus.FAILED,
            f"could not read whether the object it created is still there ({exc}); run the rollback again",
        )
    writes: list[Change] = []
    for target in targets:
        writes.append(
            await tenant.write(
                change.setting,
                "DELETE",
                target,
                None,
                before={"path": target},
                after=None,
                api=api,  # type: ignore[arg-type]
                version=version,
                resource={"type": change.resource.get("type", ""), "restores": change.id, "path": target},
            )
        )
    mark = "" if not search else tag if marker.get("field") else str(dict(marker.get("match") or {}))
    proof = "GET answers 404" + (f", and no object in {collection} carries {mark}" if search else "")
    try:
        left = await present(search)  # the proof: read again, whatever each DELETE answered
    except GraphCallError as exc:
        deleted = ", ".join(targets) or "nothing"
        return Restoration(
            change,
            RestoreStatus.FAILED,
            f"sent DELETE for {deleted} but could not read the result ({exc}); run the rollback again",
            tuple(writes),
        )
    if left:
        answers = {w.resource.get("path"): w for w in writes}
        why = []
        for path in left:
            sent = answers.get(path)
            if sent is None and not search_first:
                why.append(
                    f"{path} matches {mark} but is not the object this change recorded (someone else's?): "
                    "check it, and delete it by hand if this run made it"
                )
            elif sent is None:
                why.append(f"{path} appeared during the rollback")
            elif sent.outcome is Outcome.APPLIED:
                why.append(f"{path} still reads after its DELETE was answered with success")
            else:
                why.append(f"{path} still exists after its DELETE ({sent.outcome.value}: {sent.error or 'no answer'})")
        return Restoration(
            change,
            RestoreStatus.FAILED,
            "; ".join(why) + f"; run `scorekeeper rollback {run_id}` again to retry, or delete it by hand",
            tuple(writes),
        )
    if not targets:
        return Restoration(change, RestoreStatus.ALREADY, f"the object it created does not exist (any more): {proof}")
    return Restoration(change, RestoreStatus.RESTORED, f"deleted {', '.join(targets)}; {proof}", tuple(writes))

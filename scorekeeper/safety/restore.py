"""The default rollback: make what a recorded change wrote equal to its before-value again.

The implementation of the public :mod:`scorekeeper.restore` (whose docstring is the full story).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import Change, JSONValue, Outcome, Restoration, RestoreStatus
from scorekeeper.plugin.writes import Request, marker_tag, project, same

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
        return await _put_back(tenant, change)
    except GraphCallError as exc:
        target = _where(change)
        if exc.status == 404 and any(target == p or target.startswith(p.rstrip("/") + "/") for p in created):
            return Restoration(
                change, RestoreStatus.ALREADY, f"{target} belonged to an object this run created, now gone"
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


async def _put_back(tenant: TenantContext, change: Change) -> Restoration:
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
    undo_spec = change.resource.get("undo")
    if isinstance(undo_spec, Mapping):
        undo = Request.from_dict(undo_spec)
    elif sent.method == "PATCH":
        undo = Request("PATCH", sent.path, change.before, sent.api, sent.version)
    elif sent.method == "PUT":
        undo = Request("PUT", sent.path, merged(current, change.before), sent.api, sent.version)
    else:
        return Restoration(change, RestoreStatus.FAILED, _by_hand(change, f"no default restore for a {sent.method}"))
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
    )
    return await _confirm(tenant, change, read, written)


async def _confirm(tenant: TenantContext, change: Change, read: Request, written: Change) -> Restoration:
    if written.outcome is Outcome.FAILED:
        return Restoration(
            change, RestoreStatus.FAILED, _by_hand(change, f"the restore was refused: {written.error}"), (written,)
        )
    observed = await tenant.send(read)
    if same(observed, change.before):
        return Restoration(change, RestoreStatus.RESTORED, f"{read.path} reads as before again", (written,))
    return Restoration(
        change,
        RestoreStatus.FAILED,
        _by_hand(change, f"after the restore it reads {project(observed, change.before)!r}"),
        (written,),
    )


async def _remove_created(tenant: TenantContext, change: Change, run_id: int) -> Restoration:
    from scorekeeper.graph.errors import GraphCallError

    recorded = change.resource.get("request") or {}
    api, version = str(recorded.get("api", "graph")), str(recorded.get("version", "v1.0"))
    paths: list[str] = []
    path = change.resource.get("path")
    if path:
        try:
            await tenant.send(Request("GET", str(path), None, api, version))  # type: ignore[arg-type]
            paths = [str(path)]
        except GraphCallError as exc:
            if exc.status != 404:
                raise
    else:
        paths = await _find_by_marker(tenant, change, run_id, api, version)
    if not paths:
        return Restoration(change, RestoreStatus.ALREADY, "the object it created does not exist (any more)")
    writes = []
    for target in paths:
        done = await tenant.write(
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
        writes.append(done)
        if done.outcome is Outcome.FAILED and "404" not in done.error:
            return Restoration(
                change,
                RestoreStatus.FAILED,
                f"could not delete {target}: {done.error}; delete it by hand",
                tuple(writes),
            )
    return Restoration(change, RestoreStatus.RESTORED, "deleted " + ", ".join(paths), tuple(writes))


async def _find_by_marker(tenant: TenantContext, change: Change, run_id: int, api: str, version: str) -> list[str]:
    """Paths of the objects in the marker's collection that carry this change's marker."""
    from scorekeeper.plugin.reads import Read, all_pages

    marker: Any = change.resource.get("marker")
    if not isinstance(marker, Mapping) or change.id is None:
        return []
    collection = str(marker.get("collection", ""))
    listing = await tenant.send(Request("GET", collection, None, api, version))  # type: ignore[arg-type]
    items = (await all_pages(tenant, Read(listing))).items
    field = marker.get("field")
    tag = marker_tag(run_id, change.id)
    match = dict(marker.get("match") or {})
    found = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("id") is None:
            continue
        if field and tag not in str(item.get(str(field)) or ""):
            continue
        if not field and not match:
            continue  # nothing identifies it: never delete by guess
        if any(item.get(k) != v for k, v in match.items()):
            continue
        found.append(f"{collection.rstrip('/')}/{item['id']}")
    return found

"""One tenant's requests while it is changed: its reads in one wave, its writes to one resource merged.

Remediation, verification and rollback run a tenant's controls (and a rollback's restores)
concurrently; every request they send goes through the tenant's :class:`TenantWire`. It collects
the requests issued within a few turns of the event loop (a *wave*: what the controls ask for
once the previous answers came back) and sends the wave at once:

- every Graph read as one ``$batch`` (20 per batch; v1.0 and beta each to their own endpoint,
  concurrently), the same read asked twice sent once; every portal read concurrently, once;
- every write as its own request, concurrently, except that writes to the *same resource* (API,
  version, method, path) that asked to be merged (``merge=True`` on :meth:`TenantContext.write`
  and friends) go out as one request: a ``PATCH``'s bodies deep-merged, a whole-object ``PUT``'s
  body with each other write's fields (its recorded ``after``) laid over the first. Writes whose
  fields conflict (the same field, different values) are not merged: they go out one after
  another, in the order they were asked for.

Nothing here records anything: the write helper (:mod:`scorekeeper.writes`) has committed each
setting's change, its before-value first, before it hands the request over, so every setting a
merged request carries is in history before the request leaves; its answer is each contributing
write's answer (a refusal marks every one of them failed, and their before-values stay). Rollback
restores each setting's own fields only, so undoing one never undoes another written alongside.
Answers of a wave are handed back together, so the controls wake in step and their next requests
form the next wave. Reads are never cached past their wave: a write phase must see its own writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import JSONValue
from scorekeeper.graph.shared import Key as ReadKey
from scorekeeper.graph.shared import Settle, read_key, send_reads
from scorekeeper.plugin.writes import Request

# one recursive overlay: a merged PUT lays each write's fields over the body as a restore does
from scorekeeper.safety.restore import merged as overlay

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphServiceClient

    from scorekeeper.graph.batch import BatchItem
    from scorekeeper.graph.portal import PortalClient

#: Turns of the event loop a wave waits at least for requests to join it; every turn costs
#: microseconds, and a control woken by an answer issues its next request within three or four
#: (a task woken inside ``asyncio.gather`` wakes its parent a turn later). The counting is the
#: assessment's (``graph/shared.py``: :class:`~scorekeeper.graph.shared.Settle`), with these limits.
MIN_TURNS = 10
#: A wave is sent once this many turns in a row added nothing (after :data:`MIN_TURNS`) ...
QUIET_TURNS = 4
#: ... or after this many turns at most, whatever is still coming.
MAX_TURNS = 64


class MergeConflict(ValueError):
    """Two writes set the same field to different values: they cannot be one request."""


def deep_merge(first: JSONValue, second: JSONValue) -> JSONValue:
    """``first`` and ``second`` as one object (recursively); :class:`MergeConflict` where they disagree."""
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        out = dict(first)
        for key, value in second.items():
            out[key] = deep_merge(first[key], value) if key in first else value
        return out
    if first != second:
        raise MergeConflict(f"{first!r} != {second!r}")
    return first


@dataclass
class _Waiter:
    """A read's waiter: a raw ``GET`` (``raw``) gets the body or its error, a batch caller the item."""

    future: asyncio.Future[Any]
    raw: bool


@dataclass
class _Write:
    """One write handed to the wire: the request, whether it may be merged, the fields it sets."""

    request: Request
    merge: bool
    fields: tuple[JSONValue, ...]
    future: asyncio.Future[Any]


def merge_writes(writes: Sequence[_Write]) -> list[tuple[Request, list[_Write]]]:
    """Writes to one resource → the requests to send, in order, each with the writes it carries.

    Consecutive mergeable writes become one request while they agree; a write that conflicts (or
    does not ask to be merged) starts the next request. Only ``PATCH`` and ``PUT`` merge.
    """
    out: list[tuple[Request, list[_Write]]] = []
    for write in writes:
        if out and write.merge and out[-1][1][-1].merge:
            request, carried = out[-1]
            merged = _merged(request, carried, write)
            if merged is not None:
                out[-1] = (merged, [*carried, write])
                continue
        out.append((write.request, [write]))
    return out


def _merged(request: Request, carried: list[_Write], write: _Write) -> Request | None:
    method = request.method.upper()
    try:
        if method == "PATCH":
            return replace(request, body=deep_merge(request.body, write.request.body))
        if method == "PUT":
            if not write.fields or any(not w.fields for w in carried):
                return None  # what a whole-object PUT sets is not known: never guess
            setting = _fields(carried)
            deep_merge(setting, _fields([write]))  # the writes must not disagree on a field either sets
            return replace(request, body=overlay(request.body, _fields([write])))
    except MergeConflict:
        return None
    return None


def _fields(writes: Sequence[_Write]) -> JSONValue:
    merged: JSONValue = {}
    for write in writes:
        for fields in write.fields:
            merged = deep_merge(merged, fields)
    return merged


@dataclass
class WireCounts:
    """What a wire sent (for tests and benchmarks)."""

    waves: int = 0
    graph_reads: int = 0
    portal_reads: int = 0
    writes: int = 0
    merged: int = 0  #: writes that went out inside another write's request


@dataclass
class TenantWire:
    """One tenant's requests during a write phase; see the module docstring. One event loop, not thread-safe."""

    graph_factory: Callable[[], GraphServiceClient]
    portal: PortalClient | None = None
    counts: WireCounts = field(default_factory=WireCounts)
    _reads: dict[ReadKey, tuple[str, dict[str, Any], list[_Waiter]]] = field(default_factory=dict)
    _portal_reads: dict[str, list[asyncio.Future[Any]]] = field(default_factory=dict)
    _writes: list[_Write] = field(default_factory=list)
    _settle: Settle | None = None
    _sending: set[asyncio.Future[None]] = field(default_factory=set)
    #: Resource → its writes still in flight: a later wave's write to it waits for them (order kept).
    _inflight: dict[tuple[str, str, str], asyncio.Future[None]] = field(default_factory=dict)

    # ------------------------------------------------------------------ what callers use
    async def send(self, request: Request, *, merge: bool = False, fields: Sequence[JSONValue] = ()) -> Any:
        """Send ``request`` in the next wave; the parsed JSON answer (``None`` for an empty one).

        Raises :class:`~scorekeeper.graph.errors.GraphCallError` (or ``PortalError``) as the
        tenant's own client would. ``merge`` and ``fields`` (the values the write sets) let a
        write share one request with other writes to the same resource.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        method = request.method.upper()
        if method == "GET" and request.body is None:
            if request.api == "portal":
                self._portal_reads.setdefault(request.path, []).append(future)
            else:
                entry = {"method": "GET", "url": "/" + request.path.lstrip("/")}
                self._read(request.version, entry, _Waiter(future, raw=True))
        else:
            self._writes.append(_Write(request, merge and method in ("PATCH", "PUT"), tuple(fields), future))
        self._schedule()
        return await future

    async def batch(
        self, client: GraphServiceClient, requests: Mapping[str, RequestInformation]
    ) -> dict[str, BatchItem]:
        """Like :func:`~scorekeeper.graph.batch.send_batch` (what ``TenantContext.batch`` calls), in the next wave."""
        from scorekeeper.graph.batch import batch_entries, send_entries

        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[Any]] = {}
        direct: dict[str, tuple[str, dict[str, Any]]] = {}
        for request_id, (version, entry) in batch_entries(client, requests).items():
            if entry["method"] != "GET" or "body" in entry:
                direct[request_id] = (version, entry)  # only plain reads join a wave
                continue
            waiting[request_id] = loop.create_future()
            self._read(version, {k: v for k, v in entry.items() if k != "id"}, _Waiter(waiting[request_id], raw=False))
        if waiting:
            self._schedule()
        results: dict[str, BatchItem] = {}
        if direct:
            results.update(await send_entries(client, direct))
        for request_id, future in waiting.items():
            results[request_id] = replace(await future, id=request_id)
        return {request_id: results[request_id] for request_id in requests}

    # ------------------------------------------------------------------ collecting a wave
    def _read(self, version: str, entry: dict[str, Any], waiter: _Waiter) -> None:
        key = read_key(version, entry)
        if key not in self._reads:
            self._reads[key] = (version, entry, [])
        self._reads[key][2].append(waiter)

    def _pending(self) -> int:
        return (
            sum(len(f) for _, _, f in self._reads.values())
            + sum(map(len, self._portal_reads.values()))
            + len(self._writes)
        )

    def _schedule(self) -> None:
        if self._settle is None:
            self._settle = Settle(self._pending, self._flush, least=MIN_TURNS, quiet=QUIET_TURNS, most=MAX_TURNS)
        self._settle.schedule()

    def _flush(self) -> None:
        """Send the wave (its :class:`Settle` found it complete: see :data:`MIN_TURNS`)."""
        reads, self._reads = self._reads, {}
        portal_reads, self._portal_reads = self._portal_reads, {}
        writes, self._writes = self._writes, []
        task = asyncio.ensure_future(self._send_wave(reads, portal_reads, writes))
        self._sending.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._sending.discard)

    # ------------------------------------------------------------------ sending a wave
    async def _send_wave(
        self,
        reads: dict[ReadKey, tuple[str, dict[str, Any], list[_Waiter]]],
        portal_reads: dict[str, list[asyncio.Future[Any]]],
        writes: list[_Write],
    ) -> None:
        self.counts.waves += 1
        settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        groups: dict[tuple[str, str, str, str], list[_Write]] = {}
        for write in writes:
            request = write.request
            where = (request.api, request.version, request.method.upper(), request.path.strip("/"))
            groups.setdefault(where, []).append(write)
        jobs = [self._graph_reads(reads, settled)] if reads else []
        jobs += [self._portal_read(path, futures, settled) for path, futures in portal_reads.items()]
        jobs += [self._write_group(group, settled) for group in groups.values()]
        try:
            await asyncio.gather(*jobs)
        except BaseException as exc:  # cancelled: every waiter of this wave shares it
            futures = [w.future for _, _, waiters in reads.values() for w in waiters]
            futures += [f for waiting in portal_reads.values() for f in waiting] + [w.future for w in writes]
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            raise
        # Every answer of the wave at once: the controls wake together, and ask their next wave together.
        for future, value, error in settled:
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

    async def _graph_reads(
        self,
        reads: dict[ReadKey, tuple[str, dict[str, Any], list[_Waiter]]],
        settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
    ) -> None:
        self.counts.graph_reads += len(reads)
        try:
            items = await send_reads(self.graph_factory(), {key: (v, entry) for key, (v, entry, _) in reads.items()})
        except Exception as exc:
            settled += [(w.future, None, exc) for _, _, waiters in reads.values() for w in waiters]
            return
        for key, (_, _, waiters) in reads.items():
            item = items[key]
            for waiter in waiters:
                if not waiter.raw:  # a batch caller gets the item, a raw GET its body or its error
                    settled.append((waiter.future, item, None))
                elif item.ok:
                    settled.append((waiter.future, item.body, None))
                else:
                    try:
                        item.raise_for_status()
                    except Exception as exc:
                        settled.append((waiter.future, None, exc))

    async def _portal_read(
        self, path: str, futures: list[asyncio.Future[Any]], settled: list[tuple[asyncio.Future[Any], Any, Any]]
    ) -> None:
        self.counts.portal_reads += 1
        try:
            value = await self._portal_client().request("GET", path)
        except Exception as exc:
            settled += [(f, None, exc) for f in futures]
            return
        settled += [(f, value, None) for f in futures]

    async def _write_group(
        self, writes: list[_Write], settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]
    ) -> None:
        """One resource's writes: merged where they may be, the requests one after another.

        Writes to the resource still in flight from an earlier wave are waited for first, so two
        writes to one resource never race, whichever waves they came in. A ``POST`` (a create in a
        collection, each its own object) waits for nothing.
        """
        first = writes[0].request
        if first.method.upper() == "POST":
            await self._send_group(writes, settled)
            return
        key = (first.api, first.version, first.path.strip("/"))
        earlier = self._inflight.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = done
        try:
            if earlier is not None:
                await asyncio.shield(earlier)
            await self._send_group(writes, settled)
        finally:
            done.set_result(None)
            if self._inflight.get(key) is done:
                del self._inflight[key]

    async def _send_group(
        self, writes: list[_Write], settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]
    ) -> None:
        for request, carried in merge_writes(writes):
            self.counts.writes += 1
            self.counts.merged += len(carried) - 1
            try:
                value = await self._send_one(request)
            except Exception as exc:
                settled += [(w.future, None, exc) for w in carried]
                continue
            settled += [(w.future, value, None) for w in carried]

    async def _send_one(self, request: Request) -> Any:
        if request.api == "portal":
            return await self._portal_client().request(request.method, request.path, request.body)
        from scorekeeper.graph.client import graph_request

        return await graph_request(
            self.graph_factory(), request.method, request.path, request.body, version=request.version
        )

    def _portal_client(self) -> PortalClient:
        if self.portal is None:
            from scorekeeper.graph.errors import GraphCallError

            raise GraphCallError(0, "NoPortalSignIn", "no portal sign-in for this tenant")
        return self.portal


__all__ = ["MergeConflict", "TenantWire", "WireCounts", "deep_merge", "merge_writes"]

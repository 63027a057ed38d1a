"""Graph reads shared by the controls of one tenant during one assessment, and the wave logic beneath it.

Each control reads what it needs in its own ``$batch``, and several need the same thing: every
control that reports a Secure Score reads ``/security/secureScores?$top=1``. Controls of a tenant
are assessed concurrently, so their batches are issued within a few turns of the event loop (a
plugin that gathers its reads in tasks issues them a turn or two after one that calls directly).
:class:`SharedReads` collects the requests until two turns of the loop in a row add none (at
most :data:`SETTLE_TURNS` turns), sends each distinct read once, in as few ``$batch`` calls as Graph
allows (20 per batch; v1.0 and beta each to their own endpoint, all at once: one round trip), and
hands every control the answer under its own request id. A read asked for again later in the same
assessment gets the first answer, so a control's follow-up read that another control already
made costs no second round trip.

Only reads are shared (GET, no body), and only while assessing: assessment never writes, so an
answer cannot go stale within one. Remediation and verification read afresh (the engine hands
them no sharing), because they must see their own writes.

The one coordinator of a tenant's waves, used here and by the write phases' wire
(``safety/wire.py``): :class:`Settle` decides when a wave is complete (after a few turns of the
loop that added nothing), :func:`read_key` says when two reads are the same read, and
:func:`send_reads` sends a wave's distinct reads in ``$batch`` calls and hands back each answer
by its key. Only what each caller does with the answers differs (kept for the assessment,
dropped after its wave while writing).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scorekeeper.graph.batch import BatchItem, batch_entries, send_entries

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphServiceClient

Key = tuple[str, str, str]  # API version, URL relative to the version root, request headers

#: Turns of the event loop the first requests wait at most for more to join them before they are sent.
#: Each turn costs microseconds; the controls of a tenant issue their first reads within two or three.
SETTLE_TURNS = 8
#: Consecutive turns that add no request after which the queued requests are sent.
QUIET_TURNS = 2


def read_key(version: str, entry: Mapping[str, Any]) -> Key:
    """What makes two ``$batch`` reads the same read: version, URL and headers (not the request id)."""
    return (version, str(entry["url"]), json.dumps(entry.get("headers") or {}, sort_keys=True))


async def send_reads(
    client: GraphServiceClient, reads: Mapping[Key, tuple[str, dict[str, Any]]]
) -> dict[Key, BatchItem]:
    """Each distinct read once, in as few ``$batch`` calls as Graph allows; the answers by key."""
    ids = {key: str(index) for index, key in enumerate(reads)}
    pending = {ids[key]: (version, {**entry, "id": ids[key]}) for key, (version, entry) in reads.items()}
    items = await send_entries(client, pending)
    return {key: items[ids[key]] for key in reads}


class Settle:
    """Calls ``send`` once a wave is complete: at least ``least`` turns of the event loop have passed and
    ``quiet`` of them in a row added nothing to ``pending()``, or ``most`` turns have passed whatever is
    still coming. :meth:`schedule` starts counting (once per wave; later calls join it).

    A turn costs microseconds; a caller woken by an answer issues its next request within a few
    (a task woken inside ``asyncio.gather`` wakes its parent a turn later), so waiting a few
    turns puts every caller's request of this round in one wave. Not thread-safe (one loop).
    """

    __slots__ = ("_least", "_most", "_pending", "_quiet", "_quiet_needed", "_scheduled", "_seen", "_send", "_turns")

    def __init__(
        self, pending: Callable[[], int], send: Callable[[], None], *, least: int, quiet: int, most: int
    ) -> None:
        self._pending, self._send = pending, send
        self._least, self._quiet_needed, self._most = least, quiet, most
        self._scheduled = False
        self._turns = self._quiet = self._seen = 0

    def schedule(self) -> None:
        """Count turns from now (unless a wave is already being collected), then call ``send``."""
        if not self._scheduled:
            self._scheduled = True
            self._turns = self._quiet = self._seen = 0
            asyncio.get_running_loop().call_soon(self._turn)  # after the other callers' code of this turn

    def _turn(self) -> None:
        self._turns += 1
        pending = self._pending()
        self._quiet = self._quiet + 1 if pending == self._seen else 0
        self._seen = pending
        if self._turns < self._most and (self._turns < self._least or self._quiet < self._quiet_needed):
            asyncio.get_running_loop().call_soon(self._turn)
            return
        self._scheduled = False
        self._send()


def _flusher(reads: SharedReads) -> Callable[[], None]:
    """``reads._flush`` without holding ``reads`` (no reference cycle through its settle)."""
    held = weakref.ref(reads)

    def flush() -> None:
        alive = held()
        if alive is not None:
            alive._flush()

    return flush


class SharedReads:
    """One tenant's reads in one assessment; see the module docstring. Not thread-safe (one event loop)."""

    def __init__(self) -> None:
        self._answers: dict[Key, asyncio.Future[BatchItem]] = {}
        self._queued: dict[Key, tuple[str, dict[str, Any]]] = {}
        self._client: GraphServiceClient | None = None
        self._sending: set[asyncio.Future[None]] = set()
        self.sent = 0  #: distinct reads sent (for tests and benchmarks)
        self.shared = 0  #: reads answered from another control's request
        # Sent once QUIET_TURNS turns in a row added no request (at most SETTLE_TURNS turns). The
        # settle reaches back through a weak reference: a bound method would make a reference cycle,
        # and every answer (a first run's 90 kept days: ~3 MB of objects) would live until the
        # collector found it instead of going with the tenant's session.
        self._settle = Settle(self._queued.__len__, _flusher(self), least=0, quiet=QUIET_TURNS, most=SETTLE_TURNS)

    async def batch(
        self,
        client: GraphServiceClient,
        requests: Mapping[str, RequestInformation],
        *,
        once: frozenset[str] = frozenset(),
    ) -> dict[str, BatchItem]:
        """Like :func:`~scorekeeper.graph.batch.send_batch`, with reads shared between callers.

        ``once`` names requests whose answers are not kept for later callers once handed out
        (a large answer read by one caller: a first run's 90 kept Secure Score days, ~3 MB of
        objects, would otherwise live as long as the tenant's session); they still ride in the
        batch of this turn, and a later caller of the same read sends it again.
        """
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[BatchItem]] = {}
        direct: dict[str, tuple[str, dict[str, Any]]] = {}
        for request_id, (version, entry) in batch_entries(client, requests).items():
            if entry["method"] != "GET" or "body" in entry:
                direct[request_id] = (version, entry)  # never share anything but a plain read
                continue
            key = read_key(version, entry)
            if key in self._answers:
                self.shared += 1
            else:
                self._answers[key] = loop.create_future()
                if not self._queued:
                    self._client = client
                    self._settle.schedule()
                self._queued[key] = (version, entry)
            waiting[request_id] = self._answers[key]
        results: dict[str, BatchItem] = {}
        if direct:
            results.update(await send_entries(client, direct))
        for request_id, future in waiting.items():
            results[request_id] = replace(await future, id=request_id)
            if request_id in once:
                self._answers = {k: f for k, f in self._answers.items() if f is not future}
        return {request_id: results[request_id] for request_id in requests}

    def _flush(self) -> None:
        queued = dict(self._queued)
        self._queued.clear()  # the same dict: the settle counts it
        client, self._client = self._client, None
        if queued and client is not None:
            self.sent += len(queued)
            task = asyncio.ensure_future(self._send(client, queued))
            self._sending.add(task)  # keep a reference until it is done (the loop holds only a weak one)
            task.add_done_callback(self._sending.discard)

    async def _send(self, client: GraphServiceClient, queued: dict[Key, tuple[str, dict[str, Any]]]) -> None:
        try:
            items = await send_reads(client, queued)
        except BaseException as exc:  # every waiter shares the failure; a later request tries again
            for key in queued:
                future = self._answers.pop(key)
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved here too, so a waiter that went away logs nothing
            if not isinstance(exc, Exception):
                raise
            return
        for key in queued:
            future = self._answers[key]
            if not future.done():
                future.set_result(items[key])


__all__ = ["QUIET_TURNS", "SETTLE_TURNS", "Key", "Settle", "SharedReads", "read_key", "send_reads"]

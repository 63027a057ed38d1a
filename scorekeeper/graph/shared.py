"""Graph reads shared by the controls of one tenant during one assessment.

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
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
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


class SharedReads:
    """One tenant's reads in one assessment; see the module docstring. Not thread-safe (one event loop)."""

    def __init__(self) -> None:
        self._answers: dict[Key, asyncio.Future[BatchItem]] = {}
        self._queued: dict[Key, tuple[str, dict[str, Any]]] = {}
        self._client: GraphServiceClient | None = None
        self._sending: set[asyncio.Future[None]] = set()
        self.sent = 0  #: distinct reads sent (for tests and benchmarks)
        self.shared = 0  #: reads answered from another control's request
        self._turns = 0  # turns of the loop the queued requests have waited
        self._quiet = 0  # consecutive turns that added none
        self._seen = 0  # how many were queued at the last turn

    async def batch(
        self, client: GraphServiceClient, requests: Mapping[str, RequestInformation]
    ) -> dict[str, BatchItem]:
        """Like :func:`~scorekeeper.graph.batch.send_batch`, with reads shared between callers."""
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[BatchItem]] = {}
        direct: dict[str, tuple[str, dict[str, Any]]] = {}
        for request_id, (version, entry) in batch_entries(client, requests).items():
            if entry["method"] != "GET" or "body" in entry:
                direct[request_id] = (version, entry)  # never share anything but a plain read
                continue
            key: Key = (version, entry["url"], json.dumps(entry.get("headers") or {}, sort_keys=True))
            if key in self._answers:
                self.shared += 1
            else:
                self._answers[key] = loop.create_future()
                if not self._queued:
                    self._client = client
                    self._turns = self._quiet = self._seen = 0
                    loop.call_soon(self._settle)  # after the other controls' code of this turn has run
                self._queued[key] = (version, entry)
            waiting[request_id] = self._answers[key]
        results: dict[str, BatchItem] = {}
        if direct:
            results.update(await send_entries(client, direct))
        for request_id, future in waiting.items():
            results[request_id] = replace(await future, id=request_id)
        return {request_id: results[request_id] for request_id in requests}

    def _settle(self) -> None:
        """Send once :data:`QUIET_TURNS` turns of the loop in a row added no request (at most :data:`SETTLE_TURNS`)."""
        self._turns += 1
        self._quiet = 0 if len(self._queued) > self._seen else self._quiet + 1
        self._seen = len(self._queued)
        if self._quiet < QUIET_TURNS and self._turns < SETTLE_TURNS:
            asyncio.get_running_loop().call_soon(self._settle)
            return
        self._flush()

    def _flush(self) -> None:
        queued, self._queued = self._queued, {}
        client, self._client = self._client, None
        if queued and client is not None:
            self.sent += len(queued)
            task = asyncio.ensure_future(self._send(client, queued))
            self._sending.add(task)  # keep a reference until it is done (the loop holds only a weak one)
            task.add_done_callback(self._sending.discard)

    async def _send(self, client: GraphServiceClient, queued: dict[Key, tuple[str, dict[str, Any]]]) -> None:
        ids = {key: str(index) for index, key in enumerate(queued)}
        pending = {ids[key]: (version, {**entry, "id": ids[key]}) for key, (version, entry) in queued.items()}
        try:
            items = await send_entries(client, pending)
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
                future.set_result(items[ids[key]])


__all__ = ["SharedReads"]

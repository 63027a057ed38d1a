"""JSON ``$batch`` for Graph reads, built by hand because the SDK's batch helpers lose bodies.

``msgraph_core``'s ``BatchResponseItem`` reads each body with ``get_bytes_value()``, which is
``None`` for a JSON object (kiota-python #737), and its module imports an undeclared package.
So the body is built here from each builder's ``RequestInformation`` (relative URLs), sent
through the client's own adapter (auth, retry and header middleware stay in place), and each
answer is parsed with kiota's JSON parse node into the SDK model the caller names.

Graph answers each item separately: one inner 429 must not fail the others, so throttled items
are resent after their own ``Retry-After`` while the rest are returned at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scorekeeper.graph.client import graph_request, graph_root
from scorekeeper.graph.errors import GraphCallError
from scorekeeper.graph.throttle import pause

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphServiceClient

#: Graph's documented limit of requests in one JSON batch.
MAX_BATCH_SIZE = 20
#: Inner statuses worth resending, as the SDK's retry handler does for whole requests.
RETRYABLE = frozenset({429, 503, 504})
#: Like the SDK's retry handler: give up rather than wait this long or longer.
MAX_RETRY_AFTER_SECONDS = 180
MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class BatchItem:
    """One answer inside a batch: the status and body Graph gave for that request alone."""

    id: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> str:
        return str(self._error().get("code", "")) if not self.ok else ""

    @property
    def error_message(self) -> str:
        return str(self._error().get("message", "")) if not self.ok else ""

    def _error(self) -> dict[str, Any]:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {}

    def raise_for_status(self) -> None:
        """Raise :class:`GraphCallError` unless the item succeeded."""
        if not self.ok:
            raise GraphCallError(self.status, self.error_code or "BatchItemFailed", self.error_message or "no message")

    def parse(self, factory: Callable[..., Any]) -> Any:
        """The body as an SDK model, e.g. ``item.parse(AuthorizationPolicy.create_from_discriminator_value)``."""
        self.raise_for_status()
        from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory

        node = JsonParseNodeFactory().get_root_parse_node("application/json", json.dumps(self.body).encode())
        return node.get_object_value(factory)


#: Expanded URLs by (template, query parameters, path parameters); see :func:`request_url`.
_URLS: dict[tuple[str, str, str], str] = {}
_URL_CACHE_SIZE = 4096


def request_url(info: RequestInformation) -> str:
    """``info.url``, remembered: every tenant's batch expands the same templates with the same values.

    Expanding a URI template costs kiota about as much CPU as sending the request, and a fleet
    builds the same dozen requests for every tenant (the tenant is in the token, not the URL).
    """
    if info.path_parameters.get(info.RAW_URL_KEY) or getattr(info, "_RequestInformation__uri", None):
        return str(info.url)
    key = (
        str(info.url_template),
        repr(sorted(info.query_parameters.items())),
        repr(sorted(info.path_parameters.items())),
    )
    url = _URLS.get(key)
    if url is None:
        url = str(info.url)
        if len(_URLS) >= _URL_CACHE_SIZE:
            _URLS.clear()
        _URLS[key] = url
    return url


def _relative_url(info: RequestInformation, roots: Mapping[str, str]) -> tuple[str, str]:
    """Split a request's absolute URL into (API version, URL relative to that version's root)."""
    url = request_url(info)
    for version, root in roots.items():
        if url.startswith(root + "/") or url == root:
            return version, url[len(root) :] or "/"
    raise ValueError(f"request {url} is not on this client's Graph service root")


def _retry_after_seconds(headers: Mapping[str, str]) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return 1.0


def _entry(request_id: str, info: RequestInformation, url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": request_id, "method": info.http_method.value, "url": url}
    headers = {k: v for k, v in (info.request_headers or {}).items() if k.lower() != "authorization"}
    if info.content:
        entry["body"] = json.loads(info.content)
        headers.setdefault("Content-Type", "application/json")
    if headers:
        entry["headers"] = headers
    return entry


async def _send_chunk(client: GraphServiceClient, version: str, entries: list[dict[str, Any]]) -> dict[str, BatchItem]:
    try:
        answer = await graph_request(client, "POST", "$batch", {"requests": entries}, version=version)
    except GraphCallError as exc:  # the whole batch failed: every item shares that failure
        body = {"error": {"code": exc.code, "message": exc.message}}
        return {e["id"]: BatchItem(e["id"], exc.status, {}, body) for e in entries}
    items: dict[str, BatchItem] = {}
    for response in (answer or {}).get("responses", []):
        item_id = str(response.get("id"))
        items[item_id] = BatchItem(
            item_id, int(response.get("status", 0)), dict(response.get("headers") or {}), response.get("body")
        )
    for entry in entries:  # a batch that forgot an item must not make it vanish
        items.setdefault(
            entry["id"],
            BatchItem(entry["id"], 0, {}, {"error": {"code": "MissingBatchResponse", "message": "no answer in batch"}}),
        )
    return items


async def send_batch(
    client: GraphServiceClient,
    requests: Mapping[str, RequestInformation],
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, BatchItem]:
    """Send ``requests`` (id → request) as few ``$batch`` calls as Graph allows; return id → item.

    Chunks of 20 go out concurrently; v1.0 and beta requests go to their own batch endpoints.
    """
    return await send_entries(client, batch_entries(client, requests), max_attempts=max_attempts)


def batch_entries(
    client: GraphServiceClient, requests: Mapping[str, RequestInformation]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Request id → (API version, the request's ``$batch`` entry), as :func:`send_entries` takes them."""
    root = graph_root(client)
    roots = {"v1.0": f"{root}/v1.0", "beta": f"{root}/beta"}
    pending: dict[str, tuple[str, dict[str, Any]]] = {}
    for request_id, info in requests.items():
        # Fluent builders leave ``{+baseurl}`` for the adapter to fill at send time; a batch
        # never sends them one by one, so fill it from the client's own root here.
        info.path_parameters.setdefault("baseurl", client.request_adapter.base_url)
        version, url = _relative_url(info, roots)
        pending[request_id] = (version, _entry(request_id, info, url))
    return pending


async def send_entries(
    client: GraphServiceClient,
    pending: dict[str, tuple[str, dict[str, Any]]],
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, BatchItem]:
    """Send prepared entries (see :func:`batch_entries`) with the per-item retries of :func:`send_batch`."""
    roots = ("v1.0", "beta")
    results: dict[str, BatchItem] = {}
    for attempt in range(max_attempts):
        chunks: list[tuple[str, list[dict[str, Any]]]] = []
        for version in roots:
            entries = [entry for v, entry in pending.values() if v == version]
            chunks += [(version, entries[i : i + MAX_BATCH_SIZE]) for i in range(0, len(entries), MAX_BATCH_SIZE)]
        answers = await asyncio.gather(*(_send_chunk(client, version, chunk) for version, chunk in chunks))
        for answer in answers:
            results.update(answer)
        retry = {rid: results[rid] for rid in pending if results[rid].status in RETRYABLE}
        wait = max((_retry_after_seconds(item.headers) for item in retry.values()), default=0.0)
        if not retry or attempt == max_attempts - 1 or wait >= MAX_RETRY_AFTER_SECONDS:
            break
        pending = {rid: pending[rid] for rid in retry}
        await pause(wait, "Graph $batch")
    return results

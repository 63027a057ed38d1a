"""The context a plugin is handed: everything it may use to read and write one tenant.

Plugins never build clients, open the database or print: they read through ``graph``,
``batch`` and ``portal``, take desired values from ``desired``, report through ``progress`` and
write only inside ``record_change`` so that the engine has stored the before-value first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from scorekeeper.model import Change, Finding, JSONValue, Outcome, ProgressEvent, SecureScore

if TYPE_CHECKING:
    from types import TracebackType

    from kiota_abstractions.request_information import RequestInformation
    from msgraph import GraphServiceClient

    from scorekeeper.graph.batch import BatchItem
    from scorekeeper.graph.portal import PortalClient


@dataclass(frozen=True)
class Assessment:
    """What ``assess`` may return instead of a bare list: the findings and the Secure Score."""

    findings: list[Finding]
    score: SecureScore | None = None


class ChangeSink(Protocol):
    """Where the engine persists changes: the pending row first, the outcome after the write."""

    def started(self, change: Change) -> int: ...

    def finished(self, change: Change) -> None: ...


class ChangeRecorder:
    """Async context manager around one write; see :meth:`TenantContext.record_change`.

    On entry the before-value is persisted (outcome ``skipped`` until the write returns). Set
    ``after`` (and ``resource`` for something just created) inside the block. Leaving the block
    normally records ``applied``; an exception records ``failed`` with its message and is
    re-raised so the plugin can decide whether to go on.
    """

    def __init__(
        self, sink: ChangeSink, setting: str, before: JSONValue, resource: dict[str, Any], created: bool
    ) -> None:
        self.setting = setting
        self.before = before
        self.after: JSONValue = None
        self.resource = dict(resource)
        self.created = created
        self._sink = sink
        self._id: int | None = None
        self.change: Change | None = None

    def _snapshot(self, outcome: Outcome, error: str = "") -> Change:
        return Change(
            setting=self.setting,
            before=self.before,
            after=self.after,
            outcome=outcome,
            resource=dict(self.resource),
            created=self.created,
            error=error,
            id=self._id,
        )

    async def __aenter__(self) -> ChangeRecorder:
        self._id = self._sink.started(self._snapshot(Outcome.SKIPPED, "write started, outcome not yet known"))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.change = self._snapshot(Outcome.APPLIED)
        else:
            self.change = self._snapshot(Outcome.FAILED, _one_line(exc))
        self._sink.finished(self.change)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class _MemorySink:
    """A sink that keeps changes in memory; used when no history store is attached (tests)."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def started(self, change: Change) -> int:
        self.changes.append(change)
        return len(self.changes)

    def finished(self, change: Change) -> None:
        assert change.id is not None
        self.changes[change.id - 1] = change


@dataclass
class TenantContext:
    """One tenant as a plugin sees it, for one control.

    ``graph_factory`` builds the msgraph-sdk client on first use, so a plugin that needs only
    the portal never pays for importing msgraph. ``portal`` is ``None`` when there is no
    delegated portal sign-in; ``portal_unavailable`` then says why, in words to show the admin.
    """

    name: str
    tenant_id: str
    control: str
    desired: Any
    graph_factory: Callable[[], GraphServiceClient]
    portal: PortalClient | None = None
    portal_unavailable: str = "no portal sign-in is configured for this tenant"
    on_progress: Callable[[ProgressEvent], None] = lambda event: None
    change_sink: ChangeSink = field(default_factory=_MemorySink)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("scorekeeper.plugin"))
    phase: str = "assess"
    #: ``scorekeeper.graph.shared.SharedReads`` while assessing: the same read asked by two controls is sent once.
    _shared_reads: Any = None

    @cached_property
    def graph(self) -> GraphServiceClient:
        """The msgraph-sdk client for this tenant, with the SDK's retry middleware in place."""
        return self.graph_factory()

    async def batch(self, requests: Mapping[str, RequestInformation]) -> dict[str, BatchItem]:
        """Send many Graph reads as JSON ``$batch`` requests (20 per batch) and return each item.

        Build each request with a builder's ``to_get_request_information()``. Items answered
        429 are retried after their own ``Retry-After``; every other status is returned as is.
        """
        if self._shared_reads is not None:
            return dict(await self._shared_reads.batch(self.graph, requests))
        from scorekeeper.graph.batch import send_batch

        return await send_batch(self.graph, requests)

    async def graph_request(self, method: str, path: str, body: Any = None, *, version: str = "v1.0") -> Any:
        """One raw JSON call through the same SDK pipeline (for ``/beta`` rows); see ``graph_request``."""
        from scorekeeper.graph.client import graph_request

        return await graph_request(self.graph, method, path, body, version=version)

    def progress(self, setting: str, status: str, message: str = "", *, completed: int = 0, total: int = 0) -> None:
        """Tell the front end what this plugin is doing (one call per setting is plenty)."""
        self.on_progress(
            ProgressEvent(
                tenant=self.name,
                control=self.control,
                phase=self.phase,
                setting=setting,
                status=status,
                message=message,
                completed=completed,
                total=total,
            )
        )

    def record_change(
        self, setting: str, before: JSONValue, *, resource: dict[str, Any] | None = None, created: bool = False
    ) -> ChangeRecorder:
        """Wrap one write: ``async with tenant.record_change("notify_users", before=False) as c:``.

        The before-value is stored when the block is entered, before the write starts.
        """
        return ChangeRecorder(self.change_sink, setting, before, resource or {}, created)

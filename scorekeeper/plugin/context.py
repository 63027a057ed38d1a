"""The context a plugin is handed: everything it may use to read and write one tenant.

Plugins never build clients, open the database or print: they read through ``graph``,
``batch`` and ``portal``, take desired values from ``desired``, report through ``progress``,
log through ``logger``, and write through :meth:`TenantContext.write` (one request, recorded
before it leaves; see :mod:`scorekeeper.writes`), :meth:`TenantContext.write_together` and
:meth:`TenantContext.create`. ``record_change`` remains for a write the helper cannot express.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from scorekeeper.domain.model import Change, Control, Finding, JSONValue, Outcome, ProgressEvent, SecureScore
from scorekeeper.plugin.writes import SAME_AS_BODY, Api, ChangeSink, Part, Request, Writer, classify, one_line

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
        reason = self._sink.stop_reason
        if reason:
            from scorekeeper.errors import WritesStopped

            raise WritesStopped(f"{self.setting}: not written, {reason}")
        self._id = self._sink.started(self._snapshot(Outcome.SKIPPED, "write started, outcome not yet known"))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.change = self._snapshot(Outcome.APPLIED)
        elif _is_call_error(exc):
            failure = classify(exc)  # type: ignore[arg-type]
            self.change = self._snapshot(failure.outcome, failure.text)
        else:
            self.change = self._snapshot(Outcome.AMBIGUOUS, f"outcome unknown: {one_line(exc)}")
        self._sink.finished(self.change)


def _is_call_error(exc: BaseException) -> bool:
    from scorekeeper.graph.errors import GraphCallError  # lazily: --help does without the Graph stack

    return isinstance(exc, GraphCallError)


class _MemorySink:
    """A sink that keeps changes in memory; used when no history store is attached (tests)."""

    def __init__(self, run_id: int = 0) -> None:
        self.changes: list[Change] = []
        self.run_id = run_id
        self.stop_reason = ""

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
    #: The control as declared (settings, permissions): what a refused write is explained with.
    declaration: Control | None = None
    #: ``scorekeeper.graph.shared.SharedReads`` while assessing: the same read asked by two controls is sent once.
    _shared_reads: Any = None
    #: ``scorekeeper.safety.wire.TenantWire`` while a tenant is changed: its controls' requests sent in
    #: waves (reads in one ``$batch``, writes to one resource merged when they ask to be).
    _wire: Any = None

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
        if self._wire is not None:
            return dict(await self._wire.batch(self.graph, requests))
        from scorekeeper.graph.batch import send_batch

        return await send_batch(self.graph, requests)

    async def graph_request(self, method: str, path: str, body: Any = None, *, version: str = "v1.0") -> Any:
        """One raw JSON call under the SDK's rules (retries, headers, errors); see ``graph_request``."""
        if self._wire is not None and method.upper() == "GET" and body is None:  # a read joins the wave
            return await self._wire.send(Request("GET", path, None, "graph", version))
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

    def report_findings(self, findings: Sequence[Finding]) -> None:
        """One progress event per finding, counted: the usual end of an ``assess``."""
        for done, finding in enumerate(findings, start=1):
            self.progress(finding.setting, finding.status.value, finding.reason, completed=done, total=len(findings))

    def record_change(
        self, setting: str, before: JSONValue, *, resource: dict[str, Any] | None = None, created: bool = False
    ) -> ChangeRecorder:
        """Wrap one write: ``async with tenant.record_change("notify_users", before=False) as c:``.

        The before-value is stored when the block is entered, before the write starts.
        """
        return ChangeRecorder(self.change_sink, setting, before, resource or {}, created)

    # ------------------------------------------------------------------ the write helper
    @cached_property
    def _writer(self) -> Writer:
        return Writer(self)

    async def write(
        self,
        setting: str,
        method: str,
        path: str,
        body: JSONValue = None,
        *,
        before: JSONValue,
        after: JSONValue = SAME_AS_BODY,
        api: Api = "graph",
        version: str = "v1.0",
        read: str | None = None,
        resource: Mapping[str, JSONValue] | None = None,
        undo: Request | None = None,
        merge: bool = False,
    ) -> Change:
        """Send one write request, recorded first; return its :class:`~scorekeeper.Change` (never raises for a
        tenant error: look at ``change.outcome``).

        ``before`` is what the request replaces, in the same shape as ``after`` (which defaults to
        ``body``): for a ``PATCH``, the body's fields as they read just now, e.g.
        ``write("notify", "PATCH", "policies/x", {"notify": True}, before={"notify": False})``.
        Rollback restores exactly that: it re-reads ``read`` (default ``path``; give it when the
        object is read elsewhere, say with a query string), and when the fields differ from
        ``before`` it sends ``undo`` if given, else ``PATCH path before`` (for a ``PATCH``) or
        the freshly read object with ``before`` merged in (for a ``PUT``). ``resource`` adds
        identification (``{"type": "domain", "id": "contoso.com"}``) shown in history.

        ``merge=True`` lets the engine send this write in one request with other writes to the same
        resource (same API, version, method and path) made at the same moment, by this control or
        another: ``PATCH`` bodies are merged, a ``PUT``'s ``after`` fields are laid over the first
        body; writes that set one field differently are never merged. Each write is still its own
        recorded change, rolled back on its own fields. Give it when the request's fields are all
        the write means to set (a ``PATCH`` of some properties; a ``PUT`` whose ``after`` names
        what it changes); without it the request goes out as it is.

        Raises :class:`scorekeeper.errors.WritesStopped` — before recording or sending — when the
        engine was asked to start no new write (Ctrl-C).
        """
        value = body if after is SAME_AS_BODY else after
        [change] = await self._writer.write(
            [Part(setting, before, value)],
            Request(method.upper(), path, body, api, version),
            read=Request("GET", read, None, api, version) if read else None,
            resource=resource or {},
            undo=undo,
            merge=merge,
        )
        return change

    async def write_together(
        self,
        parts: list[Part],
        method: str,
        path: str,
        body: JSONValue,
        *,
        api: Api = "graph",
        version: str = "v1.0",
        read: str | None = None,
        resource: Mapping[str, JSONValue] | None = None,
        merge: bool = False,
    ) -> list[Change]:
        """One request that moves several settings at once (a whole-object ``PUT``): one change per
        :class:`~scorekeeper.writes.Part` (setting, the fields it owned before, after), all committed
        before the request leaves and sharing its outcome. Each rolls back on its own fields only.
        ``merge``: as for :meth:`write` (the parts' ``after`` values are the fields it sets)."""
        return await self._writer.write(
            parts,
            Request(method.upper(), path, body, api, version),
            read=Request("GET", read, None, api, version) if read else None,
            resource=resource or {},
            undo=None,
            merge=merge,
        )

    async def create(
        self,
        setting: str,
        collection: str,
        body: Mapping[str, JSONValue],
        *,
        marker_field: str | None = "displayName",
        match: Mapping[str, JSONValue] | None = None,
        after: Mapping[str, JSONValue] | None = None,
        api: Api = "graph",
        version: str = "v1.0",
        resource: Mapping[str, JSONValue] | None = None,
    ) -> Change:
        """``POST`` a new object to ``collection``, marked so rollback can find and delete it.

        Before the request leaves, the change is committed with ``created=True`` and the marker:
        ``body[marker_field]`` gets ``[scorekeeper run R change C]`` appended (deterministic from
        the run and change ids, so an object whose create answer was lost is found again by
        listing ``collection``). For an object with no free-text field (a directory setting),
        pass ``marker_field=None`` and ``match`` (fields that identify the one such object).
        The returned change's ``resource`` has the new object's ``id`` and ``path``; ``after`` is
        ``{"id": ..., **after}``. Rollback deletes the object, and proves it gone by reading.

        The ``POST`` is never sent again blind: after an answer that leaves its outcome unknown
        (a 5xx, a timeout, a reset, an unreadable body) the helper lists ``collection`` for the
        marker and adopts what carries it (every such object in ``resource["paths"]``); only
        when nothing does is the same ``POST`` sent again. Without a marker (no ``marker_field``
        and no ``match``) it is never resent and the change stays ``ambiguous``.
        """
        return await self._writer.create(
            setting,
            collection,
            body,
            marker_field=marker_field,
            match=match or {},
            api=api,
            version=version,
            resource=resource or {},
            after=after,
        )

    async def send(self, request: Request) -> Any:
        """One unrecorded request (a read) to Graph or the portal: what rollback uses to re-read."""
        return await self._writer.send(request)

"""The write helper: one call per tenant request, recorded before it leaves, classified when it returns.

The implementation of the public :mod:`scorekeeper.writes` (whose docstring is the full story).

A create is the one write that is not idempotent: the same ``POST`` sent twice makes two
objects. So nothing resends a ``POST`` whose outcome is unknown (the Graph pipeline's retry
handler lets a 503/504 through, ``graph/retry.py``); :meth:`Writer.create` first lists the
collection and looks for the change's marker, adopts what it finds (every object carrying the
marker is recorded), and sends the ``POST`` again only when nothing carries it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast
from urllib.parse import urlsplit

from scorekeeper.domain.model import Change, JSONValue, Outcome
from scorekeeper.errors import WritesStopped
from scorekeeper.plugin.resend import provable, resend

if TYPE_CHECKING:
    from scorekeeper.domain.model import Control
    from scorekeeper.graph.errors import GraphCallError
    from scorekeeper.graph.portal import PortalClient

Api = Literal["graph", "portal"]
Method = Literal["PATCH", "PUT", "POST", "DELETE"]

#: Statuses after which the tenant may have applied the write although the client saw an error.
AMBIGUOUS_STATUSES = frozenset({500, 502, 504})
#: Statuses that mean "not applied, try later" once the pipeline's own retries are spent.
THROTTLED_STATUSES = frozenset({429, 503})
#: How often :meth:`Writer.create` sends its ``POST`` at most (the first time included), as
#: kiota's retry handler does (3 retries), each resend only after a marker search found nothing.
CREATE_ATTEMPTS = 4
#: Seconds before the second marker search of a round, when the answer named no ``Retry-After``:
#: doubled each round. A listing may lag a create by a moment (directory replication).
CREATE_SEARCH_PAUSE = 1.0
#: Like the SDK's retry handler: a ``Retry-After`` this long or longer is not waited for.
MAX_CREATE_PAUSE = 180.0


@dataclass(frozen=True)
class Request:
    """One request to the tenant: what the helper sends, what rollback re-reads or sends back."""

    method: str
    path: str
    body: JSONValue = None
    api: Api = "graph"
    version: str = "v1.0"

    def to_dict(self) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = {
            "method": self.method,
            "path": self.path,
            "api": self.api,
            "version": self.version,
        }
        if self.body is not None:
            data["body"] = self.body
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls(
            method=str(data.get("method", "GET")),
            path=str(data.get("path", "")),
            body=data.get("body"),
            api=cast("Api", data.get("api", "graph")),
            version=str(data.get("version", "v1.0")),
        )


@dataclass(frozen=True)
class Part:
    """One setting moved by a request that moves several (a whole-object ``PUT``): its before and after."""

    setting: str
    before: JSONValue
    after: JSONValue


class _Unset:
    def __repr__(self) -> str:
        return "SAME_AS_BODY"


#: Default of ``after``: the value written is the request body.
SAME_AS_BODY: Any = _Unset()


def project(value: JSONValue, shape: JSONValue) -> JSONValue:
    """``value`` cut down to the keys of ``shape`` (recursively for objects): what a write touched.

    ``project({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 0}}) == {"b": {"c": 2}}``; a key
    ``value`` lacks reads as ``None``; anything that is not an object is compared whole.
    """
    if isinstance(shape, Mapping) and isinstance(value, Mapping):
        return {key: project(value.get(key), sub) for key, sub in shape.items()}
    if isinstance(shape, Mapping) and value is None:
        return {key: project(None, sub) for key, sub in shape.items()}
    return value


def same(observed: JSONValue, wanted: JSONValue) -> bool:
    """Whether ``observed`` holds everything ``wanted`` says.

    Objects: every key of ``wanted`` (OData annotations such as ``@odata.type`` aside, which are
    not state) holds recursively, keys it does not name are ignored; lists: the same length and
    each element holds; anything else: equal. So a re-read object that carries more than was
    written still "reads as written".
    """
    if isinstance(wanted, Mapping):
        if not isinstance(observed, Mapping):
            return observed is None and all(v is None for k, v in wanted.items() if not str(k).startswith("@odata."))
        return all(same(observed.get(k), v) for k, v in wanted.items() if not str(k).startswith("@odata."))
    if isinstance(wanted, list):
        return (
            isinstance(observed, list)
            and len(observed) == len(wanted)
            and all(same(o, w) for o, w in zip(observed, wanted, strict=True))
        )
    return bool(observed == wanted)


def marker_tag(run_id: int, change_id: int) -> str:
    """The tag an object created by change ``change_id`` of run ``run_id`` carries in its marker field."""
    return f"[scorekeeper run {run_id} change {change_id}]"


def marked(base: str, run_id: int, change_id: int) -> str:
    """The deterministic marker value: the plugin's own text, then :func:`marker_tag`."""
    return f"{base} {marker_tag(run_id, change_id)}".strip()


@dataclass(frozen=True)
class Failure:
    """How a failed request is classified; ``text`` is what the change records as its error."""

    outcome: Outcome
    text: str


def classify(exc: GraphCallError, *, needs: str = "", method: str = "") -> Failure:
    """Sort a failed write into refused-with-permission, throttled, ambiguous or refused.

    ``needs`` names what a 401/403 lacked ("the app needs Domain.ReadWrite.All"); it is added
    to the message so the admin can act on it. ``method`` is the request's: a ``POST`` answered
    503 is ambiguous, not throttled, since nothing resent it (``graph/retry.py``) and Microsoft
    does not say a 503 was not applied. A success status whose body could not be read (a 200
    that is not JSON) is ambiguous too: the service said yes, but nothing it said can be trusted.
    """
    if exc.status in (401, 403):
        return Failure(Outcome.FAILED, f"permission refused ({needs or 'no permission named'}): {exc}")
    if 200 <= exc.status < 300 or exc.code == "MalformedResponse":
        return Failure(
            Outcome.AMBIGUOUS,
            f"outcome unknown, the answer could not be read (rollback re-reads and restores it): {exc}",
        )
    resent = method.upper() != "POST" or exc.status == 429  # what the pipeline retries (graph/retry.py)
    if exc.status in THROTTLED_STATUSES and resent:
        return Failure(Outcome.FAILED, f"throttled past retries, not applied: {exc}")
    if exc.status == 0 or exc.status in AMBIGUOUS_STATUSES or exc.status in THROTTLED_STATUSES:
        return Failure(
            Outcome.AMBIGUOUS,
            f"outcome unknown, the tenant may have applied it (rollback re-reads and restores it): {exc}",
        )
    return Failure(Outcome.FAILED, f"refused, not applied: {exc}")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


class Sender(Protocol):
    """Anything that sends one unrecorded request: :class:`Writer` and :class:`scorekeeper.TenantContext`."""

    async def send(self, request: Request) -> Any: ...


def searchable(marker: Any) -> bool:
    """Whether a create's recorded marker can find its object: a marker field, or fields to ``match``."""
    return (
        isinstance(marker, Mapping)
        and bool(marker.get("collection"))
        and bool(marker.get("field") or marker.get("match"))
    )


async def find_marked(sender: Sender, marker: Mapping[str, Any], tag: str, *, api: str, version: str) -> list[str]:
    """Paths of every object in the marker's collection that carries ``tag`` (and ``match``).

    The whole collection is listed, every ``@odata.nextLink`` followed; an object counts when its
    marker field contains ``tag`` and each ``match`` field is equal. A marker with no field
    matches on ``match`` alone (a directory setting: at most one per template). Raises
    :class:`scorekeeper.GraphCallError` when a page cannot be read: a list with a hole in it
    must not be taken for "nothing left".
    """
    collection = str(marker.get("collection") or "")
    field = marker.get("field")
    match = dict(marker.get("match") or {})
    if not collection or not (field or match):
        return []  # nothing identifies the object: never find (or delete) by guess
    page = await sender.send(Request("GET", collection, None, cast("Api", api), version))
    items = list((page or {}).get("value") or []) if isinstance(page, Mapping) else []
    link = page.get("@odata.nextLink") if isinstance(page, Mapping) else None
    while link:
        url = urlsplit(str(link))
        page_version, _, rest = url.path.lstrip("/").partition("/")
        path = rest + (f"?{url.query}" if url.query else "")
        page = await sender.send(Request("GET", path, None, cast("Api", api), page_version))
        items += list((page or {}).get("value") or []) if isinstance(page, Mapping) else []
        link = page.get("@odata.nextLink") if isinstance(page, Mapping) else None
    found = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("id") is None:
            continue
        if field and tag not in str(item.get(str(field)) or ""):
            continue
        if any(item.get(k) != v for k, v in match.items()):
            continue
        found.append(f"{collection.rstrip('/')}/{item['id']}")
    return found


class ChangeSink(Protocol):
    """Where the engine persists changes: the pending row first, the outcome after the write.

    ``run_id`` is the run the changes belong to (it goes into the marker of created objects).
    ``stop_reason`` is empty while writes may go on; once the engine's
    :meth:`scorekeeper.safety.gate.WriteGate.close` was called it says why, and the write helper
    refuses every new write (:class:`scorekeeper.errors.WritesStopped`) before recording it.
    """

    @property
    def run_id(self) -> int: ...

    @property
    def stop_reason(self) -> str: ...

    def started(self, change: Change) -> int: ...

    def finished(self, change: Change) -> None: ...


class WriteTarget(Protocol):
    """What the write helper needs of the tenant it writes to: :class:`scorekeeper.TenantContext` is one.

    A protocol rather than the class itself, so this module does not import the context that
    imports it (the context hands itself to :class:`Writer`).
    """

    @property
    def change_sink(self) -> ChangeSink: ...

    @property
    def declaration(self) -> Control | None: ...

    @property
    def portal(self) -> PortalClient | None: ...

    @property
    def portal_unavailable(self) -> str: ...

    async def graph_request(self, method: str, path: str, body: Any = None, *, version: str = "v1.0") -> Any: ...

    def progress(self, setting: str, status: str, message: str = "", *, completed: int = 0, total: int = 0) -> None: ...


class Writer:
    """The helper behind ``TenantContext.write``/``write_together``/``create``; one per context."""

    def __init__(self, tenant: WriteTarget) -> None:
        self.tenant = tenant

    # ------------------------------------------------------------------ plumbing
    def _check_stop(self, setting: str) -> None:
        reason = self.tenant.change_sink.stop_reason
        if reason:
            raise WritesStopped(f"{setting}: not written, {reason}")

    def needs(self, setting: str, api: str) -> str:
        """What a refused write of ``setting`` lacked, from the control's declaration."""
        control = self.tenant.declaration
        if control is None:
            return ""
        try:
            spec = control.setting(setting)
        except KeyError:
            return ""
        if api == "portal":
            roles = " or ".join(spec.directory_roles) or "an admin role"
            return f"the signed-in admin needs {roles}"
        wanted = list(spec.write_permissions)
        desired = getattr(self.tenant, "desired", None)
        for condition in spec.when_configured:  # needed under this configuration too (Setting.when_configured)
            value = desired.get(condition.key) if isinstance(desired, dict) else getattr(desired, condition.key, None)
            if value:
                wanted += [p for p in condition.write_permissions if p not in wanted]
        permissions = ", ".join(wanted)
        return f"the app needs {permissions}" if permissions else ""

    async def send(self, request: Request) -> Any:
        from scorekeeper.graph.errors import GraphCallError

        if request.api == "portal" and self.tenant.portal is None:
            raise GraphCallError(0, "NoPortalSignIn", self.tenant.portal_unavailable)
        wire = getattr(self.tenant, "_wire", None)  # the engine's waves while a tenant is changed
        if wire is not None:
            return await wire.send(request)
        if request.api == "portal":
            assert self.tenant.portal is not None
            return await self.tenant.portal.request(request.method, request.path, request.body)
        return await self.tenant.graph_request(request.method, request.path, request.body, version=request.version)

    async def _send_write(self, request: Request, parts: Sequence[Part], merge: bool) -> Any:
        """Send a recorded write; through the engine's wave, merged with others, when it asked to be."""
        wire = getattr(self.tenant, "_wire", None)
        if wire is None or not merge or (request.api == "portal" and self.tenant.portal is None):
            return await self.send(request)
        return await wire.send(request, merge=True, fields=[p.after for p in parts])

    def _start(self, change: Change) -> Change:
        return replace(change, id=self.tenant.change_sink.started(change))

    def _finish(self, change: Change, outcome: Outcome, error: str = "") -> Change:
        done = replace(change, outcome=outcome, error=error)
        self.tenant.change_sink.finished(done)
        return done

    def _report(self, change: Change, message: str) -> None:
        self.tenant.progress(change.setting, change.outcome.value, message if change.applied else change.error)

    # ------------------------------------------------------------------ the three calls
    async def write(
        self,
        parts: Sequence[Part],
        request: Request,
        *,
        read: Request | None,
        resource: Mapping[str, JSONValue],
        undo: Request | None,
        merge: bool = False,
    ) -> list[Change]:
        from scorekeeper.graph.errors import GraphCallError

        for part in parts:
            self._check_stop(part.setting)
        shared: dict[str, JSONValue] = dict(resource)
        # The body is not kept: before/after say what moved, and a whole-object body may be large.
        shared["request"] = {k: v for k, v in request.to_dict().items() if k != "body"}
        if read is not None:
            shared["read"] = read.to_dict()
        if undo is not None:
            shared["undo"] = undo.to_dict()
        pending = "write started, outcome not yet known"
        started = [
            self._start(Change(p.setting, p.before, p.after, Outcome.SKIPPED, dict(shared), error=pending))
            for p in parts
        ]
        try:
            await self._send_write(request, parts, merge)
        except GraphCallError as exc:
            failure = classify(exc, needs=self.needs(parts[0].setting, request.api), method=request.method)
            if failure.outcome is Outcome.AMBIGUOUS and provable(request.method):
                done = await self._prove(started, parts, request, read, merge, f"answered {exc}", failure.text)
            else:
                done = [self._finish(c, failure.outcome, failure.text) for c in started]
        except Exception as exc:  # a bug or a cancelled task: the outcome is not known
            done = [self._finish(c, Outcome.AMBIGUOUS, f"outcome unknown: {one_line(exc)}") for c in started]
            for change in done:
                self._report(change, "")
            raise
        else:
            done = [self._finish(c, Outcome.APPLIED) for c in started]
        for change in done:
            self._report(change, f"{request.method} {request.path}: {change.before!r} → {change.after!r}")
        return done

    async def _prove(
        self,
        started: list[Change],
        parts: Sequence[Part],
        request: Request,
        read: Request | None,
        merge: bool,
        answer: str,
        text: str,
    ) -> list[Change]:
        """Settle a ``PATCH``/``PUT`` that got no answer by reading it back (:mod:`scorekeeper.plugin.resend`).

        The read is ``read`` (else ``GET`` of the request's path). Every part reads as its
        ``after``: applied, proven. Otherwise the same request goes out again while
        :func:`~scorekeeper.plugin.resend.resend` says so; a resend answered with success is
        applied, one refused is failed. A read that fails leaves the changes ``ambiguous``.
        ``answer`` is what the first attempt got, ``text`` its classified error. Each change's
        ``resource["attempts"]`` tells the story; nothing raises for a tenant error.
        """
        from scorekeeper.graph.errors import GraphCallError

        probe = read or Request("GET", request.path, None, request.api, request.version)
        history = [f"{request.method} 1 {answer}"]
        outcome, sent = Outcome.AMBIGUOUS, 1

        def settled(outcome: Outcome, error: str = "", note: str = "") -> list[Change]:
            story = "; ".join([*history, note] if note else history)
            told: dict[str, JSONValue] = {"attempts": story, "sent": sent}
            return [self._finish(replace(c, resource=c.resource | told), outcome, error) for c in started]

        try:
            while True:
                try:
                    current = await self.send(probe)
                except GraphCallError as exc:
                    return settled(
                        Outcome.AMBIGUOUS,
                        f"{text}; the read that would prove it failed too ({exc}); rollback re-reads it",
                    )
                if all(same(current, p.after) for p in parts):
                    return settled(Outcome.APPLIED, note=f"GET {probe.path} read it as written")
                if not resend(request.method, outcome, False, sent):
                    history.append(f"GET {probe.path} read it not as written")
                    return [
                        self._finish(
                            replace(c, resource=c.resource | {"attempts": "; ".join(history), "sent": sent}),
                            Outcome.AMBIGUOUS,
                            f"{text}; sent {sent} time(s) and it still reads {project(current, c.after)!r} "
                            "(not as written); rollback re-reads it",
                        )
                        for c in started
                    ]
                reason = self.tenant.change_sink.stop_reason
                if reason:
                    return settled(
                        Outcome.AMBIGUOUS, f"{text}; the read says it did not take, not sent again: {reason}"
                    )
                history.append(f"GET {probe.path} read it not as written")
                sent += 1
                try:
                    await self._send_write(request, parts, merge)
                except GraphCallError as exc:
                    failure = classify(exc, needs=self.needs(parts[0].setting, request.api), method=request.method)
                    history.append(f"{request.method} {sent} answered {exc}")
                    if failure.outcome is not Outcome.AMBIGUOUS:
                        return settled(failure.outcome, failure.text)
                    outcome, text = failure.outcome, failure.text
                    continue
                history.append(f"{request.method} {sent} answered with success")
                return settled(Outcome.APPLIED)
        except Exception as exc:  # a bug or a cancelled task mid-proof: the outcome is not known
            done = [self._finish(c, Outcome.AMBIGUOUS, f"outcome unknown: {one_line(exc)}") for c in started]
            for change in done:
                self._report(change, "")
            raise

    async def create(
        self,
        setting: str,
        collection: str,
        body: Mapping[str, JSONValue],
        *,
        marker_field: str | None,
        match: Mapping[str, JSONValue],
        api: Api,
        version: str,
        resource: Mapping[str, JSONValue],
        after: Mapping[str, JSONValue] | None = None,
    ) -> Change:
        """``POST`` one object, never twice blind: an unknown outcome is settled by the marker first.

        After an answer that does not say whether the object was made (a 5xx, a timeout, a
        reset, an unreadable body) the collection is listed for the change's marker: whatever
        carries it is adopted (the change is applied, every such object recorded in
        ``resource["paths"]``, so rollback deletes them all); when nothing does, the listing is
        repeated after a pause (``Retry-After`` when the answer had one), and only then is the
        same ``POST`` — same marker — sent again, at most :data:`CREATE_ATTEMPTS` times in all.
        """
        from scorekeeper.graph.errors import GraphCallError

        self._check_stop(setting)
        base = str(body.get(marker_field) or "") if marker_field else ""
        marker = {"field": marker_field, "base": base, "match": dict(match), "collection": collection}
        info: dict[str, JSONValue] = dict(resource) | {
            "request": {"method": "POST", "path": collection, "api": api, "version": version},
            "marker": marker,
        }
        change = self._start(
            Change(
                setting, None, None, Outcome.SKIPPED, info, created=True, error="create started, outcome not yet known"
            )
        )
        assert change.id is not None
        sent = dict(body)
        tag = marker_tag(self.tenant.change_sink.run_id, change.id)
        if marker_field:
            # Deterministic from what is already committed: rollback recomputes it to find an orphan.
            sent[marker_field] = marked(base, self.tenant.change_sink.run_id, change.id)
        request = Request("POST", collection, sent, api, version)
        history: list[str] = []
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                made = await self.send(request)
            except GraphCallError as exc:
                failure = classify(exc, needs=self.needs(setting, api), method="POST")
                if failure.outcome is not Outcome.AMBIGUOUS:
                    earlier = f" (after {'; '.join(history)}; no object carried its marker)" if history else ""
                    done = self._finish(change, failure.outcome, failure.text + earlier)
                    break
                history.append(f"POST {attempt} answered {exc}")
                try:
                    found = await self._settle(marker, tag, api, version, exc, attempt)
                except GraphCallError as lookup:
                    done = self._finish(
                        change,
                        Outcome.AMBIGUOUS,
                        f"{failure.text}; the search for its marker failed too ({lookup}), so it was not sent "
                        "again; rollback searches again",
                    )
                    break
                except BaseException as stop:  # a stop, or a wait longer than this job may sleep
                    done = self._finish(change, Outcome.AMBIGUOUS, f"{failure.text}; not searched: {one_line(stop)}")
                    self._report(done, "")
                    raise
                if found is None:  # no marker to search by: never send again blind
                    done = self._finish(change, Outcome.AMBIGUOUS, failure.text)
                    break
                if found:
                    done = self._adopt(change, collection, found, after, "; ".join(history))
                    break
                if attempt == CREATE_ATTEMPTS:
                    done = self._finish(
                        change,
                        Outcome.AMBIGUOUS,
                        f"{failure.text}; after {attempt} attempt(s) no object carries its marker "
                        f"{tag}; rollback searches again",
                    )
                    break
                continue  # nothing carries the marker: the POST did not take effect, send it again
            except Exception as exc:
                done = self._finish(change, Outcome.AMBIGUOUS, f"outcome unknown: {one_line(exc)}")
                self._report(done, "")
                raise
            made_id = made.get("id") if isinstance(made, Mapping) else None
            own = [f"{collection.rstrip('/')}/{made_id}"] if made_id is not None else []
            if attempt > 1 and searchable(marker):
                # This POST followed a search that found nothing; search once more, in case a
                # lagging listing hid an earlier one: every object carrying the marker is recorded.
                try:
                    others = [p for p in await find_marked(self, marker, tag, api=api, version=version) if p not in own]
                except GraphCallError:
                    others = []  # rollback's own search finds them
                if others:
                    done = self._adopt(change, collection, own + others, after, "; ".join(history))
                    break
            if made_id is None:  # created, but the answer does not say which: the marker will find it
                done = self._finish(
                    change, Outcome.AMBIGUOUS, "created, but the answer named no id; rollback finds it by its marker"
                )
            else:
                where: dict[str, JSONValue] = {"id": str(made_id), "path": own[0]}
                if history:
                    where["attempts"] = "; ".join([*history, f"POST {attempt} created it"])
                change = replace(change, resource=change.resource | where, after={"id": str(made_id), **(after or {})})
                done = self._finish(change, Outcome.APPLIED)
            break
        paths = done.resource.get("paths")
        many = isinstance(paths, list) and len(paths) > 1
        extra = f" ({len(paths)} objects carry its marker, all recorded)" if many and isinstance(paths, list) else ""
        self._report(done, f"created {collection} {done.resource.get('id', '')}".strip() + extra)
        return done

    async def _settle(
        self, marker: Mapping[str, Any], tag: str, api: str, version: str, exc: GraphCallError, attempt: int
    ) -> list[str] | None:
        """After a create of unknown outcome: the objects carrying its marker (``None``: no marker to search by).

        Searched at once; when nothing carries it, searched again after a pause (the answer's
        ``Retry-After``, else :data:`CREATE_SEARCH_PAUSE` doubled per attempt), since a listing
        may lag the create it should show.
        """
        from scorekeeper.graph.throttle import pause

        if not searchable(marker):
            return None
        found = await find_marked(self, marker, tag, api=api, version=version)
        if found or attempt >= CREATE_ATTEMPTS:
            return found
        wait = exc.retry_after if exc.retry_after is not None else CREATE_SEARCH_PAUSE * 2 ** (attempt - 1)
        await pause(min(wait, MAX_CREATE_PAUSE), "a create of unknown outcome")
        return await find_marked(self, marker, tag, api=api, version=version)

    def _adopt(
        self,
        change: Change,
        collection: str,
        found: list[str],
        after: Mapping[str, JSONValue] | None,
        history: str,
    ) -> Change:
        """The change applied, as the first object found; every object carrying its marker recorded."""
        first = found[0]
        made_id = first.rsplit("/", 1)[-1]
        where: dict[str, JSONValue] = {
            "id": made_id,
            "path": first,
            "paths": list(found),
            "attempts": f"{history}; found by its marker: {', '.join(found)}".lstrip("; "),
        }
        change = replace(change, resource=change.resource | where, after={"id": made_id, **(after or {})})
        return self._finish(change, Outcome.APPLIED)

"""The write helper: one call per tenant request, recorded before it leaves, classified when it returns.

The implementation of the public :mod:`scorekeeper.writes` (whose docstring is the full story).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from scorekeeper.domain.model import Change, JSONValue, Outcome
from scorekeeper.errors import WritesStopped

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


def classify(exc: GraphCallError, *, needs: str = "") -> Failure:
    """Sort a failed write into refused-with-permission, throttled, ambiguous or refused.

    ``needs`` names what a 401/403 lacked ("the app needs Domain.ReadWrite.All"); it is added
    to the message so the admin can act on it.
    """
    if exc.status in (401, 403):
        return Failure(Outcome.FAILED, f"permission refused ({needs or 'no permission named'}): {exc}")
    if exc.status in THROTTLED_STATUSES:
        return Failure(Outcome.FAILED, f"throttled past retries, not applied: {exc}")
    if exc.status == 0 or exc.status in AMBIGUOUS_STATUSES:
        return Failure(
            Outcome.AMBIGUOUS,
            f"outcome unknown, the tenant may have applied it (rollback re-reads and restores it): {exc}",
        )
    return Failure(Outcome.FAILED, f"refused, not applied: {exc}")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__



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
        permissions = ", ".join(spec.write_permissions)
        return f"the app needs {permissions}" if permissions else ""

    async def send(self, request: Request) -> Any:
        from scorekeeper.graph.errors import GraphCallError

        if request.api == "portal":
            portal = self.tenant.portal
            if portal is None:
                raise GraphCallError(0, "NoPortalSignIn", self.tenant.portal_unavailable)
            return await portal.request(request.method, request.path, request.body)
        return await self.tenant.graph_request(request.method, request.path, request.body, version=request.version)

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
            await self.send(request)
        except GraphCallError as exc:
            failure = classify(exc, needs=self.needs(parts[0].setting, request.api))
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
        if marker_field:
            # Deterministic from what is already committed: rollback recomputes it to find an orphan.
            sent[marker_field] = marked(base, self.tenant.change_sink.run_id, change.id)
        try:
            made = await self.send(Request("POST", collection, sent, api, version))
        except GraphCallError as exc:
            failure = classify(exc, needs=self.needs(setting, api))
            done = self._finish(change, failure.outcome, failure.text)
        except Exception as exc:
            done = self._finish(change, Outcome.AMBIGUOUS, f"outcome unknown: {one_line(exc)}")
            self._report(done, "")
            raise
        else:
            made_id = made.get("id") if isinstance(made, Mapping) else None
            if made_id is None:  # created, but the answer does not say which: the marker will find it
                done = self._finish(
                    change, Outcome.AMBIGUOUS, "created, but the answer named no id; rollback finds it by its marker"
                )
            else:
                where = {"id": str(made_id), "path": f"{collection.rstrip('/')}/{made_id}"}
                change = replace(change, resource=change.resource | where, after={"id": str(made_id), **(after or {})})
                done = self._finish(change, Outcome.APPLIED)
        self._report(done, f"created {collection} {done.resource.get('id', '')}".strip())
        return done

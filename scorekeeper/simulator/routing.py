"""Routes and the context a handler gets: how core areas and plugin extensions declare endpoints.

A route names its method, its path under ``/v1.0``/``/beta`` (or under ``/api`` for the portal),
the permissions that grant it (any one is enough, as in Microsoft's permission tables) and the
Microsoft doc page it follows. Handlers receive a :class:`RequestContext` with the tenant's
state and helpers for Graph's response shapes, so an endpoint is a few lines.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from scorekeeper.simulator import metadata, odata
from scorekeeper.simulator.errors import Area, GraphError, bad_request, not_found
from scorekeeper.simulator.models import body_problems, read_only_properties
from scorekeeper.simulator.tokens import DELEGATED_ONLY

if TYPE_CHECKING:
    from scorekeeper.simulator.core import Simulator, Tenant
    from scorekeeper.simulator.tokens import Principal

GRAPH_VERSIONS = ("v1.0", "beta")
Handler = Callable[["RequestContext"], Any]


@dataclass(frozen=True)
class Reply:
    """A handler's answer when 200-with-a-JSON-body is not the right one (201, 204, headers)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """One endpoint: ``method`` + ``pattern`` (``{name}`` captures a segment) on one API."""

    method: str
    pattern: str
    handler: Handler
    permissions: frozenset[str]
    area: Area = Area.GRAPH
    versions: tuple[str, ...] = GRAPH_VERSIONS
    api: str = "graph"  # "graph" or "portal"
    doc: str = ""
    namespace: str | None = None  # the extension that owns the route's state; None for the core
    #: Permissions the page lists for delegated access only (e.g. User.ReadBasic.All on /users):
    #: an app-only token holding just these is refused, as Graph does.
    delegated_only: frozenset[str] = frozenset()
    #: Permission *combinations* a page requires ("Policy.Read.All and Policy.ReadWrite.ConditionalAccess"):
    #: when set, a token must hold every permission of one of them; ``permissions`` is then their union.
    all_of: tuple[frozenset[str], ...] = ()
    #: The Graph type the route returns (``user``); None: derived from the path through the metadata.
    returns: str | None = None

    @cached_property
    def graph_type(self) -> metadata.TypeInfo | None:
        """What the route serves, per Microsoft's metadata: named by ``returns`` or found from the path."""
        if self.api != "graph":
            return None
        if self.returns is not None:
            return metadata.graph_type(self.returns)
        resolved = metadata.resolve(self.pattern)
        return resolved[0] if resolved is not None else None

    def grants(self, permissions: frozenset[str], *, app_only: bool) -> bool:
        """Whether a token with ``permissions`` (app roles or delegated scopes) may call this route."""
        if self.all_of:
            return any(combination <= permissions for combination in self.all_of)
        accepted = self.permissions - self.delegated_only - DELEGATED_ONLY if app_only else self.permissions
        return bool(accepted & permissions)

    @property
    def regex(self) -> re.Pattern[str]:
        parts = re.split(r"(\{\w+\})", self.pattern.rstrip("/"))
        body = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(f"^{body}/?$", re.IGNORECASE)

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")


class RouteTable:
    """A list of routes filled by decorators: ``@table.get("/things/{id}", permissions=[...])``."""

    area: Area = Area.GRAPH
    namespace: str | None = None

    def __init__(self, area: Area = Area.GRAPH, namespace: str | None = None) -> None:
        self.area = area
        self.namespace = namespace
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        pattern: str,
        *,
        permissions: Iterable[str],
        versions: tuple[str, ...] = GRAPH_VERSIONS,
        api: str = "graph",
        area: Area | None = None,
        doc: str = "",
        delegated_only: Iterable[str] = (),
        all_of: Iterable[Iterable[str]] = (),
        returns: str | None = None,
    ) -> Callable[[Handler], Handler]:
        combinations = tuple(frozenset(c) for c in all_of)
        accepted = frozenset(permissions).union(*combinations)

        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method.upper(),
                    pattern,
                    handler,
                    accepted,
                    area or self.area,
                    tuple(versions),
                    api,
                    doc,
                    self.namespace,
                    frozenset(delegated_only),
                    combinations,
                    returns,
                )
            )
            return handler

        return register

    def get(self, pattern: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", pattern, **kw)

    def post(self, pattern: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", pattern, **kw)

    def patch(self, pattern: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", pattern, **kw)

    def put(self, pattern: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", pattern, **kw)

    def delete(self, pattern: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", pattern, **kw)


class Router:
    """Finds the route for a request, or the error Graph gives for an unknown path or method."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)
        self._compiled = [(r, r.regex) for r in self.routes]

    def match(self, api: str, version: str, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = False
        for route, regex in self._compiled:
            if route.api != api or (api == "graph" and version not in route.versions):
                continue
            found = regex.match(path)
            if not found:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed = True
        if allowed:
            raise GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
        if api == "portal":
            raise GraphError(404, "NotFound", f"No HTTP resource was found that matches the request URI '{path}'.")
        segment = self.failing_segment(api, version, path)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    def failing_segment(self, api: str, version: str, path: str) -> str:
        """The first segment of ``path`` that no route continues with (Graph names that one)."""
        segments = [s for s in path.strip("/").split("/") if s]
        patterns = [
            [p for p in r.pattern.strip("/").split("/") if p]
            for r in self.routes
            if r.api == api and (api != "graph" or version in r.versions)
        ]
        for i, segment in enumerate(segments):
            wanted = segment.lower()
            patterns = [p for p in patterns if len(p) > i and (p[i].startswith("{") or p[i].lower() == wanted)]
            if not patterns:
                return segment
        return segments[-1] if segments else ""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RequestContext:
    """Everything a handler needs: the tenant, the request, and Graph's response shapes."""

    sim: Simulator
    tenant: Tenant
    route: Route
    method: str
    version: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    principal: Principal
    base_url: str
    batched: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # the request's (or batch item's), names lower-cased

    def prefers_representation(self) -> bool:
        """``Prefer: return=representation``: the update pages that answer 204 then answer 200 with the object."""
        return "return=representation" in self.headers.get("prefer", "").replace(" ", "").lower()

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> dict[str, Any]:
        """The state this route owns: the tenant's core state, or its extension's own dict."""
        if self.route.namespace is None:
            return self.tenant.state
        return self.tenant.state.setdefault("extensions", {}).setdefault(self.route.namespace, {})

    @property
    def area(self) -> Area:
        return self.route.area

    # ----------------------------------------------------------------- errors
    def not_found(self, resource_id: str) -> GraphError:
        return not_found(self.area, resource_id)

    def bad_request(self, message: str) -> GraphError:
        return bad_request(self.area, message)

    # ----------------------------------------------------------------- bodies
    def json_body(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise self.bad_request("Empty Payload. JSON content expected.")
        return self.body

    def validate(
        self,
        type_name: str | None = None,
        body: dict[str, Any] | None = None,
        *,
        writable: Iterable[str] | None = None,
        required: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Refuse ``body`` as Graph would, against Microsoft's v1.0 metadata (one check for every route).

        ``type_name`` is the OData type (``authorizationPolicy``; None: the route's type); a
        body's ``@odata.type`` may name a type derived from it. Refused with a 400: a property
        the type lacks (ODataLib's wording), a value its Edm type, enum or complex type cannot
        hold, a property the CSDL marks Computed/Read-only (or ``id``), one outside ``writable``
        (what the update page lists, None: any), a ``required`` one missing.
        """
        data = self.json_body() if body is None else body
        name = type_name if type_name is not None else (self.graph_type.name if self.graph_type else None)
        if name is None:
            raise TypeError(f"{self.route.method} {self.route.pattern}: validate() needs a type the metadata knows")
        try:
            own, problems = body_problems(name, data)
        except metadata.UnknownType:
            raise self.bad_request(
                f"A type named '{metadata.full_name(name)}' could not be resolved by the model."
            ) from None
        for problem in problems:
            if problem.kind in ("unknown", "type"):
                raise self.bad_request(problem.message())
        limit = set(writable) if writable is not None else None
        fixed = read_only_properties(own)
        for key in sorted(k for k in data if "@" not in k):
            if key in fixed or (limit is not None and key not in limit):
                raise self.bad_request(f"Property '{key}' is read-only and cannot be set.")
        for key in required:
            if data.get(key) is None:
                raise self.bad_request(f"The property '{key}' is required and must be specified.")
        return data

    # ----------------------------------------------------------------- responses
    def context_url(self, fragment: str) -> str:
        return f"{odata.GRAPH_ROOT}/{self.version}/$metadata#{fragment}"

    @property
    def graph_type(self) -> metadata.TypeInfo | None:
        """The Graph type this route serves (None for the portal and paths the v1.0 metadata lacks)."""
        return self.route.graph_type

    def select_fields(self, known: Iterable[str] | None = None, type_name: str = "entity") -> list[str] | None:
        """``$select``: a name the route's type does not have is refused (v1.0; beta has more properties).

        ``known`` (an extension's own list) is used only where the metadata does not know the
        route's type: where it does, every property of the type may be selected, as in Graph.
        """
        fields = odata.parse_select(self.query.get("$select"))
        info = self.graph_type
        if info is not None and self.version == "v1.0":
            odata.check_select_type(fields, info, self.area)  # the metadata decides where it knows the type
        elif known is not None:
            odata.check_select(fields, known, self.area, type_name)
        return fields

    def shape(self, item: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
        """``item`` as Graph serves it: the selected properties or the type's default set (nulls filled)."""
        return odata.shape(item, self.graph_type, fields)

    def entity(self, item: dict[str, Any], fragment: str, *, select: bool = True) -> dict[str, Any]:
        """One object with its ``@odata.context`` (``fragment`` like ``policies/authorizationPolicy/$entity``)."""
        fields = self.select_fields() if select else None
        body = self.shape(item, fields)
        if fields:
            base, _, tail = fragment.partition("/$entity")
            fragment = f"{base}({','.join(fields)})/$entity" if tail == "" and "/$entity" in fragment else fragment
        return {"@odata.context": self.context_url(fragment), **body}

    def collection(
        self,
        items: Sequence[dict[str, Any]],
        fragment: str,
        *,
        type_name: str = "entity",
        filterable: Iterable[str] = (),
        sortable: Iterable[str] = (),
        page_size: int = 100,
        max_top: int = 999,
        top: bool = True,
        skip: bool = False,
    ) -> dict[str, Any]:
        """A page of ``items`` with $filter, $orderby, $count, $select, $top and paging, as Graph gives them.

        What may be filtered or sorted is what the route names plus what the metadata and the
        API pages declare for its type. ``skip=True`` for the lists whose page documents ``$skip``;
        elsewhere it is ignored, as before.
        """
        info = self.graph_type
        declared = tuple(filterable)
        if "$filter" in self.query and not declared and (info is None or not info.filterable):
            raise self.bad_request("Filter is not supported on this resource.")
        rows = odata.apply_filter(items, self.query.get("$filter"), declared, self.area, type_name, info)
        rows = odata.apply_orderby(rows, self.query.get("$orderby"), sortable, self.area, info)
        count = odata.wants_count(self.query.get("$count"), self.area)
        if count:
            self.check_count(info)
        fields = self.select_fields()
        size = (odata.parse_top(self.query.get("$top"), self.area, max_top) if top else None) or page_size
        offset = odata.parse_skip(self.query.get("$skip"), self.area) if skip else 0
        if "$skiptoken" in self.query:
            offset, _ = odata.decode_skiptoken(self.query["$skiptoken"], self.area)
        page = rows[offset : offset + size]
        context = f"{fragment}({','.join(fields)})" if fields else fragment
        body: dict[str, Any] = {"@odata.context": self.context_url(context)}
        if count:
            body["@odata.count"] = len(rows)
        if offset + size < len(rows):
            query = {k: v for k, v in self.query.items() if k not in ("$skiptoken", "$skip")}
            query["$skiptoken"] = odata.encode_skiptoken(offset + size, {})
            body["@odata.nextLink"] = f"{self.base_url}/{self.version}{self.path}?{urlencode(query, safe='$,')}"
        body["value"] = [self.shape(item, fields) for item in page]
        return body

    def check_count(self, info: metadata.TypeInfo | None) -> None:
        """``$count=true``: directory objects need ``ConsistencyLevel: eventual`` (an advanced query)."""
        directory = info is not None and metadata.is_subtype(info.name, "directoryObject")
        eventual = self.headers.get("consistencylevel", "").strip().lower() == "eventual"
        if (directory and not eventual) or (info is not None and info.countable is False):
            raise self.bad_request("$count is not currently supported.")

    def created(self, item: dict[str, Any], fragment: str) -> Reply:
        return Reply(201, {"@odata.context": self.context_url(fragment), **self.shape(item)})

    @staticmethod
    def no_content() -> Reply:
        return Reply(204)

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def now() -> str:
        return now_iso()


def find(items: Iterable[dict[str, Any]], item_id: str, key: str = "id") -> dict[str, Any] | None:
    """The item whose ``key`` equals ``item_id`` (case-insensitive, as Graph matches ids)."""
    wanted = item_id.lower()
    return next((i for i in items if str(i.get(key, "")).lower() == wanted), None)


def merge(target: dict[str, Any], patch: dict[str, Any], *, top: bool = True) -> None:
    """PATCH semantics: complex values merge property by property, collections are replaced.

    The entity's own annotations (``@odata.type`` that the SDK sends) are not stored.
    """
    for key, value in patch.items():
        if top and key.startswith("@"):
            continue
        if isinstance(value, dict) and isinstance(target.get(key), dict) and "@odata.type" not in value:
            merge(target[key], value, top=False)
        else:
            target[key] = value

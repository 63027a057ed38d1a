"""The ASGI application: authentication, faults, routing, ``$batch``, logging.

Graph lives under ``/v1.0`` and ``/beta``; the portal API under ``/api``. The tenant of a request
is the token's ``tid`` claim, as with real Graph. Written against raw ASGI rather than a
framework's router because faults need control of the wire: a reset connection, a truncated
body or an answer that never comes.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from scorekeeper.simulator import errors
from scorekeeper.simulator.errors import GraphError
from scorekeeper.simulator.observe import LoggedRequest
from scorekeeper.simulator.routing import Reply, RequestContext
from scorekeeper.simulator.tokens import GRAPH_AUDIENCE, PORTAL_AUDIENCE, Principal, TokenError, verify

if TYPE_CHECKING:
    from scorekeeper.simulator.core import Simulator
    from scorekeeper.simulator.faults import FaultRule

#: Key of a served connection's asyncio transport in ``scope["state"]`` (set by ``wire.WireProtocol``).
TRANSPORT = "scorekeeper.transport"
JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
MAX_BATCH = 20
#: Directory roles (template ids) whose holders may use the portal's password-reset blade.
PORTAL_WRITE_ROLES = frozenset(
    {
        "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",  # Authentication Policy Administrator
    }
)
PORTAL_READ_ROLES = PORTAL_WRITE_ROLES | {
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",  # Global Reader
    "5d6b6bb7-de71-4623-b4af-96380a352509",  # Security Reader
}


class Answer:
    """A response on its way out: status, JSON body (or raw bytes) and headers."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


class SimulatorApp:
    """ASGI callable bound to one :class:`~scorekeeper.simulator.core.Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.on_write: Any = None  # called after a successful write (``serve`` saves the state file)

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        method = scope["method"].upper()
        path = scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
        base_url = self._base_url(scope, headers)
        answer, rules = await self.handle(method, path, query, raw, headers, base_url)
        transport = (scope.get("state") or {}).get(TRANSPORT)
        if transport is not None:  # served over a socket (wire.py): faults act on the connection
            await self._send_on_wire(send, receive, transport, answer, rules)
        else:
            await self._send(send, answer, rules)

    @staticmethod
    def _base_url(scope: dict[str, Any], headers: dict[str, str]) -> str:
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", None)
            host = f"{server[0]}:{server[1]}" if server[1] not in (None, 80) else str(server[0])
        return f"{scope.get('scheme', 'http')}://{host}"

    @staticmethod
    def _wire_form(answer: Answer, kinds: set[str]) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        payload = answer.payload()
        content_type = answer.headers.pop("Content-Type", JSON_TYPE if payload else None)
        if "malformed" in kinds:
            payload = b'{"value": [ {"id": ' + b"\x00not json"
        headers = [(k.lower().encode(), str(v).encode()) for k, v in answer.headers.items()]
        if content_type:
            headers.append((b"content-type", content_type.encode()))
        return payload, headers

    async def _send_on_wire(
        self, send: Any, receive: Any, transport: Any, answer: Answer, rules: list[FaultRule]
    ) -> None:
        """Over a real socket: a reset is a TCP reset and a timeout is silence, not an HTTP 500.

        (Raising here, as the in-process path does, would make uvicorn answer 500.) After the
        connection is dropped the app waits for uvicorn's ``http.disconnect`` so that uvicorn
        does not try to answer on its own.
        """
        from scorekeeper.simulator.wire import drop

        kinds = {r.kind for r in rules if r.kind}
        payload, headers = self._wire_form(answer, kinds)
        if "timeout" in kinds:
            wait = max(r.timeout_after for r in rules if r.kind == "timeout")
            try:  # the write was applied; the client hears nothing until it gives up
                await asyncio.wait_for(receive(), wait)
                return
            except TimeoutError:
                kinds.add("reset")
        if "reset" in kinds:
            drop(transport)
            await receive()
            return
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        if "truncated" in kinds:
            await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True})
            drop(transport)
            await receive()
            return
        await send({"type": "http.response.body", "body": payload})

    async def _send(self, send: Any, answer: Answer, rules: list[FaultRule]) -> None:
        import httpx

        kinds = {r.kind for r in rules if r.kind}
        payload, headers = self._wire_form(answer, kinds)
        if "timeout" in kinds:
            wait = max(r.timeout_after for r in rules if r.kind == "timeout")
            await asyncio.sleep(wait)
            raise httpx.ReadTimeout("simulated: the answer did not come within the client's timeout")
        if "reset" in kinds:
            raise httpx.ReadError("simulated: connection reset by peer")
        if "truncated" in kinds:
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": answer.status, "headers": headers})
            await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True})
            raise httpx.RemoteProtocolError("simulated: connection closed before the body was complete")
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    # ------------------------------------------------------------------ requests
    async def handle(
        self, method: str, path: str, query: dict[str, str], raw: bytes, headers: dict[str, str], base_url: str
    ) -> tuple[Answer, list[FaultRule]]:
        """One top-level HTTP request: faults first, then authentication and dispatch."""
        arrived = time.time()
        api, version, rest = self._split(path)
        client_id = headers.get("client-request-id") or headers.get("x-ms-client-request-id")
        rules = self.sim.faults.pick(method, path, self._tenant_hint(headers), batched=False)
        delay = self.sim.faults.delay(rules)
        if delay:
            await asyncio.sleep(delay)
        status_rule = next((r for r in rules if r.status), None)
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):  # the identity platform (fleet.py)
            from scorekeeper.simulator.fleet import token_endpoint

            status, payload = token_endpoint(self.sim, path, raw, base_url=base_url)
            self._log(method, path, query, None, status, False, None, at=arrived)  # never the secret
            return Answer(status, payload), rules
        if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):  # MSAL's discovery
            from scorekeeper.simulator.fleet import openid_configuration

            status, payload = openid_configuration(self.sim, path, base_url)
            self._log(method, path, query, None, status, False, None, at=arrived)
            return Answer(status, payload), rules
        body = self._parse_body(raw)
        if any(r.unapplied for r in rules):  # lost on its way in: the backend never sees it
            self._log(method, path, query, body, 0, False, None, at=arrived)
            return Answer(504, None, {}), rules  # never sent: the transport fault replaces it
        if status_rule is not None and not status_rule.apply:
            answer = self._fault_answer(status_rule, api, client_id)
            self._log(method, path, query, body, answer.status, False, None, at=arrived)
            return answer, rules
        try:
            principal = self._authenticate(api, headers)
        except GraphError as exc:
            answer = self._error(exc, api, client_id)
            self._log(method, path, query, body, answer.status, False, None, at=arrived)
            return answer, rules
        if api == "graph" and rest.rstrip("/").lower() == "/$batch" and method == "POST":
            answer = await self._batch(version, body, raw, principal, base_url, client_id)
            self._log(method, path, query, body, answer.status, False, principal.tenant_id, at=arrived)
            return answer, rules
        answer = await self.dispatch(
            api, version, method, rest, query, body, raw, principal, base_url, client_id, headers=headers
        )
        # The log keeps what the backend did (a write applied), even when the client hears otherwise.
        self._log(method, path, query, body, answer.status, False, principal.tenant_id, at=arrived)
        if status_rule is not None:  # "500 after apply": the write happened, the answer says it failed
            answer = self._fault_answer(status_rule, api, client_id)
        return answer, rules

    @staticmethod
    def _split(path: str) -> tuple[str, str, str]:
        parts = path.split("/", 2)
        head = parts[1] if len(parts) > 1 else ""
        rest = "/" + parts[2] if len(parts) > 2 else "/"
        if head in ("v1.0", "beta"):
            return "graph", head, rest
        if head == "api":
            return "portal", "", path
        return "unknown", "", path

    @staticmethod
    def _tenant_hint(headers: dict[str, str]) -> str | None:
        """The ``tid`` of the bearer token, unverified, only so fault rules can target a tenant."""
        from scorekeeper.simulator.tokens import _unb64

        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            return json.loads(_unb64(token.split(".")[1])).get("tid")
        except (IndexError, ValueError, AttributeError):
            return None

    @staticmethod
    def _parse_body(raw: bytes) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return _Unparsable(raw)

    def _fault_answer(self, rule: FaultRule, api: str, client_id: str | None) -> Answer:
        status = rule.status or 500
        if status == 429:
            error = errors.throttled(rule.retry_after if rule.retry_after is not None else 1)
        elif status == 403:
            error = errors.forbidden()  # Graph's 403 is a refusal, never "temporarily unavailable"
        else:
            codes = {503: "serviceNotAvailable", 504: "gatewayTimeout", 500: "generalException"}
            # Wording of the error-codes table on learn.microsoft.com/graph/errors: 500 is an
            # internal error ("An unspecified error has occurred."), 503/504 a service unavailable.
            message = (
                "An unspecified error has occurred." if status == 500 else "The service is temporarily unavailable."
            )
            error = GraphError(status, codes.get(status, "generalException"), message)
            if rule.retry_after is not None:
                error.headers["Retry-After"] = str(int(rule.retry_after))
        return self._error(error, api, client_id)

    def _error(self, error: GraphError, api: str, client_id: str | None) -> Answer:
        if api == "portal":
            body: Any = {"errorCode": error.code, "message": error.message}
        else:
            body = errors.error_body(error, client_id)
        return Answer(error.status, body, dict(error.headers))

    def _authenticate(self, api: str, headers: dict[str, str]) -> Principal:
        header = headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise errors.unauthorized("Access token is empty.")
        try:
            principal = verify(self.sim.secret, header[7:].strip())
        except TokenError as exc:
            raise errors.unauthorized(str(exc)) from None
        if principal.tenant_id not in self.sim.tenant_ids:
            raise errors.unauthorized("Access token validation failure. The tenant does not exist in this simulator.")
        if api == "portal":
            if principal.audience != PORTAL_AUDIENCE:
                raise errors.unauthorized("Access token validation failure. Invalid audience.")
            if principal.app_only:
                raise GraphError(401, "Unauthorized", "The portal API accepts only delegated (user) tokens.")
        elif principal.audience != GRAPH_AUDIENCE:
            raise errors.unauthorized("Access token validation failure. Invalid audience.")
        return principal

    async def dispatch(
        self,
        api: str,
        version: str,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        raw: bytes,
        principal: Principal,
        base_url: str,
        client_id: str | None,
        *,
        batched: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Route one (possibly batched) request and turn the handler's result into an answer."""
        try:
            if api == "unknown":
                raise GraphError(404, "NotFound", f"No API is served at {path}.")
            route, params = self.sim.router.match(api, version, method, path)
            self._authorize(route, principal)
            if isinstance(body, _Unparsable):
                raise errors.bad_request(
                    route.area,
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
                    "valid JSON format.",
                )
            tenant = self.sim.tenant(principal.tenant_id)
            ctx = RequestContext(
                self.sim,
                tenant,
                route,
                method,
                version,
                path,
                params,
                query,
                body,
                principal,
                base_url,
                batched,
                {k.lower(): v for k, v in (headers or {}).items()},
            )
            with self.sim.lock:
                result = route.handler(ctx)
                if inspect.isawaitable(result):
                    result = await result
            answer = self._result(result)
            if route.writes and 200 <= answer.status < 300:
                from scorekeeper.simulator.audit import record  # issue 27: who changed what

                with self.sim.lock:
                    record(ctx, answer.body)
            if route.writes and 200 <= answer.status < 300 and self.on_write is not None:
                self.on_write()
            return answer
        except GraphError as exc:
            return self._error(exc, api, client_id)

    @staticmethod
    def _result(result: Any) -> Answer:
        if result is None:
            return Answer(204)
        if isinstance(result, Reply):
            return Answer(result.status, result.body, result.headers)
        return Answer(200, result)

    @staticmethod
    def _authorize(route: Any, principal: Principal) -> None:
        if route.api == "portal":
            roles = set(principal.claims.get("wids") or [])
            needed = PORTAL_WRITE_ROLES if route.writes else PORTAL_READ_ROLES
            if not roles & needed:
                raise GraphError(
                    403, "Forbidden", "The signed-in user lacks a directory role that manages password reset."
                )
            return
        if not route.grants(principal.permissions, app_only=principal.app_only):
            raise errors.forbidden(route.area)

    def _log(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        status: int,
        batched: bool,
        tenant_id: str | None,
        *,
        at: float | None = None,
    ) -> None:
        logged_body = body.raw.decode(errors="replace") if isinstance(body, _Unparsable) else body
        self.sim.request_log.append(
            LoggedRequest(method, path, dict(query), logged_body, status, batched, tenant_id, at or time.time())
        )

    # ------------------------------------------------------------------ $batch
    async def _batch(
        self, version: str, body: Any, raw: bytes, principal: Principal, base_url: str, client_id: str | None
    ) -> Answer:
        """JSON batching: at most 20 requests, relative URLs, per-item status, ``dependsOn``."""
        from urllib.parse import urlsplit

        area = errors.Area.GRAPH
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
            return self._error(errors.bad_request(area, "Invalid batch payload format."), "graph", client_id)
        requests = body["requests"]
        if not requests:
            return self._error(errors.bad_request(area, "Invalid batch payload format."), "graph", client_id)
        if len(requests) > MAX_BATCH:
            message = f"The number of requests in the batch must not exceed {MAX_BATCH}."
            return self._error(errors.bad_request(area, message), "graph", client_id)
        ids = [str(r.get("id")) if isinstance(r, dict) else "" for r in requests]
        if any(not isinstance(r, dict) or not r.get("id") for r in requests) or len(set(ids)) != len(ids):
            message = "Each batch request needs an id, unique within the batch."
            return self._error(errors.bad_request(area, message), "graph", client_id)
        for request in requests:
            for dep in request.get("dependsOn") or []:
                if str(dep) not in ids or ids.index(str(dep)) >= ids.index(str(request["id"])):
                    message = f"Request {request['id']} depends on {dep}, which is not an earlier request."
                    return self._error(errors.bad_request(area, message), "graph", client_id)
        statuses: dict[str, int] = {}
        responses = []
        for request in requests:
            item_id = str(request["id"])
            method = str(request.get("method", "")).upper()
            url = str(request.get("url", ""))
            failed_dep = [d for d in request.get("dependsOn") or [] if not 200 <= statuses.get(str(d), 0) < 300]
            if failed_dep:
                answer = self._error(
                    GraphError(424, "FailedDependency", "A request this request depends on failed."), "graph", client_id
                )
            elif not method or not url or urlsplit(url).scheme:
                answer = self._error(
                    errors.bad_request(area, "Each request needs a method and a URL relative to the version root."),
                    "graph",
                    client_id,
                )
            else:
                answer = await self._batch_item(version, method, url, request, principal, base_url, client_id)
            statuses[item_id] = answer.status
            item: dict[str, Any] = {"id": item_id, "status": answer.status}
            item_headers = dict(answer.headers)
            if answer.body is not None:
                item_headers.setdefault("Content-Type", JSON_TYPE)
            item["headers"] = item_headers
            if answer.body is not None:
                item["body"] = answer.body
            responses.append(item)
        return Answer(200, {"responses": responses})

    async def _batch_item(
        self,
        version: str,
        method: str,
        url: str,
        request: dict[str, Any],
        principal: Principal,
        base_url: str,
        client_id: str | None,
    ) -> Answer:
        from urllib.parse import urlsplit

        parts = urlsplit(url if url.startswith("/") else "/" + url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        full_path = f"/{version}{parts.path}"
        body = request.get("body")
        headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
        if body is not None and "content-type" not in headers:
            error = errors.bad_request(errors.Area.GRAPH, "Content-Type header must be specified when a body is sent.")
            answer = self._error(error, "graph", client_id)
        else:
            rules = self.sim.faults.pick(method, full_path, principal.tenant_id, batched=True)
            delay = self.sim.faults.delay(rules)
            if delay:
                await asyncio.sleep(delay)
            status_rule = next((r for r in rules if r.status), None)
            if status_rule is not None and not status_rule.apply:
                answer = self._fault_answer(status_rule, "graph", client_id)
            else:
                answer = await self.dispatch(
                    "graph",
                    version,
                    method,
                    parts.path,
                    query,
                    body,
                    b"",
                    principal,
                    base_url,
                    client_id,
                    batched=True,
                    headers=headers,
                )
                if status_rule is not None:  # applied, then answered as failed
                    self._log(method, full_path, query, body, answer.status, True, principal.tenant_id)
                    return self._fault_answer(status_rule, "graph", client_id)
        self._log(method, full_path, query, body, answer.status, True, principal.tenant_id)
        return answer


class _Unparsable:
    """A request body that is not JSON (kept raw for the log)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

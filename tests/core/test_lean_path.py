"""The lean request path (``graph/lean.py``) against the SDK pipeline it replaces, on the same raw socket server.

Each test sends the same request both ways — a client over aiohttp's connections (the lean path)
and one built with an explicit ``transport=`` (kiota's adapter and middleware over the same
aiohttp transport) — and compares what reached the server and what the caller got back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from scorekeeper.engine.auth import StaticTokenCredential
from scorekeeper.graph import lean
from scorekeeper.graph.client import build_graph_client, graph_request
from scorekeeper.graph.errors import GraphCallError, PortalError
from scorekeeper.graph.lean import graph_pipeline
from scorekeeper.graph.portal import PortalClient
from scorekeeper.graph.tls import shared_ssl_context
from scorekeeper.graph.transport import AiohttpTransport, Answer
from tests.core.test_network_transport import Seen, _answer, _read_request

ERROR = b'{"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges."}}'


@asynccontextmanager
async def scripted(answers: list[bytes]) -> AsyncIterator[tuple[str, Seen]]:
    """A server answering each request with the next of ``answers`` (the last one repeated), keeping the connection."""
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            while await _read_request(reader, seen):
                writer.write(answers[min(len(seen.heads), len(answers)) - 1])
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", seen
    finally:
        server.close()


def _heads(seen: Seen) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """Request lines and headers (names in lower case), without the per-request GUID."""
    out = []
    for head in seen.heads:
        line, *rest = head.rstrip(b"\r\n").split(b"\r\n")
        fields = dict(h.split(b": ", 1) for h in rest)
        out.append((line, {k.lower(): v for k, v in fields.items() if k.lower() != b"client-request-id"}))
    return out


def _both(url: str) -> tuple[Any, Any]:
    """A lean client and an SDK-pipeline client for ``url``, with the same token."""
    credential = StaticTokenCredential("TOKEN")
    lean_client = build_graph_client(credential, url, timeout=5)
    sdk_client = build_graph_client(
        credential, url, timeout=5, transport=AiohttpTransport(ssl_context=shared_ssl_context())
    )
    assert graph_pipeline(lean_client.request_adapter) is not None
    assert graph_pipeline(sdk_client.request_adapter) is None
    return lean_client, sdk_client


async def _close(*clients: Any) -> None:
    for client in clients:
        await client.request_adapter._http_client.aclose()


REQUESTS = [
    ("GET", "organization?$select=id,displayName&$filter=name%20eq%20'a b'", None, "v1.0"),
    ("GET", "users?%24select=id&%24top=2", None, "beta"),  # parameter names decoded as the SDK does
    ("POST", "$batch", {"requests": [{"id": "1", "method": "GET", "url": "/organization"}]}, "v1.0"),
    ("PATCH", "policies/authorizationPolicy", {"allowedToUseSSPR": True, "name": "é"}, "v1.0"),
    ("DELETE", "groups/abc", None, "v1.0"),
    ("POST", "groups/abc/members/$ref", None, "v1.0"),
]


@pytest.mark.parametrize(("method", "path", "body", "version"), REQUESTS, ids=[r[0] + " " + r[1] for r in REQUESTS])
async def test_the_lean_path_puts_the_sdk_pipeline_s_request_on_the_wire_and_returns_the_same(
    method: str, path: str, body: Any, version: str
) -> None:
    async with scripted([_answer(200, b'{"value": [1]}')]) as (url, seen):
        lean_client, sdk_client = _both(url)
        try:
            got = [await graph_request(c, method, path, body, version=version) for c in (lean_client, sdk_client)]
        finally:
            await _close(lean_client, sdk_client)
    assert got[0] == got[1] == {"value": [1]}
    lean_head, sdk_head = _heads(seen)
    assert lean_head == sdk_head
    assert seen.bodies[0] == seen.bodies[1]
    assert seen.connections == 2


async def test_a_graph_endpoint_gets_the_sdk_s_telemetry_headers_and_a_new_request_id_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """msgraph-core adds ``SdkVersion``, ``HostOs``... only for a Graph endpoint: compared without a network."""
    sdk_seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sdk_seen.append(request)
        return httpx.Response(200, json={})

    credential = StaticTokenCredential("TOKEN")
    sdk_client = build_graph_client(credential, transport=httpx.MockTransport(answer))
    lean_client = build_graph_client(credential)
    pipeline = graph_pipeline(lean_client.request_adapter)
    assert pipeline is not None
    lean_seen: list[tuple[str, str, list[tuple[str, str]], bytes | None]] = []

    async def exchange(method: str, url: Any, headers: list[tuple[str, str]], body: bytes | None, _: Any) -> Answer:
        lean_seen.append((method, str(url), headers, body))
        return Answer(200, CIMultiDictProxy(CIMultiDict()), b"{}")

    monkeypatch.setattr(pipeline.client.transport, "exchange", exchange)
    for client in (sdk_client, lean_client, lean_client):
        await graph_request(client, "POST", "$batch", {"requests": []}, version="beta")
    await _close(sdk_client, lean_client)
    sdk_headers = {k.lower(): v for k, v in sdk_seen[0].headers.items() if k.lower() not in ("host", "content-length")}
    lean_headers = [{k.lower(): v for k, v in headers} for _, _, headers, _ in lean_seen]
    assert {"sdkversion", "hostos", "runtimeenvironment", "client-request-id"} <= set(sdk_headers)
    for headers in lean_headers:
        assert {k: v for k, v in headers.items() if k != "client-request-id"} == {
            k: v for k, v in sdk_headers.items() if k != "client-request-id"
        }
    assert lean_headers[0]["client-request-id"] != lean_headers[1]["client-request-id"], "a GUID per request"
    assert lean_seen[0][1] == str(sdk_seen[0].url) == "https://graph.microsoft.com/beta/$batch"
    assert lean_seen[0][3] == sdk_seen[0].content


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry layer's waits, recorded instead of slept."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(lean, "sleep", record)
    return waited


async def test_a_fleet_worker_gives_a_throttled_tenant_back_instead_of_sleeping_through_retry_after() -> None:
    from scorekeeper.errors import TenantThrottled
    from scorekeeper.graph import throttle

    answers = [_answer(429, ERROR, "retry-after: 120\r\n"), _answer(200, b'{"id": "x"}')]
    async with scripted(answers) as (url, seen):
        client, sdk = _both(url)
        token = throttle.max_wait.set(5.0)  # what a fleet worker sets for the job it runs
        try:
            with pytest.raises(TenantThrottled) as raised:
                await graph_request(client, "GET", "organization")
        finally:
            throttle.max_wait.reset(token)
            await _close(client, sdk)
    assert len(seen.heads) == 1, "not resent: the queue runs the tenant again after Retry-After"
    assert raised.value.retry_after == 120


async def test_throttled_and_unavailable_reads_are_resent_after_retry_after_or_kiota_s_back_off(
    waits: list[float],
) -> None:
    answers = [
        _answer(429, ERROR, "retry-after: 7\r\n"),
        _answer(503, ERROR),
        _answer(200, b'{"id": "x"}'),
    ]
    async with scripted(answers) as (url, seen):
        client, sdk = _both(url)
        try:
            assert await graph_request(client, "GET", "organization") == {"id": "x"}
        finally:
            await _close(client, sdk)
    assert len(seen.heads) == 3
    assert [b"retry-attempt" in head.lower() for head in seen.heads] == [False, True, True]
    assert b"retry-attempt: 2" in seen.heads[2].lower()
    assert waits[0] == 7, "Retry-After as given"
    assert 3.5 <= waits[1] <= 4.5, "kiota's back-off: 0.5 s, up to 1 s of jitter, 3 s of base delay"


async def test_a_read_throttled_past_its_retries_fails_with_graph_s_error_as_before(waits: list[float]) -> None:
    async with scripted([_answer(429, ERROR, "retry-after: 1\r\n")]) as (url, seen):
        client, sdk = _both(url)
        errors = []
        try:
            for c in (client, sdk):
                with pytest.raises(GraphCallError) as raised:
                    await graph_request(c, "GET", "organization")
                errors.append(raised.value)
        finally:
            await _close(client, sdk)
    assert len(seen.heads) == 8, "one attempt and three retries, each way"
    assert [(e.status, e.code, e.message, e.retry_after) for e in errors] == [
        (429, "Authorization_RequestDenied", "Insufficient privileges.", 1.0)
    ] * 2


@pytest.mark.parametrize("status", [503, 504])
async def test_a_post_answered_503_or_504_is_never_resent_but_a_batch_of_reads_is(
    status: int, waits: list[float]
) -> None:
    refused = _answer(status, ERROR, "retry-after: 1\r\n")
    async with scripted([refused, refused, _answer(200, b'{"responses": []}')]) as (url, seen):
        client, sdk = _both(url)
        try:
            with pytest.raises(GraphCallError) as raised:
                await graph_request(client, "POST", "groups", {"displayName": "g"})
            assert raised.value.status == status
            assert await graph_request(client, "POST", "$batch", {"requests": []}) == {"responses": []}
        finally:
            await _close(client, sdk)
    assert [head.split(b" ")[1] for head in seen.heads] == [b"/v1.0/groups", b"/v1.0/$batch", b"/v1.0/$batch"]


async def test_redirects_are_followed_as_kiota_s_redirect_handler_builds_them() -> None:
    answers = [
        _answer(307, b"", "location: /v1.0/moved\r\n"),
        _answer(200, b'{"ok": 1}'),
        _answer(303, b"", "location: /v1.0/other\r\n"),
        _answer(200, b'{"ok": 2}'),
    ]
    async with scripted(answers * 2) as (url, seen):
        client, sdk = _both(url)
        try:
            got = []
            for c in (client, sdk):
                got.append(await graph_request(c, "PATCH", "x", {"a": 1}))
                got.append(await graph_request(c, "POST", "y", {"b": 2}))
        finally:
            await _close(client, sdk)
    assert got == [{"ok": 1}, {"ok": 2}] * 2
    heads = _heads(seen)
    assert heads[:4] == heads[4:], "the same four requests each way"
    assert [h[0] for h in heads[:4]] == [
        b"PATCH /v1.0/x HTTP/1.1",
        b"PATCH /v1.0/moved HTTP/1.1",  # 307 keeps the method and body
        b"POST /v1.0/y HTTP/1.1",
        b"GET /v1.0/other HTTP/1.1",  # 303 becomes a GET without a body
    ]
    assert seen.bodies[:4] == seen.bodies[4:] and seen.bodies[1] == b'{"a":1}' and seen.bodies[3] == b""


async def test_an_answer_that_is_not_json_and_an_empty_one_read_as_before() -> None:
    answers = [_answer(200, b"<html>"), _answer(204, b""), _answer(500, b"<html>gateway</html>")]
    async with scripted(answers * 2) as (url, _):
        client, sdk = _both(url)
        outcomes: list[list[object]] = []
        try:
            for c in (client, sdk):
                row: list[object] = []
                for _ in range(3):
                    try:
                        row.append(await graph_request(c, "GET", "organization"))
                    except GraphCallError as exc:
                        row.append((exc.status, exc.code))
                outcomes.append(row)
        finally:
            await _close(client, sdk)
    assert outcomes[0] == outcomes[1] == [(0, "MalformedResponse"), None, (500, "UnknownError")]


async def test_a_tenant_s_own_client_keeps_and_returns_cookies_as_httpx_did() -> None:
    answers = [_answer(200, b"{}", "set-cookie: slice=a; Path=/\r\n"), _answer(200, b"{}")]
    async with scripted(answers) as (url, seen):
        client = build_graph_client(StaticTokenCredential("TOKEN"), url, timeout=5)
        try:
            await graph_request(client, "GET", "a")
            await graph_request(client, "GET", "b")
        finally:
            await _close(client)
    assert [b"cookie: slice=a" in head.lower() for head in seen.heads] == [False, True]


async def test_the_portal_client_sends_what_httpx_sent() -> None:
    async with scripted([_answer(200, b'{"enablementType": 1}')]) as (url, seen):
        credential = StaticTokenCredential("TOKEN")
        own = PortalClient(credential, f"{url}/api", timeout=5)
        through_httpx = PortalClient(
            credential, f"{url}/api", timeout=5, transport=AiohttpTransport(ssl_context=shared_ssl_context())
        )
        assert own._lean is not None and through_httpx._lean is None
        try:
            for portal in (own, through_httpx):
                assert await portal.get("PasswordReset/PasswordResetPolicies?getPasswordResetEnabledGroup=true") == {
                    "enablementType": 1
                }
                await portal.put("PasswordReset/PasswordResetPolicies", {"enablementType": 2, "name": "é"})
        finally:
            await own.aclose()
            await through_httpx.aclose()
    strip = [b"x-ms-client-request-id"]
    heads = [(line, {k: v for k, v in fields.items() if k not in strip}) for line, fields in _heads(seen)]
    assert heads[:2] == heads[2:]
    assert seen.bodies[:2] == seen.bodies[2:] and seen.bodies[1] == '{"enablementType":2,"name":"é"}'.encode()


async def test_a_portal_error_reads_the_same_both_ways(waits: list[float]) -> None:
    async with scripted([_answer(403, b'{"errorCode": "Denied", "message": "no"}', "retry-after: 5\r\n")]) as (
        url,
        _,
    ):
        credential = StaticTokenCredential("TOKEN")
        portals = [
            PortalClient(credential, f"{url}/api", timeout=5),
            PortalClient(
                credential, f"{url}/api", timeout=5, transport=AiohttpTransport(ssl_context=shared_ssl_context())
            ),
        ]
        errors = []
        try:
            for portal in portals:
                with pytest.raises(PortalError) as raised:
                    await portal.get("PasswordReset/PasswordResetPolicies")
                errors.append((raised.value.status, raised.value.code, raised.value.message, raised.value.retry_after))
        finally:
            for portal in portals:
                await portal.aclose()
    assert errors == [(403, "Denied", "no", 5.0)] * 2


def test_a_proxy_in_the_environment_keeps_the_sdk_pipeline_and_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    client = build_graph_client(StaticTokenCredential("TOKEN"))
    portal = PortalClient(StaticTokenCredential("TOKEN"))
    assert graph_pipeline(client.request_adapter) is None
    assert portal._lean is None


class _RecordingCredential:
    """A token per call, remembering the claims each call asked for (kiota passes them decoded)."""

    def __init__(self) -> None:
        self.claims: list[str | None] = []

    def get_token(self, *scopes: str, claims: str | None = None, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.claims.append(claims)
        return AccessToken(f"TOKEN{len(self.claims)}", 2**31)


async def test_a_claims_challenge_gets_a_new_token_with_the_claims_and_one_resend_as_kiota_does() -> None:
    """Continuous access evaluation: a 401 whose ``WWW-Authenticate`` carries ``claims``.

    The header as https://learn.microsoft.com/entra/identity-platform/claims-challenge shows it.
    """
    claims = "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ=="
    challenge = _answer(
        401,
        ERROR,
        'www-authenticate: Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
        f'authorize", error="insufficient_claims", claims="{claims}"\r\n',
    )
    async with scripted([challenge, _answer(200, b"{}"), challenge, _answer(200, b"{}")]) as (url, seen):
        credentials = [_RecordingCredential(), _RecordingCredential()]
        lean_client = build_graph_client(credentials[0], url, timeout=5)
        sdk_client = build_graph_client(
            credentials[1], url, timeout=5, transport=AiohttpTransport(ssl_context=shared_ssl_context())
        )
        try:
            for client in (lean_client, sdk_client):
                assert await graph_request(client, "GET", "organization") == {}
        finally:
            await _close(lean_client, sdk_client)
    decoded = '{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}'
    assert credentials[0].claims == credentials[1].claims == [None, decoded]
    assert [b"authorization: bearer token2" in head.lower() for head in seen.heads] == [False, True, False, True]

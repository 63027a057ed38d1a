"""The aiohttp transport under every Graph and portal client, against a raw HTTP server on loopback.

A raw ``asyncio`` server, not a framework, so each test decides byte by byte what the wire does:
answer, close before answering, close mid-body, reset, or never answer. What matters is that
every failure reaches the safe-writes code as the httpx exception (and ``GraphCallError``) that
states the same fact as httpx's own transport would.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from scorekeeper.graph.errors import describe_error
from scorekeeper.graph.pool import ClientPool, PoolSlots, shared_client_options
from scorekeeper.graph.transport import AiohttpTransport, network_client

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Seen"], Awaitable[None]]


@dataclass
class Seen:
    """What the server received: raw request heads and bodies, and how many connections."""

    heads: list[bytes] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0


async def _read_request(reader: asyncio.StreamReader, seen: Seen) -> bool:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return False
    seen.heads.append(head)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    seen.bodies.append(await reader.readexactly(length) if length else b"")
    return True


def _answer(status: int, body: bytes, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


@asynccontextmanager
async def serving(reply: Reply) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        try:
            await reply(reader, writer, seen)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/", seen
    finally:
        server.close()


async def keep_answering(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
    while await _read_request(reader, seen):
        writer.write(_answer(200, b'{"value": []}', "set-cookie: slice=a; Path=/\r\n"))
        await writer.drain()


def client(url: str, timeout: float = 5.0, **options: object) -> httpx.AsyncClient:
    http = network_client(url, timeout, **options)  # type: ignore[arg-type]
    bottom = getattr(http._transport, "_transport", http._transport)  # a fleet's lent transport is wrapped
    assert isinstance(bottom, AiohttpTransport), "loopback without a proxy goes through aiohttp"
    return http


async def test_requests_go_out_as_httpx_built_them_and_reuse_one_connection() -> None:
    async with serving(keep_answering) as (url, seen), client(url) as http:
        path = "v1.0/policies/authenticationMethodsPolicy?$select=id,displayName&$filter=name%20eq%20'a%2Fb'"
        first = await http.get(path, headers={"Authorization": "Bearer t"})
        second = await http.patch("v1.0/x", json={"isEnabled": True})
    assert first.status_code == 200 and first.json() == {"value": []}
    assert second.status_code == 200
    request_line = seen.heads[0].split(b"\r\n")[0]
    assert request_line == f"GET /{path} HTTP/1.1".encode(), "the query is sent exactly as httpx quoted it"
    head = seen.heads[0].lower()
    assert b"authorization: bearer t" in head and b"user-agent: python-httpx" in head
    assert seen.bodies[1] == b'{"isEnabled":true}'
    assert seen.connections == 1, "the second request reuses the kept-alive connection"


async def test_a_tenant_s_own_client_keeps_cookies_and_a_shared_one_keeps_none() -> None:
    async with serving(keep_answering) as (url, seen):
        async with client(url) as own:
            await own.get("a")
            await own.get("b")
        pool = ClientPool()
        async with client(url, **shared_client_options(pool, url)) as shared:
            await shared.get("c")
            await shared.get("d")
        await pool.aclose()
    cookies = [b"cookie: slice=a" in head.lower() for head in seen.heads]
    assert cookies == [False, True, False, False], "httpx's jar decides; aiohttp keeps none of its own"


async def test_every_slot_of_a_fleet_sends_over_one_set_of_connections() -> None:
    """A tenant's next request reuses the connection another slot's tenant just freed, not a cold one of its own."""
    async with serving(keep_answering) as (url, seen):
        slots = PoolSlots(3)
        clients = []
        for _ in range(3):
            async with slots.slot() as pool:
                http = pool.get("portal", lambda pool=pool: client(url, **shared_client_options(pool, url)))
                await http.get("a")
                clients.append(http)
        assert len({id(c) for c in clients}) == 1, "the warm slot was lent each time"
        async with slots.slot() as first, slots.slot() as second:  # two slots busy at once
            a = first.get("portal", lambda: client(url, **shared_client_options(first, url)))
            b = second.get("portal", lambda: client(url, **shared_client_options(second, url)))
            # One client and middleware pipeline per service for the whole operation (issue 30): slots
            # only bound concurrency, so two busy slots hold the same client and its connections.
            assert a is b, "one pipeline per operation"
            await a.get("b")
            await b.get("c")
            await b.get("d")
        await slots.aclose()
        assert len(slots.connections) == 0
    assert seen.connections == 1, "five requests from three slots over one kept-alive connection"


async def test_refused_connection_is_connect_error_nothing_was_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client(f"http://127.0.0.1:{port}/") as http:
        with pytest.raises(httpx.ConnectError) as caught:
            await http.get("x")
    assert describe_error(caught.value).code == "ConnectionError"


async def close_without_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
    await _read_request(reader, seen)


async def close_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
    await _read_request(reader, seen)
    writer.write(_answer(200, b'{"value": [1, 2, 3]}')[:-8])
    await writer.drain()


async def reset_after_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
    await _read_request(reader, seen)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (close_without_answer, httpx.RemoteProtocolError),
        (close_mid_body, httpx.RemoteProtocolError),
        (reset_after_request, (httpx.ReadError, httpx.RemoteProtocolError)),
    ],
    ids=["closed-before-answer", "closed-mid-body", "reset"],
)
async def test_a_write_that_reached_the_server_fails_as_no_response_never_as_a_connect_failure(
    reply: Reply, expected: type[Exception] | tuple[type[Exception], ...]
) -> None:
    async with serving(reply) as (url, seen), client(url) as http:
        with pytest.raises(httpx.TransportError) as caught:
            await http.patch("v1.0/policies/x", json={"state": "enabled"})
    assert seen.bodies == [b'{"state":"enabled"}'], "the write reached the server"
    assert isinstance(caught.value, expected)
    assert not isinstance(caught.value, (httpx.ConnectError, httpx.ConnectTimeout))
    error = describe_error(caught.value)
    assert (error.status, error.code) == (0, "ConnectionError")


async def test_an_answer_that_never_comes_is_a_read_timeout() -> None:
    release = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await _read_request(reader, seen)
        await release.wait()

    async with serving(hang) as (url, _), client(url, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout) as caught:
            await http.get("x")
        release.set()
    assert describe_error(caught.value).code == "Timeout"


def test_a_proxy_in_the_environment_keeps_httpx_s_own_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    proxied = network_client("https://graph.microsoft.com/v1.0", 5.0)
    bypassed = network_client("https://internal.example/api", 5.0)
    assert not isinstance(proxied._transport, AiohttpTransport)
    assert proxied._transport_for_url(httpx.URL("https://graph.microsoft.com/v1.0")) is not proxied._transport
    assert isinstance(bypassed._transport, AiohttpTransport)


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no public root signed, and its key."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


async def test_tls_is_verified_against_the_roots_it_was_given(tmp_path: Path) -> None:
    """An untrusted certificate fails before any byte of the request is sent; a trusted one works."""
    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    seen = Seen()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await keep_answering(reader, writer, seen)
        except (ssl.SSLError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_tls)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    try:
        async with client(url) as public_roots:  # certifi's roots, as for Microsoft
            with pytest.raises(httpx.ConnectError) as caught:
                await public_roots.get("x")
        assert describe_error(caught.value).code == "ConnectionError"
        assert seen.heads == [], "nothing was sent over a connection that failed verification"
        trusting = ssl.create_default_context(cafile=str(cert_file))
        async with httpx.AsyncClient(transport=AiohttpTransport(ssl_context=trusting), base_url=url) as own_roots:
            answer = await own_roots.get("x")
        assert answer.status_code == 200 and len(seen.heads) == 1
    finally:
        server.close()


async def test_a_compressed_answer_is_decoded_once_by_httpx() -> None:
    """Graph compresses when asked; aiohttp passes the bytes through and httpx decodes them."""
    import gzip

    body = gzip.compress(b'{"value": [{"id": "a"}]}')

    async def compressed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Seen) -> None:
        await _read_request(reader, seen)
        writer.write(_answer(200, body, "content-encoding: gzip\r\n"))
        await writer.drain()

    async with serving(compressed) as (url, seen), client(url) as http:
        answer = await http.get("x")
    assert b"accept-encoding: gzip" in seen.heads[0].lower()
    assert answer.json() == {"value": [{"id": "a"}]}


def test_the_shared_connection_limit_grows_with_the_tenants_at_once() -> None:
    from scorekeeper.graph.pool import REQUESTS_PER_TENANT, fleet_limits
    from scorekeeper.graph.transport import DEFAULT_LIMITS

    assert fleet_limits(4).max_connections == DEFAULT_LIMITS.max_connections, "never fewer than one client had"
    assert fleet_limits(500).max_connections == 500 * REQUESTS_PER_TENANT
    slots = PoolSlots(300)
    transport = slots.connections.for_url("https://graph.microsoft.com/v1.0")
    assert isinstance(transport, AiohttpTransport) and transport._limits.max_connections == 600


async def test_only_a_client_whose_jar_keeps_nothing_skips_offering_it_responses() -> None:
    from scorekeeper.graph.pool import cookieless

    def set_cookie(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers={"set-cookie": "slice=a; Path=/"})

    transport = httpx.MockTransport(set_cookie)
    own = network_client("https://graph.example/v1.0/", 5, transport=transport)
    shared = network_client("https://graph.example/v1.0/", 5, transport=transport, cookies=cookieless())
    for client in (own, shared):
        await client.get("organization")
    assert dict(own.cookies) == {"slice": "a"}, "a tenant's own client keeps its cookies, as httpx does"
    assert not shared.cookies
    own.cookies = {"other": "b"}  # the setter still works as httpx's
    assert dict(own.cookies) == {"other": "b"}
    await own.aclose()
    await shared.aclose()

"""What each layer of the Graph and portal request path costs in client CPU, one request at a time.

A raw ``asyncio`` HTTP/1.1 server in a process of its own answers every request at once with the
same JSON body (about the size of a fleet tenant's ``$batch`` answer), on kept-alive connections.
This process sends N GETs and N ``$batch`` POSTs through each path and prints its own CPU time
(``time.process_time``) per request, min and median of ``--repeat`` rounds, the paths taken in
turn within each round so that a busy machine slows them alike:

- ``sdk``: ``graph_request`` through kiota's adapter and msgraph-core's middleware, over httpx
  and ``AiohttpTransport`` — every Graph request's path before the lean path;
- ``lean``: ``graph_request`` over the lean pipeline (``graph/lean.py``);
- ``httpx``: an ``httpx.AsyncClient`` over ``AiohttpTransport``, no middleware;
- ``aiohttp``: an ``aiohttp.ClientSession`` alone;
- ``raw``: the floor — the request bytes written to an ``asyncio`` stream, the answer read by
  its ``Content-Length``, its JSON parsed with orjson;
- ``portal-httpx`` / ``portal-lean``: ``PortalClient.get`` through httpx's client (its path
  before) and over the lean client.

Prints figures; asserts nothing.

    .venv/bin/python benchmarks/request_path.py [--requests 400] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

BODY = orjson.dumps(
    {"responses": [{"id": str(i), "status": 200, "body": {"value": [{"id": "x" * 36}] * 3}} for i in range(6)]}
)
BATCH = {"requests": [{"id": str(i), "method": "GET", "url": f"/policies/p{i}"} for i in range(6)]}


async def serve(port_file: str) -> None:
    """Answer every request on every connection with ``BODY``, keeping the connection."""
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    await server.serve_forever()


Send = Callable[[str], Awaitable[Any]]


async def paths(url: str) -> tuple[dict[str, tuple[Send, Send]], Callable[[], Awaitable[None]]]:
    """Each path's (GET, $batch) sender, and what closes them all."""
    import aiohttp
    import httpx

    from scorekeeper.engine.auth import StaticTokenCredential
    from scorekeeper.graph.client import build_graph_client, graph_request
    from scorekeeper.graph.portal import PortalClient
    from scorekeeper.graph.tls import shared_ssl_context
    from scorekeeper.graph.transport import AiohttpTransport, network_client

    credential = StaticTokenCredential("TOKEN")
    sdk = build_graph_client(credential, url, transport=AiohttpTransport(ssl_context=shared_ssl_context()))
    lean = build_graph_client(credential, url)
    plain = network_client(f"{url}/v1.0/", 60.0)
    session = aiohttp.ClientSession()
    portal_httpx = PortalClient(credential, f"{url}/api", transport=AiohttpTransport(ssl_context=shared_ssl_context()))
    portal_lean = PortalClient(credential, f"{url}/api")
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    batch = orjson.dumps(BATCH)

    async def raw(method: str, path: str, body: bytes = b"") -> Any:
        head = (
            f"{method} /v1.0/{path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer TOKEN\r\n"
            f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        answer = await reader.readuntil(b"\r\n\r\n")
        length = int(answer.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        return orjson.loads(await reader.readexactly(length))

    async def via_aiohttp(method: str, path: str, body: bytes | None = None) -> Any:
        headers = {"Authorization": "Bearer TOKEN", "Accept": "application/json"}
        async with session.request(method, f"{url}/v1.0/{path}", data=body, headers=headers) as answer:
            return orjson.loads(await answer.read())

    async def via_httpx(method: str, path: str, body: Any = None) -> Any:
        answer = await plain.request(method, path, json=body, headers={"Authorization": "Bearer TOKEN"})
        return orjson.loads(answer.content)

    table: dict[str, tuple[Send, Send]] = {
        "sdk": (lambda p: graph_request(sdk, "GET", p), lambda p: graph_request(sdk, "POST", "$batch", BATCH)),
        "lean": (lambda p: graph_request(lean, "GET", p), lambda p: graph_request(lean, "POST", "$batch", BATCH)),
        "httpx": (lambda p: via_httpx("GET", p), lambda p: via_httpx("POST", "$batch", BATCH)),
        "aiohttp": (lambda p: via_aiohttp("GET", p), lambda p: via_aiohttp("POST", "$batch", batch)),
        "raw": (lambda p: raw("GET", p), lambda p: raw("POST", "$batch", batch)),
        "portal-httpx": (portal_httpx.get, portal_httpx.get),
        "portal-lean": (portal_lean.get, portal_lean.get),
    }

    async def close() -> None:
        for client in (sdk, lean):
            await client.request_adapter._http_client.aclose()  # type: ignore[attr-defined]
        await plain.aclose()
        await session.close()
        await portal_httpx.aclose()
        await portal_lean.aclose()
        writer.close()

    _ = httpx  # imported above so that its import is not measured
    return table, close


async def measure(url: str, requests: int, repeat: int) -> dict[str, list[float]]:
    """CPU µs per request for each path and kind, one figure per round."""
    table, close = await paths(url)
    figures: dict[str, list[float]] = {}
    try:
        for get, post in table.values():  # warm every path: imports, connections, caches
            for _ in range(20):
                await get("organization?$select=id")
                await post("x")
        for _ in range(repeat):
            for name, (get, post) in table.items():
                for kind, send in (("GET", get), ("$batch", post)):
                    started = time.process_time()
                    for _ in range(requests):
                        await send("organization?$select=id")
                    spent = time.process_time() - started
                    figures.setdefault(f"{name} {kind}", []).append(spent / requests * 1e6)
    finally:
        await close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind per path and round")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    port_file = Path(f"/tmp/request_path.{os.getpid()}.port")
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text()}"
        print(f"load {Path('/proc/loadavg').read_text().split()[:3]}; {args.requests} requests × {args.repeat} rounds")
        figures = asyncio.run(measure(url, args.requests, args.repeat))
    finally:
        server.terminate()
        server.wait()
        port_file.unlink(missing_ok=True)
    floor = {kind: statistics.median(figures[f"raw {kind}"]) for kind in ("GET", "$batch")}
    print(f"{'path':22} {'min µs':>8} {'median µs':>10} {'× raw':>6}")
    for name, values in figures.items():
        kind = name.rsplit(" ", 1)[1]
        median = statistics.median(values)
        print(f"{name:22} {min(values):8.0f} {median:10.0f} {median / floor[kind]:6.1f}")


if __name__ == "__main__":
    main()

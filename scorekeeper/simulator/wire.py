"""Serving the simulator over a real socket, with faults that act on the wire.

Under uvicorn an exception from the ASGI app becomes an HTTP 500, so "drop the connection" or
"never answer" cannot be expressed by raising, as the in-process transport allows. This module
gives the app a handle on each connection: a small subclass of uvicorn's h11 protocol puts the
connection's asyncio transport into the request scope's ``state`` (``scope["state"][TRANSPORT]``),
and :func:`drop` aborts it with ``SO_LINGER`` 0, so the client sees a TCP reset and no HTTP
response at all. ``scorekeeper simulator serve`` and the tests that drive real CLI processes
against a served simulator both use :func:`server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from scorekeeper.simulator.app import TRANSPORT


class WireProtocol(H11Protocol):
    """uvicorn's h11 protocol, with this connection's transport visible to the app."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[arg-type]
        # app_state is copied into every request's scope["state"]; a per-connection copy of it
        # carries this connection's transport without touching the server's shared state.
        self.app_state = {**self.app_state, TRANSPORT: transport}


def drop(transport: Any) -> None:
    """Reset the connection: RST instead of FIN, so the client reads "connection reset by peer"."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def config(app: Any, host: str, port: int, log_level: str = "warning") -> Any:
    """A uvicorn configuration serving ``app`` with :class:`WireProtocol`."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", http=WireProtocol)


@contextmanager
def server(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    import uvicorn

    srv = uvicorn.Server(config(app, host, port, log_level="error"))  # off the main thread: no signal handlers
    thread = threading.Thread(target=srv.run, name="simulator-server", daemon=True)
    thread.start()
    try:
        while not srv.started:
            if not thread.is_alive():
                raise RuntimeError("the simulator server did not start")
            thread.join(0.01)
        bound = srv.servers[0].sockets[0].getsockname()
        yield f"http://{host}:{bound[1]}"
    finally:
        srv.should_exit = True
        thread.join(10)

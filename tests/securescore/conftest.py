"""A simulator served on loopback by uvicorn in a thread, for CLI runs through real sockets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from scorekeeper.simulator import Simulator


@dataclass
class Served:
    sim: Simulator
    url: str

    def config(self, name: str = "lab", roles: list[str] | None = None) -> str:
        """A config tenant talking to this server with an app-only token (every permission by default)."""
        token = self.sim.issue_token(roles=roles)
        return (
            f'[tenants.{name}]\nauth = "static"\ntoken = "{token}"\n'
            f'graph_url = "{self.url}"\nportal_url = "{self.url}/api"\n'
        )


@pytest.fixture
def served() -> Iterator[Served]:
    import uvicorn

    sim = Simulator.from_profiles("weak-cloud")
    server = uvicorn.Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():  # uvicorn has no start callback: poll its flag
        started.wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(sim, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)

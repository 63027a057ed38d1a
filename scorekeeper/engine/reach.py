"""Whether a tenant can be reached at all, asked once before its controls are read.

A tenant whose sign-in fails (a wrong secret, an app not consented, a sign-in host that does not
resolve) or whose Graph host refuses the connection cannot be assessed; reading every control
anyway made each setting fail on its own (the same DNS error forty-one times), counted a setting
that needs no read as ``pass`` and recorded the run as "completed". So:

* **sign-in** — the Graph token is asked for once (``get_token`` with the ``/.default`` scope the
  Graph client uses). The SDK asks the same credential again for its first request; azure-identity's
  credentials keep the token in memory, so this costs no second sign-in.
* **network** — when the assessment left a setting unread, a TCP connection to the Graph host is
  opened and closed: refused, unresolvable or timed out, the tenant was never reached and the
  run's findings are dropped. A host that answered within the last minute is not asked again (in
  a fleet every tenant shares one Graph host). Skipped when a proxy is configured for the host
  (the direct connection would say nothing about the proxied one) and for in-process simulated
  tenants. Asked only after a read failed, so a tenant read whole pays nothing for it.

Either failure raises :class:`Unreachable` with one line; the engine records the run ``failed``
with no findings, and ``domain/outcome.py`` judges it unreachable for every front end.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from scorekeeper.errors import EngineError

#: How long a Graph host that accepted a connection is taken as reachable without asking again.
REACHED_FOR_SECONDS = 60.0
_reached: dict[tuple[str, int], float] = {}


class Unreachable(EngineError):
    """The tenant could not be reached: its sign-in failed, or its Graph host took no connection."""


def first_line(exc: BaseException) -> str:
    """The first line of an error, with its type when the message is empty (Entra's errors run to many lines)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


async def sign_in(session: Any) -> None:
    """Raise :class:`Unreachable` when ``session``'s tenant cannot be signed in to (before anything is read)."""
    if session.simulator is not None:  # served in-process: nothing to reach
        return
    parts = urlsplit(session.config.graph_url.rstrip("/"))
    scope = f"{parts.scheme}://{parts.netloc}/.default"
    try:
        await asyncio.to_thread(session.probe.get_token, scope)
    except Exception as exc:
        raise Unreachable(f"sign-in failed: {first_line(exc)}") from exc


async def connect(session: Any) -> None:
    """Raise :class:`Unreachable` when ``session``'s Graph host takes no connection (asked after a read failed)."""
    if session.simulator is not None:
        return
    config = session.config
    parts = urlsplit(config.graph_url.rstrip("/"))
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not host or _proxied(parts.scheme, host):
        return
    key = (host, port)
    if time.monotonic() - _reached.get(key, float("-inf")) < REACHED_FOR_SECONDS:
        return
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=config.request_timeout)
    except (OSError, TimeoutError) as exc:
        raise Unreachable(f"cannot connect to {host}:{port}: {first_line(exc)}") from exc
    writer.close()
    _reached[key] = time.monotonic()


class HeldWarnings(logging.Filter):
    """Holds back the warnings ``logger`` logs about one tenant until it is known to have been reached.

    A tenant never reached is one line; the Secure Score read's own "not recorded" warning,
    logged while the controls were read beside it, would say the same error a second time.
    ``release`` logs what was held when the tenant was reached; ``drop`` forgets it.
    """

    def __init__(self, logger: str, tenant: str) -> None:
        super().__init__()
        self.logger, self.tenant, self.records = logging.getLogger(logger), tenant, list[logging.LogRecord]()
        self.logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if args and args[0] == self.tenant:
            self.records.append(record)
            return False
        return True

    def release(self) -> None:
        self.logger.removeFilter(self)
        for record in self.records:
            self.logger.handle(record)
        self.records = []

    def drop(self) -> None:
        self.logger.removeFilter(self)
        self.records = []


def _proxied(scheme: str, host: str) -> bool:
    proxies = urllib.request.getproxies()
    return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(host)

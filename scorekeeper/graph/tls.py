"""One TLS configuration for the whole process, whatever the number of tenants.

httpx builds an SSL context for every client it creates unless it is handed one, and building one
loads the whole CA bundle (about 20 ms of CPU, most of a simulated tenant's cost once measured:
see docs/performance.md). Every tenant trusts the same roots, so every Graph and portal client
of the process shares the one context made here; a plain ``http://`` loopback client gets one
too, since httpx would otherwise build its own for a scheme it never uses.

An ``ssl.SSLContext`` is safe to share between threads and event loops; the connections made
with it are not, and stay per client.
"""

from __future__ import annotations

import ssl
import threading

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def shared_ssl_context() -> ssl.SSLContext:
    """The process's SSL context: certifi's roots (as httpx uses by default), made once."""
    global _context
    if _context is None:
        with _lock:
            if _context is None:
                import certifi

                _context = ssl.create_default_context(cafile=certifi.where())
    return _context

"""Where a notification may be sent: https to a public address, unless the admin says otherwise.

A webhook URL comes from an environment variable or a file that someone else may control. A
scheduler that POSTs tenant findings wherever that URL points could be turned against the
machine it runs on (a cloud metadata service at 169.254.169.254, an admin console on
localhost, a database on the private network). So a destination must be ``https`` and every
address its host resolves to must be public; ``allow_private = true`` in the channel's table
admits loopback, private, link-local and other non-public addresses (and plain ``http`` to
loopback) for a receiver the admin knows is theirs. ``config check`` and the scheduler call
this same function, so what one accepts the other delivers to.

A host that does not resolve (an offline ``config check``) is not refused here: delivery then
fails with its own error. Resolution happens again at each delivery, which narrows, but does not
close, the window for a DNS answer that changes in between.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from scorekeeper.graph.client import is_loopback

#: Names of cloud metadata services that are not IP literals.
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "metadata.azure.internal"})


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local (cloud metadata)"
    if address.is_private:
        return "private"
    return "non-public"


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    found = []
    for info in infos:
        try:
            found.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    return found


def destination_problem(url: str, allow_private: bool = False) -> str | None:
    """Why ``url`` may not receive notifications, in words that never show its path; ``None`` if it may."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return "the webhook URL must be an https URL"
    if parts.scheme == "http" and not (allow_private and is_loopback(url)):
        return "the webhook URL must be https (plain http only to loopback, with allow_private = true)"
    if allow_private:
        return None
    if host.lower() in METADATA_NAMES or host.lower() == "localhost":
        return f"{host} is a local or metadata host; set allow_private = true if this receiver is yours"
    for address in _addresses(host):
        if not address.is_global:
            what = (
                f"is a {_kind(address)} address"
                if str(address) == host.strip("[]")
                else (f"resolves to a {_kind(address)} address ({address})")
            )
            return f"{host} {what}; set allow_private = true if this receiver is yours"
    return None

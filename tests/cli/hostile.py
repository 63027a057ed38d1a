"""Hostile tenant text for the front ends' tests: what a tenant, or anything on the path, can send.

:data:`HOSTILE` carries every kind of terminal trick the front ends must not pass on: CSI (erase
the screen), OSC (retitle the window, ended by BEL), a lone C1 CSI, a right-to-left override,
a bidi isolate, and invisible characters. :class:`HostileProxy` puts it into every error message
Graph sends (an ASGI layer in front of the simulator: "anything on the path"), and
:func:`poison_secure_score` into Microsoft's Secure Score titles, categories and state comments.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

#: Marker words survive cleaning; the controls between them must not.
HOSTILE = (
    "pwn\x1b[2J\x1b[6n"  # CSI: erase the screen; ask the terminal to type its cursor position into stdin
    "\x1b]0;pwned-title\x07"  # OSC 0: retitle the window
    "\x9b31mc1csi"  # C1 CSI (U+009B) alone: red on 8-bit terminals
    "\u202eexe.txt\u202c"  # right-to-left override: reads "txt.exe"
    "\u2066iso\u2069"  # bidi isolate
    "\u200bzero\u2060width\ufeffend"  # invisible
)
#: Each raw control of :data:`HOSTILE` (and the CR/BS family rich drops itself).
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\u2060", "\ufeff", "\r")
#: What is left of :data:`HOSTILE` once cleaned: proof that the text was shown at all.
SURVIVOR = "pwned-title"


def raw_controls(text: str) -> list[str]:
    """The raw controls of :data:`HOSTILE` found in ``text`` (printable names, for assertion messages)."""
    return [repr(c) for c in RAW_CONTROLS if c in text]


def raw_in_terminal_bytes(data: bytes) -> list[str]:
    """What of :data:`HOSTILE` reached a terminal raw, in bytes a pty read.

    A terminal's own output carries rich's styles (``ESC [ … m``) and cursor moves, so ESC alone
    proves nothing there; the hostile sequences themselves, and every other control, do.
    """
    found = [repr(seq) for seq in (b"\x1b[2J", b"\x1b[6n", b"\x1b]0;", b"\x07") if seq in data]
    text = data.decode("utf-8", "replace")
    found += [repr(c) for c in RAW_CONTROLS if c not in ("\x1b", "\x07", "\r") and c in text]
    return found


def poison(value: Any) -> Any:
    """``value`` with :data:`HOSTILE` in every Graph error message it holds (``$batch`` answers included)."""
    if isinstance(value, dict):
        out = {k: poison(v) for k, v in value.items()}
        error = out.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            error["message"] = f"{HOSTILE} {error['message']}"
        return out
    if isinstance(value, list):
        return [poison(v) for v in value]
    return value


class HostileProxy:
    """An ASGI layer in front of the simulator that rewrites every Graph error message to carry :data:`HOSTILE`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def rewrite(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            with contextlib.suppress(ValueError):  # not JSON (a 204, a portal page): as it was
                body = json.dumps(poison(json.loads(body))).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


def install_proxy(sim: Any) -> None:
    """Put :class:`HostileProxy` in front of ``sim`` for every client that reaches it through ``sim.app``
    (the served lab's server and the engine's in-process transport both look it up per use)."""
    sim._app = HostileProxy(sim.app)


def poison_secure_score(sim: Any, tenant_id: str | None = None) -> list[str]:
    """Microsoft's words made hostile: every control profile's title and category, and a state comment.

    Returns the ids of the profiles changed (all of them).
    """
    state = sim.tenant(tenant_id or sim.tenant_id).state
    ids = []
    for profile in state["secureScoreControlProfiles"]:
        profile["title"] = f"{HOSTILE} {profile.get('title', '')}"
        profile["controlCategory"] = f"Id{HOSTILE}"
        profile["actionUrl"] = f"https://example.invalid/{HOSTILE}"
        profile["controlStateUpdates"] = [
            {
                "assignedTo": "",
                "comment": f"because {HOSTILE}",
                "state": "Reviewed",
                "updatedBy": f"adele{HOSTILE}@contoso.com",
                "updatedDateTime": "2026-01-02T03:04:05Z",
            }
        ]
        ids.append(profile["id"])
    return ids

"""Tenant text made safe for a terminal: no control characters, no bidirectional overrides.

Display names, policy names and error messages come from the tenant, which an attacker may
partly control (a guest's display name, a policy someone else created). Printed raw, an ESC
sequence can rewrite the terminal (hide a line, fake a prompt, retitle the window) and a
right-to-left override can make ``exe.txt`` read as ``txt.exe``. Every front end that prints
tenant text (the CLI's tables, the TUI) passes it through :func:`clean`.
"""

from __future__ import annotations

import re

#: C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi embedding,
#: override and isolate characters (plus the invisible marks that steer them).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` with every terminal control and bidi override removed (shown as nothing)."""
    return _UNSAFE.sub("", text)

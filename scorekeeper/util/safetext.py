"""Tenant text made safe for a terminal: no control characters, no bidirectional overrides, nothing invisible.

Display names, policy names, Secure Score titles and error messages come from the tenant or from
Microsoft, which an attacker may partly control (a guest's display name, a policy someone else
created, anything on the network path). Printed raw, an ESC sequence can rewrite the terminal
(erase the screen, hide a line, fake a prompt, retitle the window), a lone C1 ``CSI`` (U+009B)
does the same on terminals that honour 8-bit controls, a right-to-left override can make
``exe.txt`` read as ``txt.exe``, and invisible characters make two different names look alike.

Every front end removes them at the one place its output is made: the CLI's rich console
(``scorekeeper/cli/common.py: console``, every text segment it renders) and its ``echo``; the
dashboard's widgets (``scorekeeper/tui/safe.py``: the text of every cell, label and notification);
the reports (``scorekeeper/reports/``). They all call :func:`clean`.
"""

from __future__ import annotations

import re

#: What :func:`clean` removes:
#:
#: * C0 controls except tab and newline (ESC starts CSI/OSC sequences; CR, BS and VT move the
#:   cursor), DEL, and the C1 controls U+0080–U+009F (U+009B is CSI, U+009D OSC, U+0085 NEL);
#: * the bidi controls: ALM U+061C, LRM/RLM U+200E/U+200F, embeddings and overrides
#:   U+202A–U+202E, isolates U+2066–U+2069;
#: * invisible characters: zero-width space, non-joiner and joiner U+200B–U+200D, word joiner and
#:   invisible operators U+2060–U+2064, the zero-width no-break space / BOM U+FEFF, line and
#:   paragraph separators U+2028/U+2029, interlinear annotation U+FFF9–U+FFFB and the tag
#:   characters U+E0000–U+E007F (invisible ASCII). The joiners also shape emoji sequences and
#:   some scripts; a name shown without them stays readable, one shown with them can hide text.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def clean(text: str) -> str:
    """``text`` with every terminal control, bidi control and invisible character removed (shown as nothing)."""
    return _UNSAFE.sub("", text)


def is_clean(text: str) -> bool:
    """Whether :func:`clean` would leave ``text`` as it is (a cheap test before rebuilding styled text)."""
    return _UNSAFE.search(text) is None


def unsafe_positions(text: str) -> list[int]:
    """The indices of the characters :func:`clean` removes, in order (to keep styled spans aligned)."""
    return [match.start() for match in _UNSAFE.finditer(text)]

"""Tenant text made inert: what a tenant returned, with nothing left in it that could act.

Display names, policy names, reasons quoting them and values read from a tenant are written by
whoever administers that tenant. Shown in a terminal, an ESC sequence in them could rewrite the
screen; in any viewer, a right-to-left override could make ``exe.txt`` read as ``txt.exe``.
:func:`strip_controls` is the one rule for that part; each output format then escapes its own
syntax on top (HTML, Markdown, XML, CSV formulas) in its renderer.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidirectional
# embedding/override/isolate marks (U+202A–U+202E, U+2066–U+2069) and LRM/RLM/ALM.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")


def strip_controls(text: str) -> str:
    """``text`` without control characters and bidirectional overrides (tabs and newlines kept)."""
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """``text`` on one line: controls stripped, line breaks and tabs turned into single spaces."""
    return _LINE_BREAKS.sub(" ", strip_controls(text))

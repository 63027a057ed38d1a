"""Building and rendering a report with Python's cycle collector paused.

A fleet report is tens of thousands of small objects (rows, values, strings of HTML) made in
bursts and kept until the file is written. Each burst sets off the cycle collector's
generational passes, and its oldest generation walks the whole heap: for the 200-tenant
benchmark, eight full passes during one build and render that freed 80 objects and took a third
of the CPU time (2.2 s → 1.4 s with no finding shared between tenants; docs/reports.md, "Size
and speed"). The model holds no reference cycles, and reference counting frees everything as
usual; only the search for cycles waits until the report is done (and only if it was running).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (also usable as a decorator); restore it after."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()

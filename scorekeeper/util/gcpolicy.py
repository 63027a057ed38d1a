"""How often the process's cyclic garbage collector runs: less often than CPython's default.

CPython starts a young-generation collection every 700 (2,000 from 3.13) net container
allocations, and each one walks every young object still alive. Parsing a tenant's ``$batch``
answer and storing its run allocates tens of thousands of containers, and a fleet keeps dozens
of tenants in flight, so an assessment of 300 simulated tenants ran about 700 young and five
whole-heap collections: 3.6 ms of CPU per tenant, over a tenth of the client's work (measured
with ``gc.callbacks``, docs/performance.md). With a first threshold of 10,000 it ran 24 and
none of the whole heap: 0.9 ms per tenant. Almost nothing a tenant allocates is cyclic
garbage (requests, rows and findings are freed by reference counting when dropped), so
collecting rarely frees as much, later.

Memory is the cost, since cycles live until the next collection: a first threshold of 50,000
with rarer old collections saved another 0.4 ms but raised the 1,000-tenant peak RSS, so the
middle and old ratios stay CPython's. Called once by each entry point (``scorekeeper`` and
everything it starts: the TUI, the scheduler, the queue worker); a library caller keeps its
own process's policy.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Young-generation threshold: net container allocations between collections.
YOUNG_THRESHOLD = 10_000
#: Young collections per middle-generation one, and middle per whole-heap one: CPython's own.
MIDDLE_EVERY = 10
OLD_EVERY = 10


def relax_collection() -> None:
    """Collect cyclic garbage every :data:`YOUNG_THRESHOLD` allocations instead of CPython's default."""
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_EVERY, OLD_EVERY)


#: Young-generation threshold while one command assesses a fleet (:func:`fleet_collection`).
#: Measured at 1,000 served tenants (docs/performance.md, "Start-up and sessions"): 10,000 ran
#: about 70 young collections in the pass, each walking the tenants in flight (~10 ms apiece),
#: plus 6 middle and 1 whole-heap ones, 0.85-1.06 s in all; 50,000 ran 9 young and 1 middle,
#: 0.41-0.48 s, for 13-17 MB more peak RSS (the cyclic garbage of a fleet lives a little longer:
#: about 140 objects per tenant, mostly each HTTP response's reference cycle). 100,000 saved
#: 0.15 s more for twice the memory.
FLEET_YOUNG_THRESHOLD = 50_000

_fleet_lock = threading.Lock()
_fleet_depth = 0
_fleet_saved: tuple[int, int, int] | None = None


@contextmanager
def fleet_collection() -> Iterator[None]:
    """Collect young garbage every :data:`FLEET_YOUNG_THRESHOLD` allocations while inside; as before after.

    For a command that assesses many tenants and then ends (``assess --all-tenants``): a young
    collection walks every live young object, and a fleet pass keeps dozens of tenants' answers
    alive at once, so fewer, larger collections cost less in all. The memory they hold is
    bounded by the threshold, not by the fleet's size. Nested or concurrent passes (threads)
    share one raised threshold; the last to leave puts the previous one back, so a long-running
    process (the TUI, the scheduler) is left with its own policy.
    """
    global _fleet_depth, _fleet_saved
    with _fleet_lock:
        if _fleet_depth == 0:
            _fleet_saved = gc.get_threshold()
            young, middle, old = _fleet_saved
            gc.set_threshold(max(young, FLEET_YOUNG_THRESHOLD), middle, old)
        _fleet_depth += 1
    try:
        yield
    finally:
        with _fleet_lock:
            _fleet_depth -= 1
            if _fleet_depth == 0 and _fleet_saved is not None:
                gc.set_threshold(*_fleet_saved)
                _fleet_saved = None

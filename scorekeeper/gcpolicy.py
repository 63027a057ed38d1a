"""How often the process's cyclic garbage collector runs: less often than CPython's default.

CPython starts a young-generation collection every 700 (2,000 from 3.13) net container
allocations, and each one walks every young object that survived. Parsing a tenant's ``$batch``
answer and storing its run allocates tens of thousands of containers, so an assessment of 100
simulated tenants ran about 300 collections of the young generations and two of the whole heap:
4.3 ms of CPU per tenant, 15 % of the client's work (measured with ``gc.callbacks``,
docs/performance.md). Almost none of it is cyclic garbage: requests, rows and findings are
freed by reference counting the moment they are dropped.

A higher first threshold makes collections rare and each one no dearer (the survivors are
the same few objects). Cycles still get collected, only later, so memory is the cost; the
fleet benchmark's peak RSS is measured with the setting on. Called once by each entry point
(``scorekeeper`` and everything it starts: the TUI, the scheduler, the queue worker); a library
caller keeps its own process's policy.
"""

from __future__ import annotations

import gc

#: Young-generation threshold: net container allocations between collections.
YOUNG_THRESHOLD = 50_000
#: Young collections per middle-generation one, and middle per whole-heap one (CPython's are 10, 10).
MIDDLE_EVERY = 20
OLD_EVERY = 10


def relax_collection() -> None:
    """Collect cyclic garbage every :data:`YOUNG_THRESHOLD` allocations instead of CPython's default."""
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_EVERY, OLD_EVERY)

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

#: Young-generation threshold: net container allocations between collections.
YOUNG_THRESHOLD = 10_000
#: Young collections per middle-generation one, and middle per whole-heap one: CPython's own.
MIDDLE_EVERY = 10
OLD_EVERY = 10


def relax_collection() -> None:
    """Collect cyclic garbage every :data:`YOUNG_THRESHOLD` allocations instead of CPython's default."""
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_EVERY, OLD_EVERY)

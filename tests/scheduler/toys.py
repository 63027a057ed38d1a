"""Toy plugins for scheduler tests: the core toy control, paced and observable.

``PacedToy`` behaves like ``tests.core.toy_plugins.GoodPlugin`` (its "tenant" is a dict in
``toy_plugins.TENANTS``) but takes ``delay`` seconds per assessment, counts how many of its
assessments overlap (per tenant and overall), and can report every setting as unreadable the
way a plugin does when a permission is missing.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from typing import Any

from scorekeeper import Finding, Status
from scorekeeper.plugin.context import Assessment
from tests.core.toy_plugins import GoodPlugin

MISSING = "Toy.Read.All"


class PacedToy(GoodPlugin):
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.unreadable = False
        self.running: Counter[str] = Counter()
        self.max_per_tenant: Counter[str] = Counter()
        self.max_overall = 0
        self.assessed: Counter[str] = Counter()
        self.started = asyncio.Event()  # set when an assessment is in flight

    async def assess(self, tenant: Any) -> Assessment | list[Finding]:
        control = self.control
        self.running[tenant.name] += 1
        self.max_per_tenant[tenant.name] = max(self.max_per_tenant[tenant.name], self.running[tenant.name])
        self.max_overall = max(self.max_overall, sum(self.running.values()))
        self.started.set()
        try:
            if os.environ.get("SK_TOY_ANNOUNCE"):
                print(f"toy assess started: {tenant.name}", file=sys.stderr, flush=True)
            await asyncio.sleep(self.delay)  # a slow tenant, not a test synchronisation
            if self.unreadable:
                return [
                    Finding(
                        control=control.id,
                        setting=s.id,
                        status=Status.UNKNOWN,
                        reason=f"Graph answered 403: the app lacks {MISSING}",
                        missing_permissions=(MISSING,),
                    )
                    for s in control.settings
                ]
            return await GoodPlugin.assess(self, tenant)
        finally:
            self.running[tenant.name] -= 1
            self.assessed[tenant.name] += 1

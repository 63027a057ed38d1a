"""The three controls pass the contract suite any third-party control runs, on every shipped profile.

They are guided-only (no ``write_api``): the suite's remediation tests find nothing automated to
write and return; the two tests that need a write to check (a weak profile with automated items,
write permissions) are replaced here by what a guided control must do instead: plan guided steps
on the weak state, never an automated item, and declare no write permission.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adminroles_fixtures import CROWDED, TIER0

from scorekeeper.testing import ControlContract


class _GuidedContract(ControlContract):
    weak_profile = TIER0

    async def test_remediate_then_verify_passes_on_weak_tenant(self, sk_store: Any, tmp_path: Path) -> None:
        engine = self._engine(self.simulator(self.weak_profile), sk_store, tmp_path)
        run, plans = await engine.plan("contract", [self.control_id])
        assert not [i for p in plans for i in p.automated], "a guided-only control planned an automated write"
        guided = [f for f in run.findings if f.remediation.value == "guided" and f.steps]
        assert guided, "the weak state must fail with guided steps naming what to do"

    async def test_declared_write_permissions_are_enough_and_each_is_named_when_missing(self) -> None:
        control = self._plugins().control(self.control_id)
        assert [s.id for s in control.settings if s.write_api or s.write_permissions] == []


class TestOneAdminContract(_GuidedContract):
    control_id = "OneAdmin"
    fixtures = (CROWDED,)


class TestManyAdminsContract(_GuidedContract):
    control_id = "ManyAdmins"
    weak_profile = CROWDED
    fixtures = (TIER0,)


class TestRoleOverlapContract(_GuidedContract):
    control_id = "RoleOverlap"
    fixtures = (CROWDED,)

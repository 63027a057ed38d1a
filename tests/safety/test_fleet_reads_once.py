"""A fleet change asks which tenants attest anything once, and still applies every attestation.

``change_fleet`` and ``rollback_fleet`` read the attested (tenant, control) pairs once for the
operation, as a fleet assessment does, instead of one attestation query per tenant and control in
every plan and verification. A tenant that attested a setting still sees it attested in its plan.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.domain.model import Attestation, Status
from scorekeeper.store import HistoryStore
from tests.safety.test_fleet_changes import _fleet

SSPR, SETTING = "SelfServicePasswordReset", "windows_sign_in_reset"


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = HistoryStore.open(str(tmp_path / "history.db"))
    yield opened
    opened.close()


def _finding(run: Any, control: str, setting: str) -> Any:
    result = next(r for r in run.controls if r.control == control)
    return next(f for f in result.findings if f.setting == setting)


async def test_attestations_are_read_once_and_still_applied(store: Any, tmp_path: Path) -> None:
    names = ["alpha", "bravo", "charlie"]
    engine, sim = _fleet(names, store, tmp_path)
    sim.mark()
    store.record_attestation(Attestation("alpha", SSPR, SETTING, "ops", "GPO on every device", datetime.now(UTC)))
    asked: list[tuple[str, str | None]] = []
    original = store.attestations

    def attestations(tenant: str, control: str | None = None) -> Any:
        asked.append((tenant, control))
        return original(tenant, control)

    store.attestations = attestations

    changed = await engine.change_fleet(names)

    by_tenant = {c.tenant: c for c in changed}
    alpha = _finding(by_tenant["alpha"].plan_run, SSPR, SETTING)
    assert alpha.status is Status.PASS and "attested by ops" in alpha.reason
    for other in ("bravo", "charlie"):
        assert _finding(by_tenant[other].plan_run, SSPR, SETTING).status is not Status.PASS
    assert {tenant for tenant, _ in asked} == {"alpha"}  # the others attest nothing: never asked
    assert engine._attested is None  # the fleet's read does not outlive the operation

    asked.clear()
    runs = [c.result.run_id for c in changed if c.result is not None]
    rolled = await engine.rollback_fleet([(run, engine.rollback_plans(run)[1]) for run in runs])
    assert all(r.status == "completed" for r in rolled), [(r.tenant, r.status, r.error) for r in rolled]
    assert {tenant for tenant, _ in asked} <= {"alpha"}
    assert sim.state_diff() == [], "the fleet does not read as before the remediation"

"""A remediation's and a rollback's run record who acted, in the run's one commit.

The token's identity and the tenant's directory id go into ``record_run`` with the results (as an
assessment's do), not into two transactions of their own when the session closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scorekeeper.store import HistoryStore
from tests.safety.test_fleet_changes import _fleet


@pytest.fixture
def store(tmp_path: Path) -> Any:
    opened = HistoryStore.open(str(tmp_path / "history.db"))
    yield opened
    opened.close()


async def test_remediation_and_rollback_runs_name_who_acted(store: Any, tmp_path: Path) -> None:
    engine, sim = _fleet(["alpha"], store, tmp_path)
    calls: list[str] = []
    for name in ("record_identity", "record_tenant_id"):
        original = getattr(store, name)

        def counted(*args: Any, _original: Any = original, _name: str = name) -> Any:
            calls.append(_name)
            return _original(*args)

        setattr(store, name, counted)

    (changed,) = await engine.change_fleet(["alpha"])
    assert changed.result is not None and changed.result.status == "completed"
    remediation = store.get_run(changed.result.run_id)
    planned = store.get_run(changed.plan_run.run_id)
    assert remediation.actor.identity and remediation.actor.identity == planned.actor.identity

    (rolled,) = await engine.rollback_fleet([(changed.result.run_id, engine.rollback_plans(changed.result.run_id)[1])])
    assert rolled.status == "completed"
    assert store.get_run(rolled.run_id).actor.identity == planned.actor.identity
    assert store.tenant_ids()["alpha"] == sim.tenant_ids[0]
    assert calls == []  # no transaction of its own: in each run's one commit

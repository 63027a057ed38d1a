"""A real history to report on: simulated tenants assessed, remediated and assessed again.

Built once per module through the engine and the real plugins (the in-process simulator), so
every report test reads what an admin's history would hold. ``assessed`` keeps each assessment's
``RunResult.to_dict()`` — exactly what ``scorekeeper assess --json`` prints for that run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.domain.model import Attestation
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine, simulator_for

#: Tenant text that must come out inert in every format.
HOSTILE = "<script>alert(1)</script> **bold** | [link](https://evil.example) `tick`\x1b[31m red\u202eexe.txt =cmd"
EXCEPTION_EXPIRES = date.today() + timedelta(days=30)


@dataclass
class History:
    store: HistoryStore
    assessed: dict[int, dict[str, Any]] = field(default_factory=dict)  # run id → assess --json
    remediation_run: int = 0
    latest: dict[str, int] = field(default_factory=dict)  # tenant → its latest assessment
    first: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    tmp: Path = tmp_path_factory.mktemp("report-history")
    store = HistoryStore.open(str(tmp / "history.db"))
    hostile = simulator_for(
        profile_data={
            "extends": "weak-cloud",
            "set": {
                "portal.passwordResetPolicies.passwordResetEnabledGroupName": HOSTILE,
                "organization.displayName": HOSTILE,  # the tenant's own name reaches every report
            },
        }
    )
    sims = {"contoso": hostile, "fabrikam": simulator_for("hardened")}
    exceptions = [
        {
            "control": "SelfServicePasswordReset",
            "setting": "notify_admins",
            "reason": "admins are told by the SOC instead",
            "expires": EXCEPTION_EXPIRES.isoformat(),
            "tenant": "contoso",
        }
    ]
    engine = make_engine(
        sims,
        store,
        tmp,
        exceptions=exceptions,
        controls={"SelfServicePasswordReset": {"helpdesk": "https://help.contoso.example"}},
    )
    store.record_attestation(
        Attestation(
            "contoso", "SelfServicePasswordReset", "helpdesk_link", "Ada Admin", "ticket CHG-1", datetime.now(UTC)
        )
    )
    found = History(store)
    for run in asyncio.run(engine.assess(list(sims))):
        found.assessed[run.run_id] = run.to_dict()
        found.first[run.tenant] = run.run_id
    plan_run, plans = asyncio.run(engine.plan("contoso"))
    result = asyncio.run(engine.remediate("contoso", plans, parent_run_id=plan_run.run_id))
    found.remediation_run = result.run_id
    for run in asyncio.run(engine.assess(list(sims))):
        found.assessed[run.run_id] = run.to_dict()
        found.latest[run.tenant] = run.run_id
    yield found
    store.close()

"""Every assessment records the tenant's display name and primary domain, without a round trip of its own.

Read from ``GET /organization`` inside the controls' shared ``$batch``; a token that may not read
it (no Organization.Read.All) leaves the run successful and says why the names are unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scorekeeper.config.model import parse_config
from scorekeeper.domain.model import Organization, Status
from scorekeeper.engine import Engine
from scorekeeper.graph.organization import APPLICATION_PERMISSION, DELEGATED_PERMISSION, organization_from_graph
from scorekeeper.plugin.manager import load_plugins
from scorekeeper.simulator import GRAPH_AUDIENCE, Simulator
from scorekeeper.simulator.wire import server
from scorekeeper.store import HistoryStore
from scorekeeper.testing import make_engine

CONTROLS = ["SelfServicePasswordReset", "PWAgePolicyNew"]
#: Every permission that lets an app read ``/organization`` (Microsoft's organization-list page).
ORGANIZATION_READERS = {
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}


def _expected(sim: Simulator) -> Organization:
    org = sim.tenant(sim.tenant_id).state["organization"]
    default = [d["name"] for d in org["verifiedDomains"] if d["isDefault"]]
    assert len(default) == 1 and default[0]
    return Organization(display_name=org["displayName"], primary_domain=default[0])


def test_the_default_verified_domain_is_the_primary_one_not_the_initial_one() -> None:
    body = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization(id,displayName,verifiedDomains)",
        "value": [
            {
                "id": "84841066-274d-4ec0-a5c1-276be684bdd3",
                "displayName": "Contoso",
                "verifiedDomains": [
                    {
                        "capabilities": "Email",
                        "isDefault": False,
                        "isInitial": True,
                        "name": "contoso.onmicrosoft.com",
                        "type": "Managed",
                    },
                    {
                        "capabilities": "Email",
                        "isDefault": True,
                        "isInitial": False,
                        "name": "contoso.com",
                        "type": "Managed",
                    },
                ],
            }
        ],
    }
    assert organization_from_graph(body) == Organization(display_name="Contoso", primary_domain="contoso.com")
    assert organization_from_graph({"value": []}).unread  # nothing invented from an empty answer
    assert (
        organization_from_graph({"value": [{"id": "x", "displayName": None, "verifiedDomains": []}]}) == Organization()
    )


def test_an_assessment_records_the_names_in_the_controls_batch(tmp_path: Path) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        engine = make_engine({"t": sim}, store, tmp_path)
        asyncio.run(engine.assess(["t"], CONTROLS))  # a first run also imports Microsoft's kept score history
        sim.request_log.clear()
        (run,) = asyncio.run(engine.assess(["t"], CONTROLS))
        assert run.status == "completed" and run.organization == _expected(sim)
        stored = store.get_run(run.run_id)
        assert stored is not None and stored.organization == _expected(sim)
    reads = [r for r in sim.request_log if r.method == "GET" and r.path == "/v1.0/organization"]
    ours = [r for r in reads if r.query.get("$select") == "id,displayName,verifiedDomains"]
    assert len(ours) == 1 and ours[0].batched, "read inside the $batch"
    batches = [
        [i["url"] for i in r.body["requests"]] for r in sim.request_log if not r.batched and r.path == "/v1.0/$batch"
    ]
    first, *after = batches
    assert any(url.startswith("/organization?") for url in first), "the organisation read rides in the controls' $batch"
    # The only later batch: SSPR's pilot group's members, whose id the portal policy (read beside it) names.
    assert [url for batch in after for url in batch if "/transitiveMembers" not in url] == [], after
    assert len(after) <= 1, after
    direct = [r.path for r in sim.request_log if not r.batched and r.path != "/v1.0/$batch"]
    assert "/v1.0/organization" not in direct


def test_a_plan_reads_no_organisation(tmp_path: Path) -> None:
    sim = Simulator.from_profiles("weak-cloud")
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        run, _ = asyncio.run(make_engine({"t": sim}, store, tmp_path).plan("t", ["PWAgePolicyNew"]))
        assert run.organization is None
        stored = store.get_run(run.run_id)
        assert stored is not None and stored.organization is None  # "not recorded", not "unknown"


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator.from_profiles("weak-cloud")
    with server(sim.app) as url:
        yield sim, url


def _engine(url: str, token: str, store: HistoryStore, data_dir: Path) -> Engine:
    tenant = {"auth": "static", "token": token, "graph_url": url, "portal_url": f"{url}/api"}
    data: dict[str, Any] = {"tenants": {"lab": tenant}}
    return Engine(parse_config(data, None, data_dir=data_dir), load_plugins(), store, data_dir)


def test_without_organization_read_all_the_run_succeeds_and_says_why(
    served: tuple[Simulator, str], tmp_path: Path
) -> None:
    sim, url = served
    token = sim.issue_token(roles=[p for p in sim.known_permissions() if p not in ORGANIZATION_READERS])
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        (run,) = asyncio.run(_engine(url, token, store, tmp_path).assess(["lab"], ["PWAgePolicyNew"]))
        assert run.status == "completed"
        assert any(f.status is Status.FAIL for f in run.findings)  # the control itself was assessed
        org = run.organization
        assert org is not None and org.display_name is None and org.primary_domain is None
        assert "403" in org.unread and APPLICATION_PERMISSION in org.unread and DELEGATED_PERMISSION in org.unread
        stored = store.get_run(run.run_id)
        assert stored is not None and stored.organization == org


def test_a_delegated_user_read_token_reads_the_names(served: tuple[Simulator, str], tmp_path: Path) -> None:
    """Microsoft: with User.Read, only id, displayName and verifiedDomains are readable — the three asked for."""
    sim, url = served
    token = sim.issue_delegated_token(audience=GRAPH_AUDIENCE, scopes=[DELEGATED_PERMISSION])
    with HistoryStore.open(str(tmp_path / "history.db")) as store:
        (run,) = asyncio.run(_engine(url, token, store, tmp_path).assess(["lab"], ["PWAgePolicyNew"]))
        assert run.status == "completed"
        assert run.organization == _expected(sim)

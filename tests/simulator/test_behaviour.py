"""Faults, $batch, paging, observability, persistence, the extension API and the CLI."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from scorekeeper.simulator import Simulator, SimulatorExtension
from tests.simulator.conftest import graph_client


# ----------------------------------------------------------------------------- faults
async def test_retry_honours_retry_after_then_succeeds(sim: Simulator) -> None:
    rule = sim.faults.add(status=429, retry_after=1, path="/v1.0/subscribedSkus", times=1)
    started = time.monotonic()
    skus = await graph_client(sim).subscribed_skus.get()
    assert skus.value and rule.hits == 1
    assert time.monotonic() - started >= 1.0  # the SDK waited as told
    assert [r.status for r in sim.request_log] == [429, 200]


async def test_retries_run_out_with_a_clear_error(sim: Simulator) -> None:
    from scorekeeper.graph.errors import describe_error

    sim.faults.add(status=503, retry_after=1, path="/v1.0/organization")
    with pytest.raises(Exception) as caught:
        await graph_client(sim).organization.get()
    error = describe_error(caught.value)
    assert (error.status, error.code) == (503, "serviceNotAvailable")
    assert len(sim.request_log) == 4  # the first try and the SDK's 3 retries


@pytest.mark.parametrize(("kind", "exception"), [("reset", httpx.ReadError), ("truncated", httpx.RemoteProtocolError)])
async def test_transport_faults_reach_the_client(http: Any, sim: Simulator, kind: str, exception: type) -> None:
    sim.faults.add(kind=kind, path="/v1.0/organization", times=1)
    with pytest.raises(exception):
        await http("GET", "/v1.0/organization")
    assert (await http("GET", "/v1.0/organization")).status_code == 200  # times=1


async def test_malformed_json_and_timeouts(http: Any, sim: Simulator) -> None:
    sim.faults.add(kind="malformed", path="/v1.0/groups", times=1)
    response = await http("GET", "/v1.0/groups")
    with pytest.raises(ValueError):
        response.json()
    sim.faults.add(kind="timeout", timeout_after=0.01, path="/v1.0/users")
    with pytest.raises(httpx.ReadTimeout):
        await http("GET", "/v1.0/users")


async def test_probability_is_repeatable_with_a_seed(http: Any, sim: Simulator) -> None:
    async def pattern(seed: int) -> list[int]:
        sim.faults.clear()
        sim.faults.seed(seed)
        sim.faults.add(status=504, probability=0.5, path="/v1.0/organization")
        return [(await http("GET", "/v1.0/organization")).status_code for _ in range(12)]

    first = await pattern(7)
    assert first == await pattern(7)
    assert {200, 504} == set(first)


async def test_latency_delays_the_answer(http: Any, sim: Simulator) -> None:
    sim.faults.add(latency=0.05, jitter=0.01, path="/v1.0/organization")
    started = time.monotonic()
    await http("GET", "/v1.0/organization")
    assert time.monotonic() - started >= 0.05


# ----------------------------------------------------------------------------- $batch
async def test_batch_items_answer_separately_and_are_logged(http: Any, sim: Simulator) -> None:
    sim.faults.add(status=429, retry_after=3, path="/v1.0/subscribedSkus", times=1)
    requests = [
        {"id": "1", "method": "GET", "url": "/subscribedSkus"},
        {"id": "2", "method": "GET", "url": "organization?$select=id"},
        {
            "id": "3",
            "method": "PATCH",
            "url": "/policies/authorizationPolicy",
            "body": {"allowedToUseSSPR": False},
            "headers": {"Content-Type": "application/json"},
            "dependsOn": ["2"],
        },
        {"id": "4", "method": "GET", "url": "/groups/not-a-guid"},
        {"id": "5", "method": "GET", "url": "/users", "dependsOn": ["4"]},
    ]
    response = await http("POST", "/v1.0/$batch", json={"requests": requests})
    assert response.status_code == 200
    items = {r["id"]: r for r in response.json()["responses"]}
    assert items["1"]["status"] == 429 and items["1"]["headers"]["Retry-After"] == "3"
    assert items["2"]["status"] == 200 and set(items["2"]["body"]["value"][0]) == {"id"}
    assert items["3"]["status"] == 204 and "body" not in items["3"]
    assert items["4"]["status"] == 400 and items["5"]["status"] == 424
    inner = [r for r in sim.request_log if r.batched]
    assert [r.path for r in inner] == [
        "/v1.0/subscribedSkus",
        "/v1.0/organization",
        "/v1.0/policies/authorizationPolicy",
        "/v1.0/groups/not-a-guid",
    ]
    assert [(w.method, w.path, w.batched) for w in sim.writes()] == [
        ("PATCH", "/v1.0/policies/authorizationPolicy", True)
    ]


async def test_batch_limits(http: Any) -> None:
    many = [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(21)]
    assert (await http("POST", "/v1.0/$batch", json={"requests": many})).status_code == 400
    absolute = [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/organization"}]
    assert (await http("POST", "/v1.0/$batch", json={"requests": absolute})).json()["responses"][0]["status"] == 400
    no_type = [{"id": "1", "method": "PATCH", "url": "/policies/authorizationPolicy", "body": {}}]
    assert (await http("POST", "/beta/$batch", json={"requests": no_type})).json()["responses"][0]["status"] == 400
    forward = [
        {"id": "1", "method": "GET", "url": "/organization", "dependsOn": ["2"]},
        {"id": "2", "method": "GET", "url": "/organization"},
    ]
    assert (await http("POST", "/v1.0/$batch", json={"requests": forward})).status_code == 400


# ----------------------------------------------------------------------------- paging and queries
async def test_large_profile_pages_ca_policies_through_the_sdk() -> None:
    sim = Simulator.from_profiles("large", extensions=[])
    g = graph_client(sim)
    first = await g.identity.conditional_access.policies.get()
    assert len(first.value) == 100 and first.odata_next_link
    seen = list(first.value)
    page = first
    while page.odata_next_link:
        page = await g.identity.conditional_access.policies.with_url(page.odata_next_link).get()
        seen += page.value
    total = len(sim.tenant(sim.tenant_id).state["conditionalAccessPolicies"])
    assert total > 200 and len({p.id for p in seen}) == total


async def test_filter_select_top(http: Any) -> None:
    found = await http(
        "GET", "/v1.0/groups", params={"$filter": "displayName eq 'sspr PILOT'", "$select": "id,displayName"}
    )
    body = found.json()
    assert [set(g) for g in body["value"]] == [{"id", "displayName"}]
    assert body["@odata.context"].endswith("#groups(id,displayName)")
    quoted = await http("GET", "/v1.0/groups", params={"$filter": "displayName eq 'O''Brien'"})
    assert quoted.json()["value"] == []
    starts = await http("GET", "/v1.0/users", params={"$filter": "startswith(displayName,'a')", "$top": "1"})
    assert len(starts.json()["value"]) == 1 and "@odata.nextLink" in starts.json()
    unsupported = await http("GET", "/v1.0/groups", params={"$filter": "theme eq 'x'"})
    assert unsupported.status_code == 400 and unsupported.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert (await http("GET", "/v1.0/subscribedSkus", params={"$filter": "skuId eq 'x'"})).status_code == 400
    assert (await http("GET", "/v1.0/users", params={"$top": "1000"})).status_code == 400
    by_upn = await http("GET", "/v1.0/users/adelev@contoso.onmicrosoft.com", params={"$select": "id"})
    assert by_upn.status_code == 200 and set(by_upn.json()) == {"@odata.context", "id"}


# ----------------------------------------------------------------------------- observability and persistence
async def test_mark_diff_save_load_reset(http: Any, sim: Simulator, tmp_path: Path) -> None:
    await http("GET", "/v1.0/policies/authorizationPolicy")
    assert sim.writes() == [] and sim.state_diff() == []
    sim.mark()
    await http("PATCH", "/v1.0/policies/authorizationPolicy", json={"allowedToUseSSPR": False})
    [change] = sim.state_diff()
    assert (change.path, change.before, change.after) == ("authorizationPolicy.allowedToUseSSPR", True, False)
    sim.save(tmp_path / "state.json")
    assert (tmp_path / "state.json").stat().st_mode & 0o077 == 0  # holds the signing secret
    loaded = Simulator.load(tmp_path / "state.json", extensions=[])
    assert loaded.tenant_ids == sim.tenant_ids
    assert loaded.tenant(sim.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"] is False
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=loaded.app), base_url="http://127.0.0.1") as c:
        ok = await c.get("/v1.0/organization", headers={"Authorization": f"Bearer {sim.issue_token()}"})
        assert ok.status_code == 200  # the secret travelled with the state
    sim.reset()
    assert sim.tenant(sim.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"] is True
    assert sim.request_log == [] and sim.state_diff() == []


def test_tenants_and_tokens() -> None:
    import base64
    import json

    sim = Simulator.from_profiles("weak-cloud", "hardened", "weak-cloud", extensions=[])
    assert len(set(sim.tenant_ids)) == 3 and sim.tenant_id == sim.tenant_ids[0]
    assert Simulator.from_profiles("weak-cloud", extensions=[]).tenant_id == sim.tenant_id  # stable demo id
    payload = sim.issue_token(sim.tenant_ids[1], roles=["Policy.Read.All"]).split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["tid"] == sim.tenant_ids[1] and claims["idtyp"] == "app" and claims["roles"] == ["Policy.Read.All"]
    assert claims["aud"] == "https://graph.microsoft.com" and claims["exp"] > time.time()
    delegated = sim.issue_delegated_token().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(delegated + "=" * (-len(delegated) % 4)))
    assert claims["aud"] == "74658136-14ec-4630-ad9b-26e160ff0fc6" and claims["scp"] == "user_impersonation"


def test_refresh_secure_score_follows_the_state() -> None:
    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    state = sim.tenant(sim.tenant_id).state
    state["portal"]["passwordResetPolicies"]["enablementType"] = 2
    latest = sim.refresh_secure_score()
    sspr = next(c for c in latest["controlScores"] if c["controlName"] == "SelfServicePasswordReset")
    assert sspr["score"] == 1.0 and state["secureScores"][0]["id"] == latest["id"]


# ----------------------------------------------------------------------------- the extension API
def _domains_extension() -> SimulatorExtension:
    ext = SimulatorExtension(
        "example-domains",
        state={
            "weak-cloud": {"domains": [{"id": "$DOMAIN", "passwordValidityPeriodInDays": 90}]},
            "*": {"domains": [{"id": "$DOMAIN", "passwordValidityPeriodInDays": 2147483647}]},
        },
    )

    @ext.get("/domains", permissions=["Domain.Read.All", "Directory.Read.All"])
    def list_domains(ctx: Any) -> Any:
        return ctx.collection(ctx.state["domains"], "domains", type_name="domain")

    @ext.patch("/domains/{id}", permissions=["Domain.ReadWrite.All"])
    def patch_domain(ctx: Any) -> Any:
        found = next((d for d in ctx.state["domains"] if d["id"] == ctx.params["id"]), None)
        if found is None:
            raise ctx.not_found(ctx.params["id"])
        found.update(ctx.validate("domain", writable=["passwordValidityPeriodInDays"]))
        return ctx.no_content()

    return ext


async def test_an_extension_serves_its_routes_with_its_own_state() -> None:
    sim = Simulator.from_profiles("weak-cloud", "hardened", extensions=[_domains_extension()])
    assert "Domain.Read.All" in sim.known_permissions()
    weak, hard = (graph_client(sim, tenant_id=t) for t in sim.tenant_ids)
    domains = await weak.domains.get()
    assert domains.value[0].id == "contoso.onmicrosoft.com" and domains.value[0].password_validity_period_in_days == 90
    assert (await hard.domains.get()).value[0].password_validity_period_in_days == 2147483647
    from msgraph.generated.models.domain import Domain

    await weak.domains.by_domain_id("contoso.onmicrosoft.com").patch(Domain(password_validity_period_in_days=365))
    [change] = sim.state_diff()
    assert change.path == "extensions.example-domains.domains[id=contoso.onmicrosoft.com].passwordValidityPeriodInDays"
    denied = graph_client(sim, roles=["Policy.Read.All"])
    with pytest.raises(Exception, match="Insufficient privileges"):
        await denied.domains.get()
    core_only = Simulator.from_profiles("weak-cloud", extensions=[])
    with pytest.raises(Exception, match="segment 'domains'"):
        await graph_client(core_only).domains.get()


# ----------------------------------------------------------------------------- CLI
def _run(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str, str]:
    from scorekeeper.cli.main import main

    monkeypatch.setenv("SCOREKEEPER_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_cli_profiles_token_reset_and_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, out, _ = _run(["simulator", "profiles"], tmp_path, monkeypatch, capsys)
    assert code == 0 and {line.split()[0] for line in out.splitlines()} == {
        "weak-cloud",
        "hybrid-writeback-off",
        "hardened",
        "o365-only",
        "modern-cloud",
        "large",
        "phone-legacy",
        "migrated",
        "business-standard",
        "passkey-users",
        "trusted-locations",
    }
    code, out, _ = _run(["simulator", "token", "--roles", "Policy.Read.All"], tmp_path, monkeypatch, capsys)
    demo = tmp_path / "simulator" / "demo.json"
    sim = Simulator.load(demo, extensions=[])
    from scorekeeper.simulator.tokens import verify

    assert code == 0 and verify(sim.secret, out.strip().splitlines()[-1]).roles == {"Policy.Read.All"}
    code, _, err = _run(["simulator", "serve", "--host", "0.0.0.0"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "loopback only" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["simulator", "token", "--roles", "Nope.Read"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "unknown permission" in err
    sim.tenant(sim.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"] = False
    sim.save(demo)
    code, out, _ = _run(["simulator", "reset"], tmp_path, monkeypatch, capsys)
    assert code == 0
    assert Simulator.load(demo, extensions=[]).tenant(sim.tenant_id).state["authorizationPolicy"]["allowedToUseSSPR"]
    demo.write_text("not json")
    code, _, err = _run(["simulator", "token"], tmp_path, monkeypatch, capsys)
    assert code == 2 and "not a simulator state file" in err


async def test_serve_on_loopback(tmp_path: Path) -> None:
    """The same app under uvicorn on 127.0.0.1, as ``scorekeeper simulator serve`` runs it."""
    import asyncio

    import uvicorn

    sim = Simulator.from_profiles("weak-cloud", extensions=[])
    server = uvicorn.Server(uvicorn.Config(sim.app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            headers = {"Authorization": f"Bearer {sim.issue_token()}"}
            response = await client.get("/v1.0/users", params={"$top": "2"}, headers=headers)
            assert response.json()["@odata.nextLink"].startswith(f"http://127.0.0.1:{port}/v1.0/users?")
            sim.faults.add(kind="truncated", path="/v1.0/organization", times=1)
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/v1.0/organization", headers=headers)
    finally:
        server.should_exit = True
        await task

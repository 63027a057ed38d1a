"""Partner sign-in through the CLI: templates, GDAP discovery, one multi-tenant app for a fleet, onboarding.

A simulated partner fleet is served on loopback: its first tenant is the partner's own, holding one
GDAP relationship per customer; every customer that has consented gets tokens for the one client id
from the simulator's token endpoint, exactly as Entra ID issues them per tenant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scorekeeper.config.model import parse_config
from scorekeeper.engine.partner import consent_url, wait_for_consent
from scorekeeper.errors import AuthError, ConfigError
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.fleet import (
    PARTNER_APP_ID,
    PARTNER_SECRET_ENV,
    build_partner_fleet,
    client_secret,
    consent,
    partner_config_snippet,
)
from scorekeeper.simulator.wire import server

CUSTOMERS = 20
HEADER = "# MSP fleet: keep this comment\n[scorekeeper]\nconcurrency = 8\n\n"
APP = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def fleet() -> Iterator[tuple[Simulator, str]]:
    """20 customers: the last one's relationship still pending, the one before it never consented."""
    sim = build_partner_fleet(CUSTOMERS, unconsented=1, pending=1)
    with server(sim.app) as url:
        yield sim, url


@pytest.fixture
def config(home: Path, fleet: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    sim, url = fleet
    monkeypatch.setenv(PARTNER_SECRET_ENV, client_secret(sim))
    path = home / "fleet.toml"
    path.write_text(HEADER + partner_config_snippet(sim, url), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------- templates
TEMPLATED = {
    "templates": {
        "msp": {
            "auth": "certificate",
            "client_id": APP,
            "certificate_path": "/etc/msp.pem",
            "groups": ["gold"],
            "controls": {"SelfServicePasswordReset": {"reconfirm_days": 90, "notify_admins": False}},
            "remediation": {"promote": ["SelfServicePasswordReset.*"]},
        }
    },
    "tenants": {
        "acme": {
            "template": "msp",
            "tenant_id": "6ce2d7be-6407-53a3-b90c-15c798320f1a",
            "controls": {"SelfServicePasswordReset": {"reconfirm_days": 30}},
        },
        "zeta": {
            "template": "msp",
            "tenant_id": "78b6b517-e7b1-56bc-95cc-6d11924f4bb7",
            "auth": "client-secret",
            "client_secret_env": "ZETA_SECRET",
        },
    },
    "groups": {"gold": {"tenants": ["zeta"]}},
}


def test_a_tenant_inherits_its_template_and_its_own_keys_win_key_by_key() -> None:
    config = parse_config(TEMPLATED)
    acme, zeta = config.tenant("acme"), config.tenant("zeta")
    assert (acme.auth, acme.client_id, str(acme.certificate_path)) == ("certificate", APP, "/etc/msp.pem")
    assert (zeta.auth, zeta.client_id) == ("client-secret", APP)
    assert config.control_values("SelfServicePasswordReset", "acme") == {"reconfirm_days": 30, "notify_admins": False}
    assert config.control_values("SelfServicePasswordReset", "zeta")["reconfirm_days"] == 90
    assert config.remediation("acme").promote == ("SelfServicePasswordReset.*",)
    assert config.groups["gold"] == ("zeta", "acme")  # written member first, then the template's
    assert config.tenant_templates == {"acme": "msp", "zeta": "msp"}


def test_an_unknown_template_or_a_per_tenant_key_in_a_template_is_one_line_each() -> None:
    bad = json.loads(json.dumps(TEMPLATED))
    bad["tenants"]["acme"]["template"] = "mps"
    bad["templates"]["msp"]["tenant_id"] = "6ce2d7be-6407-53a3-b90c-15c798320f1a"
    with pytest.raises(ConfigError) as caught:
        parse_config(bad)
    problems = caught.value.problems
    assert "tenants.acme.template: unknown template 'mps' (did you mean 'msp'?) (templates: msp)" in problems
    assert any(p.startswith("templates.msp.tenant_id: names one tenant") for p in problems)


def test_partner_table_must_name_a_template_and_a_tenant_id() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({**TEMPLATED, "partner": {"tenant_id": "contoso", "template": "msx"}})
    assert any(p.startswith("partner.tenant_id: must be the partner tenant's id") for p in caught.value.problems)
    with pytest.raises(ConfigError) as caught:
        parse_config({**TEMPLATED, "partner": {"tenant_id": "b37a3215-4515-52f1-999b-4d9c1beb8507", "template": "msx"}})
    assert caught.value.problems == ["partner.template: unknown template 'msx' (did you mean 'msp'?)"]


# ----------------------------------------------------------------------------------------- discovery
def test_discover_appends_active_gdap_customers_and_keeps_the_rest_of_the_file(
    run: Callable, config: Path, fleet: tuple[Simulator, str]
) -> None:
    sim, _ = fleet
    before = config.read_text(encoding="utf-8")
    result = run("--config", str(config), "tenants", "discover", "--append")
    assert result.code == 0, result.err
    text = config.read_text(encoding="utf-8")
    assert text.startswith(before)  # comments and tables kept byte for byte
    active = sim.tenant_ids[1:CUSTOMERS]  # the pending relationship is not a customer yet
    assert text.count('template = "msp"\ntenant_id') == len(active) == CUSTOMERS - 1
    assert sim.tenant_ids[CUSTOMERS] not in text
    assert f"{CUSTOMERS - 1} customer(s) with an active GDAP relationship: {CUSTOMERS - 1} appended" in result.err
    again = run("--config", str(config), "tenants", "discover", "--json")
    assert again.code == 0, again.err
    shown = json.loads(again.out)["customers"]
    assert all(c["configured_as"] and c["new_name"] is None for c in shown)


def test_assess_all_tenants_signs_in_to_each_customer_with_the_one_app(
    run: Callable, config: Path, fleet: tuple[Simulator, str]
) -> None:
    sim, _ = fleet
    assert run("--config", str(config), "tenants", "discover", "--append").code == 0
    mark = len(sim.request_log)
    result = run("--config", str(config), "assess", "--all-tenants", "--control", "SelfServicePasswordReset", "--json")
    assert result.code in (1, 3), result.err
    token_paths = {r.path for r in sim.request_log[mark:] if r.path.endswith("/oauth2/v2.0/token")}
    assert {p.split("/")[1] for p in token_paths} == set(sim.tenant_ids[1:CUSTOMERS])
    graph_tenants = {r.tenant_id for r in sim.request_log[mark:] if r.path.startswith("/v1.0") and r.status == 200}
    consented = set(sim.tenant_ids[1 : CUSTOMERS - 1])
    assert graph_tenants == consented  # every consented customer read; the unconsented one never reached Graph
    assert "AADSTS7000229" in result.out + result.err


# ----------------------------------------------------------------------------------------- onboarding
def test_tenants_add_prints_the_consent_link_checks_permissions_and_writes_the_table(
    run: Callable, config: Path, fleet: tuple[Simulator, str]
) -> None:
    sim, _ = fleet
    tenant = sim.tenant_ids[3]
    before = config.read_text(encoding="utf-8")
    result = run("--config", str(config), "tenants", "add", "acme", "--tenant-id", tenant.upper(), "--timeout", "5")
    assert result.code == 0, result.err
    assert f"/{tenant}/v2.0/adminconsent?client_id={PARTNER_APP_ID}" in result.out
    assert "[tenants.acme] written" in result.out
    text = config.read_text(encoding="utf-8")
    assert text.startswith(before) and f'[tenants.acme]\ntemplate = "msp"\ntenant_id = "{tenant}"' in text
    twice = run("--config", str(config), "tenants", "add", "acme2", "--tenant-id", tenant)
    assert twice.code == 2 and "already configured as 'acme'" in twice.err


def test_tenants_add_without_consent_times_out_and_writes_nothing(
    run: Callable, config: Path, fleet: tuple[Simulator, str]
) -> None:
    sim, _ = fleet
    unconsented = sim.tenant_ids[CUSTOMERS - 1]
    before = config.read_text(encoding="utf-8")
    result = run("--config", str(config), "tenants", "add", "late", "--tenant-id", unconsented, "--timeout", "0")
    assert result.code == 1
    assert "no consent within 0 s: AADSTS7000229" in result.err
    assert config.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant-id", "contoso.com"], "is not a tenant id"),
        (["--tenant-id", "6ce2d7be-6407-53a3-b90c-15c798320f1b", "--template", "mps"], "unknown template 'mps'"),
    ],
)
def test_tenants_add_bad_input_is_one_line_and_exit_2(
    run: Callable, config: Path, args: list[str], message: str
) -> None:
    result = run("--config", str(config), "tenants", "add", "x", *args)
    assert result.code == 2 and message in result.err
    assert "Traceback" not in result.err


def test_waiting_for_consent_backs_off_until_the_admin_consents() -> None:
    from scorekeeper.engine.auth import LoopbackClientSecretCredential

    sim = build_partner_fleet(1, unconsented=1)
    tenant = sim.tenant_ids[1]
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:  # the admin consents during the third wait
        waits.append(seconds)
        now[0] += seconds
        if len(waits) == 3:
            consent(sim, tenant)

    with server(sim.app) as url:
        credential = LoopbackClientSecretCredential(url, tenant, PARTNER_APP_ID, client_secret(sim))
        roles = wait_for_consent(credential, timeout=600, sleep=sleep, clock=lambda: now[0])
        assert waits == [2.0, 4.0, 8.0]
        assert "Policy.Read.All" in roles
        wrong = LoopbackClientSecretCredential(url, tenant, PARTNER_APP_ID, "not-the-secret")
        with pytest.raises(AuthError, match="AADSTS7000215"):  # waiting cannot fix a wrong secret
            wait_for_consent(wrong, timeout=600, sleep=sleep, clock=lambda: now[0])


def test_the_consent_link_is_microsofts_v2_admin_consent_endpoint() -> None:
    link = consent_url("6ce2d7be-6407-53a3-b90c-15c798320f1a", APP, "https://msp.example/consent", state="acme")
    assert link == (
        "https://login.microsoftonline.com/6ce2d7be-6407-53a3-b90c-15c798320f1a/v2.0/adminconsent"
        f"?client_id={APP}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        "&redirect_uri=https%3A%2F%2Fmsp.example%2Fconsent&state=acme"
    )
    us = consent_url(
        "6ce2d7be-6407-53a3-b90c-15c798320f1a", APP, "https://x.example/c", authority="login.microsoftonline.us"
    )
    assert us.startswith("https://login.microsoftonline.us/")


def test_config_show_names_the_template_as_the_source_of_inherited_keys(run: Callable, home: Path) -> None:
    path = home / "templated.toml"
    path.write_text(
        """
[templates.msp]
auth = "client-secret"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret_env = "MSP_SECRET"

[templates.msp.controls.SelfServicePasswordReset]
reconfirm_days = 180
notify_admins = false

[templates.msp.remediation]
accept_impact = ["SelfServicePasswordReset.*"]

[tenants.acme]
template = "msp"
tenant_id = "6ce2d7be-6407-53a3-b90c-15c798320f1a"

[tenants.acme.controls.SelfServicePasswordReset]
reconfirm_days = 90
""",
        encoding="utf-8",
    )
    result = run("--config", str(path), "config", "show", "--tenant", "acme", "--json")
    assert result.code == 0, result.err
    [acme] = json.loads(result.out)["tenants"]
    control = next(c for c in acme["controls"] if c["control"] == "SelfServicePasswordReset")
    sources = {v["key"]: (v["value"], v["source"]) for v in control["values"]}
    assert sources["reconfirm_days"] == (90, "tenants.acme.controls.SelfServicePasswordReset")
    assert sources["notify_admins"] == (False, "templates.msp.controls.SelfServicePasswordReset")
    remediation = {r["key"]: r["source"] for r in acme["remediation"]}
    assert remediation["accept_impact"] == "templates.msp.remediation"


def test_discover_with_a_refused_sign_in_is_one_line(
    run: Callable, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PARTNER_SECRET_ENV, "not-the-secret")
    before = config.read_text(encoding="utf-8")
    result = run("--config", str(config), "tenants", "discover", "--append")
    assert result.code == 1
    [line] = result.err.strip().splitlines()
    assert "GDAP discovery in the partner tenant" in line and "AADSTS7000215" in line
    assert config.read_text(encoding="utf-8") == before

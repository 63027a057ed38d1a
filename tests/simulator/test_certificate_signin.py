"""Certificate sign-in end to end: azure-identity's CertificateCredential against a served partner fleet.

The simulator listens on a real socket; the app's certificate is registered in its
``keyCredentials``. azure-identity (through MSAL) discovers the token endpoint, signs the client
assertion and asks for a token; scorekeeper's CLI then assesses every customer with it. Refusals
(an unregistered certificate, an expired one, a tampered assertion) answer as Entra ID does and
reach the operator as one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.identity import CertificateCredential
from msal.oauth2cli.assertion import JwtAssertionCreator  # type: ignore[import-untyped]

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine.auth import graph_credential
from scorekeeper.simulator import Simulator
from scorekeeper.simulator.appcert import (
    AppCertificate,
    key_credential,
    make_certificate,
    read_certificate,
    thumbprint,
)
from scorekeeper.simulator.appcert import write_certificate as write
from scorekeeper.simulator.assertion import JWT_BEARER, b64url, b64url_decode
from scorekeeper.simulator.fleet import (
    PARTNER_APP_ID,
    build_partner_fleet,
    partner_certificate,
    partner_config_snippet,
    register_certificate,
)
from scorekeeper.simulator.tokens import verify
from scorekeeper.simulator.wire import server

GRAPH = "https://graph.microsoft.com/.default"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulator, str, Path]]:
    """Three customers (the last never consented) behind one app whose certificate is registered."""
    sim = build_partner_fleet(3, unconsented=1)
    path = tmp_path_factory.mktemp("cert") / "partner-cert.pem"
    partner_certificate(sim, path)
    with server(sim.app) as url:
        yield sim, url, path


def _tenant(sim: Simulator, url: str, cert: Path, index: int = 1) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "name": f"customer-{index}",
            "tenant_id": sim.tenant_ids[index],
            "auth": "certificate",
            "client_id": PARTNER_APP_ID,
            "certificate_path": str(cert),
            "authority": url,
            "graph_url": url,
        }
    )


def test_azure_identitys_certificate_credential_gets_a_token_for_each_consented_customer(
    fleet: tuple[Simulator, str, Path],
) -> None:
    sim, url, cert = fleet
    for index in (1, 2):
        mark = len(sim.request_log)
        credential = graph_credential(_tenant(sim, url, cert, index))
        assert isinstance(credential, CertificateCredential)
        principal = verify(sim.secret, credential.get_token(GRAPH).token)
        assert (principal.tenant_id, principal.claims["appid"]) == (sim.tenant_ids[index], PARTNER_APP_ID)
        paths = [(r.path, r.status) for r in sim.request_log[mark:]]
        tid = sim.tenant_ids[index]
        assert paths == [(f"/{tid}/v2.0/.well-known/openid-configuration", 200), (f"/{tid}/oauth2/v2.0/token", 200)]
    unconsented = graph_credential(_tenant(sim, url, cert, 3))
    with pytest.raises(Exception, match="AADSTS7000229"):
        unconsented.get_token(GRAPH)


@pytest.fixture
def config(home: Path, fleet: tuple[Simulator, str, Path]) -> Path:
    sim, url, cert = fleet
    path = home / "msp.toml"
    path.write_text(partner_config_snippet(sim, url, certificate_path=cert, auth="certificate"), encoding="utf-8")
    return path


def test_assess_signs_in_to_every_customer_with_the_certificate(
    run: Callable, config: Path, fleet: tuple[Simulator, str, Path]
) -> None:
    sim, _, _ = fleet
    assert run("--config", str(config), "tenants", "discover", "--append").code == 0
    mark = len(sim.request_log)
    result = run("--config", str(config), "assess", "--all-tenants", "--control", "SelfServicePasswordReset", "--json")
    consented = set(sim.tenant_ids[1:3])
    graph_tenants = {r.tenant_id for r in sim.request_log[mark:] if r.path.startswith("/v1.0") and r.status == 200}
    assert graph_tenants == consented  # both consented customers read, with tokens the certificate earned
    tokens = {r.path.split("/")[1]: r.status for r in sim.request_log[mark:] if r.path.endswith("/token")}
    assert tokens == {**dict.fromkeys(consented, 200), sim.tenant_ids[3]: 401}
    assert "AADSTS7000229" in result.out + result.err and "Traceback" not in result.out + result.err


def test_an_unregistered_certificate_is_refused_in_one_line(
    run: Callable, config: Path, fleet: tuple[Simulator, str, Path]
) -> None:
    _, _, cert = fleet
    assert run("--config", str(config), "tenants", "discover", "--append").code == 0
    saved = cert.read_bytes()
    try:
        write(cert, make_certificate())  # a certificate of our own, never uploaded to the app
        result = run("--config", str(config), "assess", "--all-tenants", "--control", "PWAgePolicyNew")
    finally:
        cert.write_bytes(saved)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "sign-in failed" in line]
    assert len(lines) == 3 and all("AADSTS700027" in line and "not registered" in line for line in lines)
    assert "Traceback" not in result.out + result.err


def test_an_expired_certificate_is_refused_in_one_line(
    run: Callable, config: Path, fleet: tuple[Simulator, str, Path]
) -> None:
    sim, _, cert = fleet
    assert run("--config", str(config), "tenants", "discover", "--append").code == 0
    expired = make_certificate(valid_from=datetime.now(UTC) - timedelta(days=400))
    saved = cert.read_bytes()
    register_certificate(sim, key_credential(expired.x509, display_name="CN=expired"))
    try:
        write(cert, expired)
        result = run("--config", str(config), "assess", "--tenant", "customer-0001-ltd", "--control", "PWAgePolicyNew")
    finally:
        cert.write_bytes(saved)
    assert result.code == 1
    text = " ".join(result.out.split())  # one message, however the terminal wrapped it
    assert "sign-in failed" in text and "AADSTS1000502" in text
    assert "Traceback" not in result.out + result.err


def _msal_assertion(cert: AppCertificate, audience: str) -> str:
    """What CertificateCredential sends: MSAL's own RS256 assertion with the SHA-1 thumbprint."""
    creator = JwtAssertionCreator(cert.private_key.decode(), "RS256", sha1_thumbprint=thumbprint(cert.x509))
    made: bytes = creator.create_normal_assertion(audience=audience, issuer=PARTNER_APP_ID)
    return made.decode()


def _post(url: str, tenant: str, **form: str) -> Any:
    body = {"grant_type": "client_credentials", "client_id": PARTNER_APP_ID, "scope": GRAPH, **form}
    reply = httpx.post(f"{url}/{tenant}/oauth2/v2.0/token", data=body, timeout=10)
    return reply.status_code, reply.json()


def test_a_tampered_assertion_is_refused_and_the_genuine_one_accepted(fleet: tuple[Simulator, str, Path]) -> None:
    sim, url, cert_path = fleet
    cert = read_certificate(cert_path)
    assert cert is not None
    tenant = sim.tenant_ids[1]
    audience = f"https://{url.removeprefix('http://')}/{tenant}/oauth2/v2.0/token"
    genuine = _msal_assertion(cert, audience)
    header, payload, signature = genuine.split(".")
    claims = json.loads(b64url_decode(payload))
    forged = b64url(json.dumps({**claims, "exp": claims["exp"] + 30 * 86_400}).encode())
    status, body = _post(
        url, tenant, client_assertion_type=JWT_BEARER, client_assertion=f"{header}.{forged}.{signature}"
    )
    assert (status, body["error"], body["error_codes"]) == (401, "invalid_client", [700027])
    assert body["error_description"] == "AADSTS700027: Client assertion failed signature validation."
    assert _post(url, tenant, client_assertion_type=JWT_BEARER, client_assertion=genuine)[0] == 200
    elsewhere = _msal_assertion(cert, f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
    assert _post(url, tenant, client_assertion_type=JWT_BEARER, client_assertion=elsewhere)[1]["error_codes"] == [
        700023
    ]


def test_neither_secret_nor_assertion_answers_7000218(fleet: tuple[Simulator, str, Path]) -> None:
    sim, url, _ = fleet
    status, body = _post(url, sim.tenant_ids[1])
    assert (status, body["error"], body["error_codes"]) == (401, "invalid_client", [7000218])
    assert "'client_assertion' or 'client_secret'" in body["error_description"]
    discovery = httpx.get(f"{url}/00000000-0000-0000-0000-0000000000ff/v2.0/.well-known/openid-configuration")
    assert (discovery.status_code, discovery.json()["error"]) == (400, "invalid_tenant")

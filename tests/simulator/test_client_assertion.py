"""The simulated token endpoint's certificate check, fed the assertions MSAL itself builds.

Assertions come from MSAL's own ``JwtAssertionCreator`` (what azure-identity's CertificateCredential
uses): RS256 with ``x5t`` as CertificateCredential sends it, PS256 with ``x5t#S256`` as MSAL sends it
when it knows the public certificate. Only the claims a test is about are bent.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from msal.oauth2cli.assertion import JwtAssertionCreator  # type: ignore[import-untyped]

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine.credentials import credential_problems
from scorekeeper.simulator.appcert import (
    AppCertificate,
    key_credential,
    make_certificate,
    read_certificate,
    thumbprint,
    write_certificate,
)
from scorekeeper.simulator.assertion import AssertionRefused, b64url, b64url_decode, check_client_assertion

CLIENT = "5c0b1a57-9a27-4e55-8b7e-000000000028"
AUD = "https://127.0.0.1:8765/6ce2d7be-6407-53a3-b90c-15c798320f1a/oauth2/v2.0/token"


@pytest.fixture(scope="module")
def cert() -> AppCertificate:
    return make_certificate()


def _assertion(cert: AppCertificate, *, alg: str = "RS256", **claims: Any) -> str:
    x509 = cert.x509
    prints = (
        {"sha256_thumbprint": x509.fingerprint(hashes.SHA256()).hex()}
        if alg == "PS256"
        else {"sha1_thumbprint": thumbprint(x509)}
    )
    creator = JwtAssertionCreator(cert.private_key.decode(), alg, **prints)
    made: bytes = creator.create_normal_assertion(
        audience=claims.pop("audience", AUD), issuer=claims.pop("issuer", CLIENT), **claims
    )
    return made.decode()


def _check(assertion: str, cert: AppCertificate, *, now: float | None = None, **credential: Any) -> Any:
    registered = {**key_credential(cert.x509), **credential}
    return check_client_assertion(
        assertion, client_id=CLIENT, audiences=[AUD], credentials=[registered], now=now or time.time()
    )


def _refusal(assertion: str, cert: AppCertificate, **kw: Any) -> AssertionRefused:
    with pytest.raises(AssertionRefused) as caught:
        _check(assertion, cert, **kw)
    return caught.value


def test_what_azure_identity_and_msal_send_is_accepted(cert: AppCertificate) -> None:
    rs256 = _assertion(cert)  # CertificateCredential: RS256, x5t (SHA-1)
    ps256 = _assertion(cert, alg="PS256")  # MSAL with the public certificate: PS256, x5t#S256
    headers = [json.loads(b64url_decode(a.split(".")[0])) for a in (rs256, ps256)]
    assert (headers[0]["alg"], "x5t" in headers[0]) == ("RS256", True)
    assert (headers[1]["alg"], "x5t#S256" in headers[1]) == ("PS256", True)
    for assertion in (rs256, ps256):
        assert _check(assertion, cert)["keyId"] == key_credential(cert.x509)["keyId"]
    assert _check(rs256, cert)  # the same assertion again: MSAL reuses one while it is valid


def test_an_unregistered_certificate_is_named_by_its_thumbprint(cert: AppCertificate) -> None:
    other = make_certificate()
    refused = _refusal(_assertion(other), cert)
    assert refused.code == 700027
    assert "not registered on application" in refused.description
    assert thumbprint(other.x509) in refused.description


def test_a_registered_certificate_outside_its_dates_is_refused(cert: AppCertificate) -> None:
    expired = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = _refusal(_assertion(cert), cert, endDateTime=expired)
    assert (refused.code, refused.description) == (
        1000502,
        "The provided certificate is not within its specified validity window.",
    )
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _refusal(_assertion(cert), cert, startDateTime=future).code == 1000502


def test_a_tampered_assertion_fails_signature_validation(cert: AppCertificate) -> None:
    header, payload, signature = _assertion(cert).split(".")
    claims = json.loads(b64url_decode(payload))
    forged = b64url(json.dumps({**claims, "exp": claims["exp"] + 86_400}).encode())
    refused = _refusal(f"{header}.{forged}.{signature}", cert)
    assert str(refused) == "AADSTS700027: Client assertion failed signature validation."
    unsigned = b64url(json.dumps({**json.loads(b64url_decode(header)), "alg": "none"}).encode())
    assert _refusal(f"{unsigned}.{payload}.", cert).code == 700027


def test_claims_are_checked_with_the_documented_codes(cert: AppCertificate) -> None:
    now = time.time()
    assert _refusal(_assertion(cert, issuer="someone-else"), cert).code == 700021
    assert _refusal(_assertion(cert, audience="https://login.microsoftonline.com/x/oauth2/v2.0/token"), cert).code == (
        700023
    )
    late = _refusal(_assertion(cert, expires_at=now - 3600, issued_at=now - 4200), cert)
    assert late.code == 700024 and late.description.startswith("Client assertion is not within its valid time range.")
    assert _refusal(_assertion(cert, not_before=now + 3600), cert).code == 700024
    assert _refusal(_assertion(cert, not_before=1e20), cert).code == 700024  # no calendar year: still one answer
    assert _check(_assertion(cert, expires_at=now - 60), cert)  # within the assumed five minutes of skew
    assert _refusal("not.a-jwt", cert).code == 50027
    assert _refusal("only-one-segment", cert).code == 50027
    assert _refusal("é.é.é", cert).code == 50027


def test_the_key_credential_has_graphs_shape(cert: AppCertificate) -> None:
    credential = key_credential(cert.x509)
    assert set(credential) == {
        "customKeyIdentifier",
        "displayName",
        "endDateTime",
        "key",
        "keyId",
        "startDateTime",
        "type",
        "usage",
    }
    assert (credential["type"], credential["usage"]) == ("AsymmetricX509Cert", "Verify")
    assert bytes.fromhex(thumbprint(cert.x509)) == base64.b64decode(credential["customKeyIdentifier"])
    assert datetime.fromisoformat(credential["endDateTime"]) > datetime.now(UTC) + timedelta(days=300)


def test_the_written_file_is_private_and_passes_config_check(cert: AppCertificate, tmp_path: Path) -> None:
    path = tmp_path / "partner-cert.pem"
    path.write_text("old")
    path.chmod(0o644)
    write_certificate(path, cert)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_certificate(path) == cert
    tenant = TenantConfig.model_validate(
        {
            "name": "acme",
            "tenant_id": "6ce2d7be-6407-53a3-b90c-15c798320f1a",
            "auth": "certificate",
            "client_id": CLIENT,
            "certificate_path": str(path),
        }
    )
    assert credential_problems(tenant) == []
    assert read_certificate(tmp_path / "missing.pem") is None


def test_config_check_refuses_a_key_azure_identity_cannot_sign_with(tmp_path: Path) -> None:
    """An EC certificate parses, but CertificateCredential signs RS256 only: found before any sign-in."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    start = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "ec.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    tenant = TenantConfig.model_validate(
        {
            "name": "acme",
            "tenant_id": "6ce2d7be-6407-53a3-b90c-15c798320f1a",
            "auth": "certificate",
            "client_id": CLIENT,
            "certificate_path": str(path),
        }
    )
    [problem] = credential_problems(tenant)
    assert "not RSA" in problem and str(path) in problem

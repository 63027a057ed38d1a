"""Credential references are checked before any run, without ever printing a value."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine.credentials import credential_problems

IDS = {"tenant_id": "00000000-0000-0000-0000-000000000000", "client_id": "11111111-1111-1111-1111-111111111111"}


def pem(tmp_path: Path, *, with_key: bool = True, password: bytes | None = None) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # CertificateCredential needs RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scorekeeper-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    data = cert.public_bytes(serialization.Encoding.PEM)
    if with_key:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    path = tmp_path / "app.pem"
    path.write_bytes(data)
    return path


def test_an_unset_secret_variable_is_named_never_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SK_SECRET", raising=False)
    tenant = TenantConfig(name="contoso", auth="client-secret", client_secret_env="SK_SECRET", **IDS)
    assert credential_problems(tenant) == ["client_secret_env SK_SECRET is not set"]
    monkeypatch.setenv("SK_SECRET", "hunter2")
    assert credential_problems(tenant) == []


def test_secret_files_must_exist_and_hold_something(tmp_path: Path) -> None:
    missing = TenantConfig(name="c", auth="client-secret", client_secret_file=tmp_path / "nope", **IDS)
    assert credential_problems(missing) == [f"client_secret_file {tmp_path / 'nope'} does not exist"]
    (tmp_path / "empty").write_text("\n")
    empty = TenantConfig(name="c", auth="client-secret", client_secret_file=tmp_path / "empty", **IDS)
    assert credential_problems(empty) == [f"client_secret_file {tmp_path / 'empty'} is empty"]


def test_certificates_must_parse_with_their_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def problems(path: Path, **extra: str) -> list[str]:
        return credential_problems(TenantConfig(name="c", auth="certificate", certificate_path=path, **IDS, **extra))

    assert problems(pem(tmp_path)) == []
    assert "no private key" in problems(pem(tmp_path, with_key=False))[0]
    encrypted = pem(tmp_path, password=b"s3cret-pass")
    assert "set certificate_password_env" in problems(encrypted)[0]
    monkeypatch.setenv("SK_CERT_PASSWORD", "wrong")
    assert "wrong password" in problems(encrypted, certificate_password_env="SK_CERT_PASSWORD")[0]
    monkeypatch.setenv("SK_CERT_PASSWORD", "s3cret-pass")
    assert problems(encrypted, certificate_password_env="SK_CERT_PASSWORD") == []
    junk = tmp_path / "junk.pfx"
    junk.write_bytes(b"\x01\x02not a certificate")
    found = problems(junk)
    assert "neither PEM nor PKCS#12" in found[0] and "s3cret" not in found[0]


def test_simulated_tenants_need_no_credentials(tmp_path: Path) -> None:
    assert credential_problems(TenantConfig(name="demo", simulator=True, auth="static")) == []

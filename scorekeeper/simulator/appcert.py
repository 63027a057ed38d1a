"""A simulated app's certificate: a self-signed one made on the spot, and its ``keyCredential``.

Production MSPs sign in with a certificate rather than a secret. To exercise that path over a
socket, ``scorekeeper simulator serve --partner`` writes a certificate and its private key (one PEM
file, readable only by its owner, as azure-identity's CertificateCredential reads it) and registers
the public certificate on the app the way Microsoft Graph models it: an entry of
``application.keyCredentials`` (type ``AsymmetricX509Cert``, usage ``Verify``, ``key`` = the DER
certificate in base64, ``customKeyIdentifier`` = its SHA-1 thumbprint in base64, start and end =
the certificate's own validity).
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

#: The displayName of the credential the simulator registers (so a later serve replaces, not piles up).
DISPLAY_NAME = "CN=scorekeeper simulator"
#: An RSA key: azure-identity's CertificateCredential signs with RS256 and refuses any other key type.
KEY_SIZE = 2048


@dataclass(frozen=True)
class AppCertificate:
    """A certificate and its private key, both PEM."""

    certificate: bytes
    private_key: bytes

    @property
    def x509(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate)

    def pem(self) -> bytes:
        """Key then certificate in one file: what CertificateCredential and ``config check`` read."""
        return self.private_key + self.certificate


def make_certificate(
    *, valid_from: datetime | None = None, valid_for: timedelta = timedelta(days=365), common_name: str = ""
) -> AppCertificate:
    """A new self-signed RSA certificate, valid from ``valid_from`` (default: five minutes ago) for ``valid_for``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    start = valid_from or datetime.now(UTC) - timedelta(minutes=5)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name or DISPLAY_NAME.removeprefix("CN="))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .sign(key, hashes.SHA256())
    )
    return AppCertificate(
        certificate=cert.public_bytes(serialization.Encoding.PEM),
        private_key=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def write_certificate(path: Path, cert: AppCertificate) -> None:
    """Write key + certificate to ``path`` with mode 0600 (created so, never world-readable in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(cert.pem())
    path.chmod(0o600)  # an existing file keeps its mode through O_CREAT: make sure


def read_certificate(path: Path) -> AppCertificate | None:
    """The certificate and key in ``path`` as :func:`write_certificate` left them, or ``None``."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    cert_at, key_at = data.find(b"-----BEGIN CERTIFICATE-----"), data.find(b"-----BEGIN PRIVATE KEY-----")
    if cert_at < 0 or key_at < 0:
        return None
    key_end = data.find(b"-----END PRIVATE KEY-----", key_at)
    cert_end = data.find(b"-----END CERTIFICATE-----", cert_at)
    if key_end < 0 or cert_end < 0:
        return None
    private_key = data[key_at : key_end + len(b"-----END PRIVATE KEY-----")] + b"\n"
    certificate = data[cert_at : cert_end + len(b"-----END CERTIFICATE-----")] + b"\n"
    try:
        x509.load_pem_x509_certificate(certificate)
        serialization.load_pem_private_key(private_key, None)
    except (ValueError, TypeError):
        return None
    return AppCertificate(certificate=certificate, private_key=private_key)


def thumbprint(cert: x509.Certificate) -> str:
    """The SHA-1 thumbprint in upper-case hex, as the Entra admin center shows it."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()  # a thumbprint


def key_credential(cert: x509.Certificate, display_name: str = DISPLAY_NAME) -> dict[str, Any]:
    """The ``keyCredential`` (Graph v1.0) registering ``cert`` for sign-in."""
    der = cert.public_bytes(serialization.Encoding.DER)
    sha1 = hashlib.sha1(der).digest()  # a thumbprint, not a security hash
    return {
        "customKeyIdentifier": base64.b64encode(sha1).decode("ascii"),
        "displayName": display_name,
        "endDateTime": _iso(cert.not_valid_after_utc),
        "key": base64.b64encode(der).decode("ascii"),
        "keyId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scorekeeper-key/{sha1.hex()}")),
        "startDateTime": _iso(cert.not_valid_before_utc),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

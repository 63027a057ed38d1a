"""Whether each credential a tenant's config refers to can be built, checked before any run.

The most common first-run mistake is a secret that is not where the config says: an environment
variable not exported, a file path with a typo, a certificate exported without its key. Each is
found here, without contacting Entra ID and without ever reading a value into a message, so that
``config check`` lists them all and ``assess`` stops with one line per tenant instead of failing
every setting of every control one by one.
"""

from __future__ import annotations

import os
from pathlib import Path

from scorekeeper.config.model import TenantConfig
from scorekeeper.util.secretfile import read_secret_file

#: A PEM or PKCS#12 certificate with its key is a few KiB; a bound keeps a wrong path from being read whole.
MAX_CERTIFICATE_BYTES = 1024 * 1024


def _env(key: str, name: str | None) -> list[str]:
    if name and not os.environ.get(name, "").strip():
        return [f"{key} {name} is not set"]
    return []


def _readable(key: str, path: Path | None) -> list[str]:
    if path is None:
        return []
    path = path.expanduser()
    if not path.exists():
        return [f"{key} {path} does not exist"]
    if not path.is_file():
        return [f"{key} {path} is not a file"]
    if not os.access(path, os.R_OK):
        return [f"{key} {path} is not readable by this user"]
    return []


def _certificate(tenant: TenantConfig) -> list[str]:
    """The certificate file exists and holds a certificate and its private key (PEM or PKCS#12)."""
    path = tenant.certificate_path
    found = _readable("certificate_path", path)
    if found or path is None:
        return found
    password_env = tenant.certificate_password_env
    found = _env("certificate_password_env", password_env)
    if found:
        return found
    password = os.environ[password_env].encode() if password_env else None
    if path.expanduser().stat().st_size > MAX_CERTIFICATE_BYTES:
        return [f"certificate_path {path} is larger than {MAX_CERTIFICATE_BYTES // 1024} KiB: not a certificate"]
    data = path.expanduser().read_bytes()
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12
    from cryptography.x509 import load_pem_x509_certificate

    if b"-----BEGIN" in data:
        try:
            load_pem_x509_certificate(data)
        except ValueError:
            return [f"certificate_path {path} has no PEM certificate"]
        if b"PRIVATE KEY-----" not in data:
            return [f"certificate_path {path} has a certificate but no private key (export it with its key)"]
        try:
            pem_key = load_pem_private_key(data, password)
        except TypeError:
            return [f"certificate_path {path}: the private key is encrypted; set certificate_password_env"]
        except ValueError:
            return [f"certificate_path {path}: the private key cannot be read (wrong password or damaged)"]
        return _rsa(path, pem_key)
    try:
        key, cert, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        return [f"certificate_path {path} is neither PEM nor PKCS#12, or its password is wrong"]
    if key is None or cert is None:
        return [f"certificate_path {path} must hold both the certificate and its private key"]
    return _rsa(path, key)


def _rsa(path: Path, key: object) -> list[str]:
    """azure-identity's CertificateCredential signs RS256 and refuses any other key at sign-in: say so now."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    if isinstance(key, RSAPrivateKey):
        return []
    return [f"certificate_path {path}: the private key is not RSA (azure-identity signs the assertion with RS256)"]


def credential_problems(tenant: TenantConfig) -> list[str]:
    """Why the credentials of ``tenant`` cannot be built, one short phrase each; ``[]`` when they can.

    Only references are checked (a variable is set, a file is readable, a certificate parses);
    whether Entra ID accepts them is learnt at sign-in. Values never appear in a message.
    """
    if tenant.simulator:
        return []
    problems: list[str] = []
    if tenant.auth == "client-secret":
        problems += _env("client_secret_env", tenant.client_secret_env)
        if not tenant.client_secret_env:
            problems += _readable("client_secret_file", tenant.client_secret_file)
            secret_file = tenant.client_secret_file
            if not problems and secret_file:
                try:
                    if not read_secret_file(secret_file):
                        problems.append(f"client_secret_file {secret_file} is empty")
                except ValueError as exc:
                    problems.append(f"client_secret_file {exc}")
    elif tenant.auth == "certificate":
        problems += _certificate(tenant)
    elif tenant.auth == "workload-identity":
        if tenant.token_file_path:
            problems += _readable("token_file_path", tenant.token_file_path)
        elif not os.environ.get("AZURE_FEDERATED_TOKEN_FILE"):
            problems.append("workload-identity needs token_file_path or AZURE_FEDERATED_TOKEN_FILE")
    elif tenant.auth == "static" and not tenant.token:
        problems += _env("token_env", tenant.token_env)
    if tenant.portal_auth == "static" and not tenant.portal_token:
        problems += _env("portal_token_env", tenant.portal_token_env)
    return problems


def tenant_credential_lines(tenants: list[TenantConfig]) -> list[str]:
    """``name: problem; problem`` for each tenant whose credentials cannot be built."""
    lines = []
    for tenant in tenants:
        found = credential_problems(tenant)
        if found:
            lines.append(f"{tenant.name}: {'; '.join(found)}")
    return lines

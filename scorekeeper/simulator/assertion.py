"""Checking a client assertion (a JWT signed with an app's certificate) as the token endpoint does.

An app that signs in with a certificate sends ``client_assertion_type=urn:ietf:params:oauth:
client-assertion-type:jwt-bearer`` and ``client_assertion``: a JWT whose header names the
certificate by thumbprint (``x5t``: SHA-1, or ``x5t#S256``: SHA-256, both base64url of the DER
digest) and whose claims say who sent it (``iss`` = ``sub`` = the client id), to whom (``aud``: the
token endpoint's URL) and for how long (``nbf``/``exp``). The identity platform finds the
certificate among the app's ``keyCredentials``, refuses one outside its validity, checks the
signature (RS256 or PS256) and then the claims. See docs/simulator.md "Certificate sign-in" for the
pages checked and the order assumed.

The checks use ``cryptography`` directly, so the simulator verifies what MSAL (PyJWT) signed without
sharing its code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

#: The one ``client_assertion_type`` the identity platform accepts for a certificate credential.
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: The signature algorithms Microsoft documents for a client assertion (RS256 then, PS256 now).
ALGORITHMS = ("RS256", "PS256")
#: Seconds of clock difference tolerated on ``nbf``/``exp`` (an assumption: Microsoft does not document it).
CLOCK_SKEW = 300


@dataclass(frozen=True)
class AssertionRefused(Exception):
    """Why an assertion is refused: the AADSTS code and its description, as the token endpoint says them."""

    code: int
    description: str

    def __str__(self) -> str:
        return f"AADSTS{self.code}: {self.description}"


def b64url_decode(text: str) -> bytes:
    """base64url without padding (RFC 7515) → bytes; ``ValueError`` when it is not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None


def b64url(data: bytes) -> str:
    """bytes → base64url without padding, the encoding of JWT segments and ``x5t`` thumbprints."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def credential_certificate(credential: Mapping[str, Any]) -> x509.Certificate | None:
    """The X.509 certificate a ``keyCredential`` carries in ``key`` (base64 of DER, or PEM text)."""
    key = credential.get("key")
    if not key or credential.get("type") != "AsymmetricX509Cert" or credential.get("usage") != "Verify":
        return None
    try:
        raw = base64.b64decode(key)
        return (
            x509.load_pem_x509_certificate(raw)
            if raw.startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(raw)
        )
    except (binascii.Error, ValueError):
        return None


def _malformed() -> AssertionRefused:
    return AssertionRefused(50027, "JWT token is invalid or malformed.")


def _segments(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = assertion.split(".")
    if len(parts) != 3:
        raise _malformed()
    try:
        header, claims = (json.loads(b64url_decode(part)) for part in parts[:2])
        signature = b64url_decode(parts[2])
        signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    except ValueError:  # bad base64, bad JSON, or not ASCII at all (UnicodeError is a ValueError)
        raise _malformed() from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _malformed()
    return header, claims, signed, signature


def _find_key(
    header: Mapping[str, Any], credentials: Iterable[Mapping[str, Any]]
) -> tuple[Mapping[str, Any], x509.Certificate]:
    """The registered credential the header's thumbprint names (``x5t#S256`` preferred, then ``x5t``)."""
    named = [(name, header.get(name)) for name in ("x5t#S256", "x5t")]
    # MSAL keeps base64's "=" padding on the thumbprint; RFC 7515 leaves it off: compare without it.
    wanted = [(name, value.rstrip("=")) for name, value in named if isinstance(value, str) and value]
    for credential in credentials:
        cert = credential_certificate(credential)
        if cert is None:
            continue
        der = cert.public_bytes(Encoding.DER)
        # SHA-1 here names a certificate (a thumbprint), it protects nothing.
        prints = {"x5t#S256": b64url(hashlib.sha256(der).digest()), "x5t": b64url(hashlib.sha1(der).digest())}
        if any(prints[name] == value for name, value in wanted):
            return credential, cert
    shown = next((value for _, value in wanted), "")
    try:
        thumbprint = b64url_decode(shown).hex().upper() if shown else ""
    except ValueError:
        thumbprint = shown
    raise AssertionRefused(
        700027,
        "The certificate with identifier used to sign the client assertion is not registered on application. "
        f"[Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}']",
    )


def _within_validity(credential: Mapping[str, Any], now: datetime) -> bool:
    start, end = credential.get("startDateTime"), credential.get("endDateTime")
    try:
        if start and now < datetime.fromisoformat(str(start)):
            return False
        return not (end and now > datetime.fromisoformat(str(end)))
    except ValueError:
        return False


def _signature_valid(cert: x509.Certificate, alg: str, signed: bytes, signature: bytes) -> bool:
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    pad: padding.AsymmetricPadding
    if alg == "PS256":  # RFC 7518 3.5: PSS with MGF1, the salt as long as the SHA-256 digest
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    else:
        pad = padding.PKCS1v15()
    try:
        key.verify(signature, signed, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _instant(value: float) -> str:
    try:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    except (OverflowError, OSError, ValueError):  # a claim no calendar holds: say the number
        return str(value)


def check_client_assertion(
    assertion: str,
    *,
    client_id: str,
    audiences: Collection[str],
    credentials: Iterable[Mapping[str, Any]],
    now: float,
) -> Mapping[str, Any]:
    """The ``keyCredential`` that signed ``assertion``, or :class:`AssertionRefused` saying why not.

    Order: the JWT parses; its certificate is registered (by thumbprint) and within its dates; the
    algorithm is RS256/PS256 and the signature verifies; ``iss``/``sub`` name ``client_id``;
    ``aud`` is one of ``audiences`` (compared without case and trailing slash); ``now`` lies within
    ``nbf``..``exp`` give or take :data:`CLOCK_SKEW`. ``jti`` is not checked for reuse: MSAL
    sends the same assertion again while it is valid.
    """
    header, claims, signed, signature = _segments(assertion)
    credential, cert = _find_key(header, credentials)
    if not _within_validity(credential, datetime.fromtimestamp(now, UTC)):
        raise AssertionRefused(1000502, "The provided certificate is not within its specified validity window.")
    alg = header.get("alg")
    if alg not in ALGORITHMS or not _signature_valid(cert, str(alg), signed, signature):
        raise AssertionRefused(700027, "Client assertion failed signature validation.")
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRefused(700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
    wanted = {a.lower().rstrip("/") for a in audiences}
    if not isinstance(claims.get("aud"), str) or claims["aud"].lower().rstrip("/") not in wanted:
        raise AssertionRefused(700023, "Client assertion audience claim does not match Realm issuer.")
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, int | float) or not isinstance(nbf, int | float) or isinstance(exp, bool):
        raise _malformed()
    if now > exp + CLOCK_SKEW or now < nbf - CLOCK_SKEW:
        raise AssertionRefused(
            700024,
            f"Client assertion is not within its valid time range. Current time: {_instant(now)}, "
            f"assertion valid from {_instant(nbf)}, expiry time of assertion {_instant(exp)}.",
        )
    return credential

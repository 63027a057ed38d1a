"""JWT-shaped access tokens that the simulator issues and checks, like Entra ID's, but HMAC-signed.

Real tokens are RS256-signed by Entra ID; the simulator signs with HS256 and a secret of its
own (kept in the state file) so that ``scorekeeper simulator token --state FILE`` issues tokens
that ``scorekeeper simulator serve --state FILE`` accepts. The claim names are the real ones:
``tid``, ``aud``, ``exp``, ``iat``, ``nbf``, ``iss``, ``roles`` + ``idtyp = "app"`` for app-only
tokens, ``scp`` (space-separated) for delegated ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Defined in the one error tree (scorekeeper/errors.py); importable from here as before.
from scorekeeper.errors import TokenError as TokenError

GRAPH_AUDIENCE = "https://graph.microsoft.com"
#: The Azure portal API's resource (application id), the audience of its delegated tokens.
PORTAL_AUDIENCE = "74658136-14ec-4630-ad9b-26e160ff0fc6"
#: Azure PowerShell's public client: the app the portal scripts sign in with.
PORTAL_CLIENT_APP = "1950a258-227b-4e31-a9cf-717495945fc2"
SIMULATOR_APP_ID = "5c0b1a57-5c0e-4e3e-9f00-5c0e4ee9e700"
LIFETIME_SECONDS = 3600
#: Graph permissions that exist only as delegated scopes: Entra ID never puts them in an app-only
#: token's ``roles``. Directory.AccessAsUser.All and User.Read have no application row in the
#: permissions reference; User.ReadBasic.All's application role is honoured by no users page (user-list
#: and user-get list it for delegated access only), so the simulator treats it as delegated too.
#: ``user_impersonation`` is the portal API's delegated scope.
DELEGATED_ONLY = frozenset({"Directory.AccessAsUser.All", "User.Read", "User.ReadBasic.All", "user_impersonation"})


def application_permissions(permissions: Iterable[str]) -> list[str]:
    """The permissions an app-only token may carry as ``roles``: the delegated-only ones left out."""
    return sorted(set(permissions) - DELEGATED_ONLY)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Principal:
    """Who called, as the token says: tenant, audience, and what it may do."""

    tenant_id: str
    audience: str
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    app_only: bool = True
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def permissions(self) -> frozenset[str]:
        """Graph permissions granted: app roles for app-only tokens, scopes for delegated ones."""
        return self.roles if self.app_only else self.scopes


def issue(
    secret: str,
    tenant_id: str,
    *,
    audience: str = GRAPH_AUDIENCE,
    roles: list[str] | None = None,
    scopes: list[str] | None = None,
    lifetime: int = LIFETIME_SECONDS,
    extra: dict[str, Any] | None = None,
    app_id: str = SIMULATOR_APP_ID,
) -> str:
    """A signed token: app-only when ``scopes`` is None, delegated otherwise.

    ``app_id`` is the client the token names (``appid``): a partner's multi-tenant app gets tokens
    for every consented customer tenant under its one client id (simulator/fleet.py).
    """
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "tid": tenant_id,
        "uti": uuid.uuid4().hex[:22],
        "ver": "1.0",
    }
    if scopes is None:
        claims.update({"appid": app_id, "idtyp": "app", "oid": str(uuid.uuid4()), "roles": sorted(roles or [])})
    else:
        claims.update(
            {
                "appid": PORTAL_CLIENT_APP,
                "idtyp": "user",
                "oid": "0b7e1c2d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                "upn": f"admin@{tenant_id[:8]}.onmicrosoft.com",
                "scp": " ".join(sorted(scopes)),
            }
        )
    claims.update(extra or {})
    header = {"typ": "JWT", "alg": "HS256", "kid": "scorekeeper-simulator"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def verify(secret: str, token: str, *, now: float | None = None) -> Principal:
    """Check the signature and lifetime; raise :class:`TokenError` with Graph's wording otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("IDX14100: JWT is not well formed, there are no dots (.).")
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        signature = _unb64(parts[2])
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, json.JSONDecodeError):
        raise TokenError("Access token validation failure.") from None
    if not hmac.compare_digest(signature, expected):
        raise TokenError("Access token validation failure. Invalid signature.")
    if not isinstance(claims, dict) or not claims.get("tid"):
        raise TokenError("Access token validation failure.")
    current = time.time() if now is None else now
    if float(claims.get("exp", 0)) < current:
        raise TokenError("Lifetime validation failed, the token is expired.")
    scp = claims.get("scp")
    return Principal(
        tenant_id=str(claims["tid"]),
        audience=str(claims.get("aud", "")),
        roles=frozenset(claims.get("roles") or []),
        scopes=frozenset(str(scp).split()) if scp else frozenset(),
        app_only=claims.get("idtyp") == "app" or not scp,
        claims=claims,
    )

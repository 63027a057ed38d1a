"""Who acts in a run: the OS account and host running scorekeeper, and the identity its token names.

An auditor asking "who changed this tenant on Tuesday" needs both halves: the person or service
account at the keyboard (the OS user and host) and the identity the tenant saw (the app
registration for app-only tokens, the admin's UPN for delegated ones). The second is read from
the access token's claims as the credential hands it to the Graph client. The token itself is
never stored or logged; only the claim naming the caller is kept.
"""

from __future__ import annotations

import base64
import getpass
import json
import socket
from typing import Any

from scorekeeper.domain.model import Actor


def local_actor() -> Actor:
    """The OS user and host of this process (no identity yet: no token has been issued)."""
    try:
        user = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry (a bare container uid)
        import os

        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else ""
    return Actor(os_user=user, host=socket.gethostname())


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, unverified (only to name the caller); ``{}`` if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def identity_from_claims(claims: dict[str, Any]) -> str:
    """``app <appid>`` for an app-only token, the UPN for a delegated one, ``""`` when unnamed.

    Entra ID's v1 tokens carry ``appid`` and ``upn``; v2 tokens ``azp`` and ``preferred_username``.
    A delegated token carries ``scp``; an app-only one ``idtyp = "app"`` or only ``roles``.
    """
    user = claims.get("upn") or claims.get("preferred_username") or claims.get("unique_name")
    delegated = "scp" in claims or (user and claims.get("idtyp") != "app")
    if delegated and isinstance(user, str) and user:
        return user
    app = claims.get("appid") or claims.get("azp")
    if isinstance(app, str) and app:
        return f"app {app}"
    oid = claims.get("oid")
    return f"object {oid}" if isinstance(oid, str) and oid else ""


class IdentityProbe:
    """Wraps a sync ``TokenCredential`` and remembers who each token it hands out names.

    The Graph client's authentication provider calls ``get_token`` before its first request;
    the engine reads :attr:`identity` when the run ends and records it beside the OS user.
    """

    def __init__(self, credential: Any) -> None:
        self._credential = credential
        self.identity = ""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        token = self._credential.get_token(*scopes, **kwargs)
        if not self.identity:
            self.identity = identity_from_claims(token_claims(getattr(token, "token", "") or ""))
        return token

    def close(self) -> None:
        close = getattr(self._credential, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:  # anything else the SDK asks of the credential
        return getattr(self._credential, name)

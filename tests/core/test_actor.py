"""The identity a token names, as history records it (app id or UPN), never the token."""

from __future__ import annotations

import base64
import json

from scorekeeper.domain.actor import IdentityProbe, identity_from_claims, token_claims


def jwt(claims: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJub25lIn0.{body}.sig"


def test_app_only_tokens_name_the_app_and_delegated_ones_the_user() -> None:
    assert identity_from_claims({"appid": "abc", "roles": ["x"], "idtyp": "app"}) == "app abc"
    assert identity_from_claims({"azp": "abc", "scp": "User.Read", "preferred_username": "ann@contoso.com"}) == (
        "ann@contoso.com"
    )
    assert identity_from_claims({"upn": "bob@contoso.com", "scp": "x", "appid": "abc"}) == "bob@contoso.com"
    assert identity_from_claims({}) == ""
    assert token_claims("not-a-jwt") == {}


def test_the_probe_remembers_the_identity_and_passes_the_token_through() -> None:
    class Credential:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            return type("T", (), {"token": jwt({"appid": "app-1", "idtyp": "app"}), "expires_on": 0})()

    probe = IdentityProbe(Credential())
    token = probe.get_token("https://graph.microsoft.com/.default")
    assert probe.identity == "app app-1" and token.token.startswith("eyJ")

"""Sign-in connections shared per authority (engine/signin.py): tokens per tenant, connections per process.

A fleet signs in to every tenant with a credential of its own; what those credentials share is
the HTTP connection to the one sign-in host, never a token or a cookie.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests
import urllib3

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine import signin
from scorekeeper.engine.auth import LoopbackClientSecretCredential, graph_credential
from scorekeeper.simulator.fleet import PARTNER_APP_ID, build_partner_fleet, client_secret
from scorekeeper.simulator.tokens import verify
from scorekeeper.simulator.wire import server

GRAPH = "https://graph.microsoft.com/.default"


@pytest.fixture(autouse=True)
def fresh_connections() -> Iterator[None]:
    signin.close_all()
    yield
    signin.close_all()


class _TokenEndpoint(BaseHTTPRequestHandler):
    """Answers every POST with a token naming the tenant in its path, sets a cookie, counts connections."""

    protocol_version = "HTTP/1.1"  # keep-alive: a connection serves many requests
    connections: ClassVar[list[int]] = []
    cookies_seen: ClassVar[list[str]] = []

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.cookies_seen.append(self.headers.get("Cookie", ""))
        tenant = self.path.strip("/").split("/")[0]
        body = json.dumps({"access_token": f"token-of-{tenant}", "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", f"affinity={tenant}; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def token_endpoint() -> Iterator[str]:
    _TokenEndpoint.connections, _TokenEndpoint.cookies_seen = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_loopback_credentials_of_many_tenants_share_one_connection_but_not_tokens_or_cookies(
    token_endpoint: str,
) -> None:
    tenants = [f"tenant-{n}" for n in range(5)]
    tokens = [LoopbackClientSecretCredential(token_endpoint, t, "app", "secret").get_token(GRAPH) for t in tenants]
    assert [t.token for t in tokens] == [f"token-of-{t}" for t in tenants]
    assert len(_TokenEndpoint.connections) == 1  # before: one new client, and connection, per token
    assert _TokenEndpoint.cookies_seen == [""] * 5  # tenant-0's cookie never reached tenant-1's sign-in


def test_the_shared_session_keeps_no_cookie_and_reuses_its_connection(token_endpoint: str) -> None:
    session = signin.shared_session(token_endpoint)
    for tenant in ("a", "b", "c"):
        reply = session.post(f"{token_endpoint}/{tenant}/oauth2/v2.0/token", data={"x": "1"})
        assert reply.json()["access_token"] == f"token-of-{tenant}"
    assert list(session.cookies) == []
    assert _TokenEndpoint.cookies_seen == ["", "", ""]
    assert len(_TokenEndpoint.connections) == 1


def test_one_session_per_authority_and_a_transport_per_credential() -> None:
    public = signin.identity_transport(None)
    again = signin.identity_transport("")
    us = signin.identity_transport("login.microsoftonline.us")
    assert public is not again  # each credential its own transport object ...
    assert public.session is again.session  # ... over its authority's one session
    assert us.session is not public.session
    public.open()
    public.close()  # a credential closing its transport leaves the shared session to the others
    assert again.session is public.session and again.session.adapters


def test_closing_a_credentials_transport_keeps_the_session_open(token_endpoint: str) -> None:
    first = signin.identity_transport(token_endpoint)
    with first:
        pass
    reply = signin.shared_session(token_endpoint).post(f"{token_endpoint}/t/oauth2/v2.0/token", data={})
    assert reply.status_code == 200


class _FakeEntra(requests.adapters.HTTPAdapter):
    """Entra ID's discovery and token endpoints for MSAL, answered in-process; records each tenant asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        path = url.split("login.microsoftonline.com", 1)[1].split("?")[0]
        tenant = path.strip("/").split("/")[0]
        self.asked.append(path)
        base = f"https://login.microsoftonline.com/{tenant}"
        if path.endswith("openid-configuration"):
            body: dict[str, Any] = {
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            }
        elif path.endswith("/token"):
            body = {"token_type": "Bearer", "access_token": f"token-of-{tenant}", "expires_in": 3600}
        else:  # instance discovery
            body = {
                "tenant_discovery_endpoint": f"{base}/v2.0/.well-known/openid-configuration",
                "metadata": [],
            }
        content = json.dumps(body).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers={"Content-Type": "application/json", "Content-Length": str(len(content))},
            status=200,
            preload_content=False,
        )
        return self.build_response(request, raw)


def test_client_secret_credentials_of_two_tenants_sign_in_over_the_public_clouds_shared_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SK_TEST_SECRET", "s3cret")
    entra = _FakeEntra()
    signin.shared_session(None).mount("https://login.microsoftonline.com", entra)
    tokens = {}
    for tenant in ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"):
        config = TenantConfig.model_validate(
            {
                "name": tenant[:4],
                "tenant_id": tenant,
                "auth": "client-secret",
                "client_id": PARTNER_APP_ID,
                "client_secret_env": "SK_TEST_SECRET",
            }
        )
        tokens[tenant] = graph_credential(config).get_token(GRAPH).token
    assert tokens == {t: f"token-of-{t}" for t in tokens}  # each tenant's own token, never the other's
    assert {p.strip("/").split("/")[0] for p in entra.asked if p.endswith("/token")} == set(tokens)


def test_a_served_partner_fleet_signs_each_customer_in_with_its_own_token() -> None:
    sim = build_partner_fleet(3)
    with server(sim.app) as url:
        for tenant in sim.tenant_ids[1:]:
            token = LoopbackClientSecretCredential(url, tenant, PARTNER_APP_ID, client_secret(sim)).get_token(GRAPH)
            assert verify(sim.secret, token.token).tenant_id == tenant
    assert len(signin._clients) == 1


def test_a_static_tenant_builds_its_credential_without_importing_azure_identity() -> None:
    code = (
        "import sys\n"
        "from scorekeeper.config.model import TenantConfig\n"
        "from scorekeeper.engine.auth import graph_credential\n"
        "t = TenantConfig.model_validate({'name': 's', 'auth': 'static', 'token': 't',"
        " 'graph_url': 'http://127.0.0.1:9', 'portal_url': 'http://127.0.0.1:9/api'})\n"
        "assert graph_credential(t).get_token('x').token == 't'\n"
        "print('azure.identity' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""azure-identity credentials from a tenant's config, for Graph and for the portal API.

Graph reads and writes take an app-only (or delegated) credential of the admin's choosing. The
portal API takes only a delegated user token, so it has its own credential: device code or
browser sign-in through a first-party public client, with a persistent token cache and a saved
authentication record so that a scheduled run can reuse an admin's earlier sign-in silently.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorekeeper.config.model import TenantConfig
from scorekeeper.errors import AuthError
from scorekeeper.graph.portal import PORTAL_SCOPE
from scorekeeper.util.secretfile import read_secret_file

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, TokenCredential


@dataclass
class StaticTokenCredential:
    """Sends one bearer token unchanged. Only ever built for loopback URLs (simulators, tests)."""

    token: str
    lifetime: int = 3600

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + self.lifetime)

    def close(self) -> None:
        """Nothing to release; present because callers close every credential."""


@dataclass
class LoopbackClientSecretCredential:
    """Client credentials against a loopback token endpoint (the simulator's), for one tenant.

    azure-identity talks only to https authorities, so a simulated partner fleet is reached with
    this small equivalent: ``POST {authority}/{tenant}/oauth2/v2.0/token`` with the app's client id
    and secret, the token kept until five minutes before it expires. A refusal raises
    azure-core's ClientAuthenticationError with the identity platform's ``error_description``
    (``AADSTS7000229: …``), as azure-identity's credentials do.
    """

    authority: str
    tenant_id: str
    client_id: str
    client_secret: str
    _token: AccessToken | None = None

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        if self._token is not None and self._token.expires_on - 300 > time.time():
            return self._token
        import httpx
        from azure.core.exceptions import ClientAuthenticationError

        from scorekeeper.engine.signin import loopback_client

        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": " ".join(scopes) or "https://graph.microsoft.com/.default",
        }
        try:
            # The authority's one client (engine/signin.py): a new one per token loaded the CA bundle each time.
            client = loopback_client(self.authority)
            reply = client.post(f"{self.authority}/{self.tenant_id}/oauth2/v2.0/token", data=form, timeout=30)
            body = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ClientAuthenticationError(f"token endpoint {self.authority} unreachable: {exc}") from None
        if reply.status_code != 200 or "access_token" not in body:
            raise ClientAuthenticationError(
                str(body.get("error_description") or body.get("error") or reply.status_code)
            )
        self._token = AccessToken(body["access_token"], int(time.time()) + int(body.get("expires_in", 3599)))
        return self._token

    def close(self) -> None:
        """Nothing to release: the connections belong to the authority's shared client (engine/signin.py)."""


def _loopback_transport(authority: str) -> Any:
    """An azure-core transport that carries ``https://`` requests for the loopback ``authority`` over plain HTTP.

    azure-identity and MSAL accept only https authorities and token endpoints, and a simulator on
    127.0.0.1 speaks plain HTTP: this transport lets their own code (discovery, the certificate's
    signed assertion, the token request) run unchanged against it. Only URLs of that one
    loopback host and port are rewritten; anything else is refused rather than sent anywhere.
    """
    from azure.core.pipeline.transport import RequestsTransport

    from scorekeeper.engine.signin import shared_session

    secure = "https://" + authority.removeprefix("http://").rstrip("/")

    class LoopbackTransport(RequestsTransport):
        def send(self, request: Any, **kwargs: Any) -> Any:
            if not (request.url == secure or request.url.startswith(secure + "/")):
                raise AuthError(f"refusing to send a sign-in request outside the simulator at {authority}")
            request.url = authority.rstrip("/") + request.url[len(secure) :]
            return super().send(request, **kwargs)

    # The simulator's one session for every tenant's credential (engine/signin.py); never closed by one.
    return LoopbackTransport(session=shared_session(authority), session_owner=False)


def _certificate_credential(tenant: TenantConfig, *, loopback: str | None = None) -> TokenCredential:
    """azure-identity's CertificateCredential; against a loopback simulator (``loopback`` = its http
    authority) the same class, named ``https://`` and carried over HTTP by :func:`_loopback_transport`."""
    import azure.identity as identity

    password = os.environ.get(tenant.certificate_password_env) if tenant.certificate_password_env else None
    path = tenant.certificate_path.expanduser() if tenant.certificate_path else None
    if path is None or not path.is_file():
        raise AuthError(f"certificate: file not found: {path}")
    if not loopback:
        extra = _cloud(tenant)
    else:
        extra = {
            "authority": "https://" + loopback.removeprefix("http://"),
            "disable_instance_discovery": True,  # no trip to login.microsoftonline.com to vouch for the host
            "transport": _loopback_transport(loopback),
        }
    try:
        return identity.CertificateCredential(
            tenant.tenant_id, tenant.client_id or "", str(path), password=password, **extra
        )
    except ValueError as exc:  # not a certificate, wrong password, not RSA: azure-identity's own words
        raise AuthError(f"certificate {path}: {exc}") from None


def _secret(env: str | None, file: Path | None, what: str) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise AuthError(f"{what}: environment variable {env} is not set")
        return value
    if file:
        try:
            return read_secret_file(file)
        except OSError as exc:
            raise AuthError(f"{what}: cannot read {file}: {exc.strerror}") from None
        except ValueError as exc:
            raise AuthError(f"{what}: {exc}") from None
    raise AuthError(f"{what}: no secret configured")


def _cloud(tenant: TenantConfig) -> dict[str, Any]:
    """What an app's azure-identity credential for ``tenant`` is built with: its sign-in host, and a transport
    over that host's connections, which every tenant's credential shares (engine/signin.py)."""
    from scorekeeper.engine.signin import identity_transport

    cloud: dict[str, Any] = {"authority": tenant.authority} if tenant.authority else {}
    return {**cloud, "transport": identity_transport(tenant.authority)}


def _cache_options(tenant: TenantConfig, name: str) -> Any:
    from azure.identity import TokenCachePersistenceOptions

    return TokenCachePersistenceOptions(
        name=f"scorekeeper-{name}-{tenant.name}", allow_unencrypted_storage=tenant.allow_unencrypted_token_cache
    )


def auth_record_path(tenant: TenantConfig, data_dir: Path) -> Path:
    """Where the (secret-free) authentication record of a portal sign-in is kept."""
    return data_dir / "auth" / f"{tenant.name}.portal.json"


def graph_credential(tenant: TenantConfig) -> TokenCredential:
    """The credential for Graph calls, as ``auth`` says.

    A partner's multi-tenant app is the same ``client_id`` in every customer's table (usually
    from one ``[templates.NAME]``): each tenant gets its own credential built with its own
    ``tenant_id``, so azure-identity asks that tenant's token endpoint and no
    ``additionally_allowed_tenants`` is needed. ``authority`` picks a national cloud's sign-in
    host, or a loopback simulator's token endpoint (:class:`LoopbackClientSecretCredential`).
    """
    kind = tenant.auth
    if kind == "static":
        return StaticTokenCredential(tenant.token or _secret(tenant.token_env, None, "token"))
    if tenant.authority and tenant.authority.startswith("http://"):
        if kind == "certificate":
            return _certificate_credential(tenant, loopback=tenant.authority)
        if kind != "client-secret":
            raise AuthError(
                f"{tenant.name}: a loopback authority (a simulator) takes auth = 'client-secret' or 'certificate'"
            )
        secret = _secret(tenant.client_secret_env, tenant.client_secret_file, "client secret")
        return LoopbackClientSecretCredential(tenant.authority, tenant.tenant_id, tenant.client_id or "", secret)
    # Imported here, not above: a static or loopback tenant needs none of it (about a tenth of the
    # command's start-up: azure-identity, MSAL, requests, cryptography).
    import azure.identity as identity

    if kind == "certificate":
        return _certificate_credential(tenant)
    if kind == "client-secret":
        secret = _secret(tenant.client_secret_env, tenant.client_secret_file, "client secret")
        return identity.ClientSecretCredential(tenant.tenant_id, tenant.client_id or "", secret, **_cloud(tenant))
    if kind == "workload-identity":
        extra = {"token_file_path": str(tenant.token_file_path)} if tenant.token_file_path else {}
        return identity.WorkloadIdentityCredential(
            tenant_id=tenant.tenant_id, client_id=tenant.client_id, **extra, **_cloud(tenant)
        )
    # The rest sign in a person or ask the platform (IMDS, the az CLI, azure-identity's chain):
    # built as before, each with its own transport.
    if kind == "managed-identity":
        return identity.ManagedIdentityCredential(client_id=tenant.client_id)
    if kind == "device-code":
        return identity.DeviceCodeCredential(
            tenant_id=tenant.tenant_id,
            client_id=tenant.client_id or None,
            cache_persistence_options=_cache_options(tenant, "graph"),
        )
    if kind == "interactive":
        return identity.InteractiveBrowserCredential(
            tenant_id=tenant.tenant_id,
            client_id=tenant.client_id or None,
            cache_persistence_options=_cache_options(tenant, "graph"),
        )
    if kind == "azure-cli":
        return identity.AzureCliCredential(tenant_id=tenant.tenant_id or None)
    return identity.DefaultAzureCredential()


def portal_credential(tenant: TenantConfig, data_dir: Path, *, interactive: bool = False) -> TokenCredential | None:
    """The delegated credential for the portal API, or ``None`` when none is configured.

    Unattended runs (``interactive=False``) never prompt: without a saved sign-in the portal
    rows are reported ``unknown`` and ``scorekeeper login`` says how to fix it.
    """
    if tenant.portal_auth == "none":
        return None
    if tenant.portal_auth == "static":
        return StaticTokenCredential(tenant.portal_token or _secret(tenant.portal_token_env, None, "portal token"))
    import azure.identity as identity

    record_file = auth_record_path(tenant, data_dir)
    record = None
    if record_file.is_file():
        record = identity.AuthenticationRecord.deserialize(record_file.read_text(encoding="utf-8"))
    if record is None and not interactive:
        return None
    cls = (
        identity.DeviceCodeCredential if tenant.portal_auth == "device-code" else identity.InteractiveBrowserCredential
    )
    return cls(
        tenant_id=tenant.tenant_id,
        client_id=tenant.portal_client_id,
        cache_persistence_options=_cache_options(tenant, "portal"),
        authentication_record=record,
        disable_automatic_authentication=not interactive,
    )


def portal_login(tenant: TenantConfig, data_dir: Path) -> str:
    """Sign an admin in to the portal API once and save the record for later unattended runs.

    Every expected failure is one :class:`AuthError` line: a simulated tenant (nothing to sign in
    to), no OS keyring for the token cache (naming scorekeeper's own key that allows a file
    cache), and a sign-in Entra ID refused or that timed out.
    """
    if tenant.simulator:
        raise AuthError(f"{tenant.name} is a simulated tenant: its portal API needs no sign-in")
    try:
        return _portal_login(tenant, data_dir)
    except AuthError:
        raise
    except Exception as exc:
        text = str(exc)
        if "allow_unencrypted_storage" in text or "keyring" in text.lower() or "libsecret" in text.lower():
            raise AuthError(
                f"{tenant.name}: no OS keyring is available to keep the portal token cache encrypted; on a headless "
                f"machine set allow_unencrypted_token_cache = true in [tenants.{tenant.name}] "
                "(the cache is then a file only you can read)"
            ) from None
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise AuthError(f"{tenant.name}: portal sign-in failed: {first}") from None


def _portal_login(tenant: TenantConfig, data_dir: Path) -> str:
    credential = portal_credential(tenant, data_dir, interactive=True)
    if credential is None:
        raise AuthError(f"tenant {tenant.name}: set portal_auth = 'device-code' or 'interactive' first")
    authenticate = getattr(credential, "authenticate", None)
    if authenticate is None:
        return "static portal token: nothing to sign in"
    record = authenticate(scopes=[PORTAL_SCOPE])
    path = auth_record_path(tenant, data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.serialize(), encoding="utf-8")
    return f"signed in as {record.username}; sign-in record saved to {path}"

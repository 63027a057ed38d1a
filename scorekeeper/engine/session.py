"""Opens one tenant for one engine operation: credentials, Graph client, portal client.

A simulated tenant (``simulator = true``, such as the built-in ``demo``) is served in-process:
the same msgraph-sdk pipeline runs over an ASGI transport instead of the network, and the
simulator's state is loaded from and saved to its state file so that separate commands see the
tenant change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorekeeper.config.model import TenantConfig
from scorekeeper.engine.auth import AuthError, graph_credential, portal_credential
from scorekeeper.graph.shared import SharedReads

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

    from scorekeeper.graph.portal import PortalClient

log = logging.getLogger("scorekeeper.session")

NO_PORTAL_REASON = (
    "the portal API needs a delegated admin sign-in and none is configured for this tenant "
    "(set portal_auth = 'device-code' and run `scorekeeper login --tenant {name}`)"
)
NO_SIGN_IN_REASON = (
    "portal_auth = '{kind}' is configured but nobody has signed in yet: run `scorekeeper login --tenant {name}` once"
)


def no_portal_reason(config: TenantConfig, data_dir: Path) -> str:
    """Why the portal rows cannot be read: not configured, or configured with no sign-in saved yet.

    (A saved sign-in that has expired is reported by the portal client itself when it is used.)
    """
    if config.portal_auth == "none":
        return NO_PORTAL_REASON.format(name=config.name)
    from scorekeeper.engine.auth import auth_record_path

    if not auth_record_path(config, data_dir).is_file():
        return NO_SIGN_IN_REASON.format(kind=config.portal_auth, name=config.name)
    return (
        f"the saved portal sign-in of {config.name} could not be loaded: run `scorekeeper login --tenant {config.name}`"
    )


@dataclass
class TenantSession:
    """What the engine needs to build a ``TenantContext`` for each control of one tenant."""

    config: TenantConfig
    tenant_id: str
    graph_factory: Callable[[], GraphServiceClient]
    portal: PortalClient | None
    portal_unavailable: str
    simulator: Any = None  # scorekeeper.simulator.Simulator for simulated tenants
    probe: Any = None  # scorekeeper.domain.actor.IdentityProbe around the Graph credential
    #: Reads the controls of this tenant share while assessing (see ``scorekeeper.graph.shared``).
    reads: SharedReads = field(default_factory=SharedReads)
    _writes_at_open: int = 0
    _clients: list[Any] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """Who the Graph token named (``app <appid>`` or a UPN); "" until a token was issued."""
        return self.probe.identity if self.probe is not None else ""

    async def close(self) -> None:
        """Release HTTP clients and persist a simulated tenant that was written to."""
        if self.portal is not None:
            await self.portal.aclose()
        from scorekeeper.graph.pool import current_pool

        pool = current_pool()
        for client in self._clients:
            http = client.request_adapter._http_client
            if pool is None or not pool.holds(http):  # a fleet's shared client is closed by its pool
                await http.aclose()
        if self.simulator is not None and self.config.state and len(self.simulator.writes()) > self._writes_at_open:
            self.simulator.save(self.config.state)


def load_simulator(config: TenantConfig) -> Any:
    """The simulator for a simulated tenant: from its state file when present, else its profile."""
    from scorekeeper.simulator import Simulator

    if config.state and Path(config.state).is_file():
        return Simulator.load(config.state)
    return Simulator.from_profiles(config.profile)


def open_session(
    config: TenantConfig, data_dir: Path, *, interactive: bool = False, simulator: Any = None
) -> TenantSession:
    """Build the clients for ``config``; raises :class:`AuthError` for an unusable credential.

    ``simulator`` serves a simulated tenant from an existing simulator object (tests, the TUI's
    demo) instead of loading one from the tenant's state file.
    """
    from scorekeeper.graph.client import build_graph_client
    from scorekeeper.graph.portal import PortalClient

    transport = None
    graph_cred: Any
    portal_cred: Any
    tenant_id = config.tenant_id
    graph_url, portal_url = config.graph_url, config.portal_url
    if config.simulator:
        import httpx

        from scorekeeper.engine.auth import StaticTokenCredential

        simulator = simulator if simulator is not None else load_simulator(config)
        tenant_id = tenant_id or simulator.tenant_id
        transport = httpx.ASGITransport(app=simulator.app)
        graph_url, portal_url = "http://127.0.0.1", "http://127.0.0.1/api"
        graph_cred = StaticTokenCredential(simulator.issue_token(tenant_id))
        portal_cred = StaticTokenCredential(simulator.issue_delegated_token(tenant_id))
    else:
        graph_cred = graph_credential(config)
        try:
            portal_cred = portal_credential(config, data_dir, interactive=interactive)
        except Exception as exc:  # a broken token cache must not stop the Graph rows
            log.warning("portal sign-in unavailable for %s: %s", config.name, exc)
            portal_cred = None

    from scorekeeper.domain.actor import IdentityProbe

    graph_cred = IdentityProbe(graph_cred)
    # The factory keeps the list, not the session: a closure over the session would make the two a
    # reference cycle, and everything the tenant read would live on until a garbage collection.
    clients: list[GraphServiceClient] = []

    def factory() -> GraphServiceClient:
        """One Graph client per session, built on first use and shared by every control."""
        if not clients:
            client = build_graph_client(graph_cred, graph_url, transport=transport, timeout=config.request_timeout)
            clients.append(client)
        return clients[0]

    session = TenantSession(
        config=config,
        tenant_id=tenant_id,
        graph_factory=factory,
        portal=PortalClient(portal_cred, portal_url, transport=transport, timeout=config.request_timeout)
        if portal_cred is not None
        else None,
        portal_unavailable="" if portal_cred is not None else no_portal_reason(config, data_dir),
        simulator=simulator,
        probe=graph_cred,
        _writes_at_open=len(simulator.writes()) if simulator is not None else 0,
        _clients=clients,
    )
    return session


__all__ = ["AuthError", "TenantSession", "open_session"]

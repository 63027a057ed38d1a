"""Test helpers for scorekeeper and for plugin authors (a pytest plugin, loaded automatically).

Everything here drives the real thing in-process: the simulator serves Microsoft's APIs over an
ASGI transport and the real msgraph-sdk pipeline talks to it, so a plugin's tests exercise the
same code paths as a run against a production tenant, without a network or an account.

Fixtures: ``sk_simulator`` (a factory: ``sk_simulator("weak-cloud")``), ``sk_store`` (a fresh
history database in ``tmp_path``) and ``sk_engine`` (a factory building an engine over a
simulator). Functions: :func:`simulated_tenant`, :func:`make_engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scorekeeper.model import Control
from scorekeeper.tenant import TenantContext

if TYPE_CHECKING:
    from scorekeeper.engine import Engine


def simulated_tenant(
    sim: Any,
    control: Control,
    *,
    roles: Iterable[str] | None = None,
    portal: bool = True,
    desired: Any = None,
    tenant_id: str | None = None,
    phase: str = "assess",
    change_sink: Any = None,
) -> TenantContext:
    """A :class:`TenantContext` for ``control`` on simulated tenant ``tenant_id`` of ``sim``.

    ``roles`` limits the app token's permissions (``None``: every permission); ``portal=False``
    leaves the portal API unavailable, as in a tenant with no delegated sign-in. ``desired``
    may be a dict (validated by the control's config model) or a model instance.
    """
    import httpx

    from scorekeeper.auth import StaticTokenCredential
    from scorekeeper.graph.client import build_graph_client
    from scorekeeper.graph.portal import PortalClient

    tid = tenant_id or sim.tenant_id
    transport = httpx.ASGITransport(app=sim.app)
    graph_token = StaticTokenCredential(sim.issue_token(tid, roles=list(roles) if roles is not None else None))
    portal_client = None
    if portal:
        portal_client = PortalClient(
            StaticTokenCredential(sim.issue_delegated_token(tid)), "http://127.0.0.1/api", transport=transport
        )
    if desired is None or isinstance(desired, dict):
        model = control.config_model
        desired = model(**(desired or {})) if model is not None else None
    extra = {"change_sink": change_sink} if change_sink is not None else {}
    return TenantContext(
        name="simulated",
        tenant_id=tid,
        control=control.id,
        desired=desired,
        graph_factory=lambda: build_graph_client(graph_token, "http://127.0.0.1", transport=transport),
        portal=portal_client,
        portal_unavailable="" if portal else "no portal sign-in (simulated)",
        phase=phase,
        **extra,
    )


def make_engine(
    sims: dict[str, Any],
    store: Any,
    data_dir: Path,
    *,
    controls: dict[str, dict[str, Any]] | None = None,
    exceptions: list[dict[str, Any]] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> Engine:
    """An engine whose tenants (named by ``sims``' keys) are served by those simulators."""
    from scorekeeper.config import parse_config
    from scorekeeper.engine import Engine
    from scorekeeper.plugins import load_plugins

    data: dict[str, Any] = {
        "tenants": {name: {"simulator": True, "tenant_id": sim.tenant_id} for name, sim in sims.items()},
        "controls": controls or {},
        "exceptions": exceptions or [],
    }
    config = parse_config(data, None, data_dir=data_dir)
    return Engine(config, load_plugins(extra_plugins), store, data_dir, simulators=dict(sims))


@pytest.fixture
def sk_simulator() -> Callable[..., Any]:
    """Factory: ``sk_simulator("weak-cloud", "hardened")`` → a fresh in-memory simulator."""
    from scorekeeper.simulator import Simulator

    return Simulator.from_profiles


@pytest.fixture
def sk_store(tmp_path: Path) -> Any:
    """A migrated history database of its own, closed after the test."""
    from scorekeeper.store import HistoryStore

    store = HistoryStore.open(str(tmp_path / "history.db"))
    yield store
    store.close()


@pytest.fixture
def sk_engine(sk_store: Any, tmp_path: Path) -> Callable[..., Engine]:
    """Factory: ``sk_engine({"contoso": sim}, controls={...})`` → an engine over simulators."""

    def build(sims: dict[str, Any], **kwargs: Any) -> Engine:
        return make_engine(sims, sk_store, tmp_path, **kwargs)

    return build

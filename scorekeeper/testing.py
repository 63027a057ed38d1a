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


class ControlContract:
    """The contract every control plugin should pass; subclass it in one line to run it.

    ```python
    from scorekeeper.testing import ControlContract

    class TestMyControl(ControlContract):
        control_id = "MyControl"
    ```

    ``weak_profile`` is a simulator profile on which the control fails and can be remediated;
    ``profiles`` are assessed for the no-write check. The plugin must be installed (entry point
    ``scorekeeper``), exactly as users will get it.
    """

    control_id: str = ""
    weak_profile: str = "weak-cloud"
    profiles: tuple[str, ...] = ("weak-cloud", "hardened")
    config: dict[str, Any] = {}  # noqa: RUF012 - a class-level default that subclasses replace

    # ------------------------------------------------------------------ helpers
    def _engine(self, sim: Any, store: Any, tmp_path: Path) -> Engine:
        engine = make_engine({"contract": sim}, store, tmp_path, controls={self.control_id: dict(self.config)})
        assert not engine.plugins.problems, [str(p) for p in engine.plugins.problems]
        return engine

    def _control(self, engine: Engine) -> Control:
        return engine.plugins.control(self.control_id)

    # ------------------------------------------------------------------ the contract
    def test_hooks_conform(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.hookspecs import HOOKSPEC_VERSION
        from scorekeeper.simulator import Simulator

        engine = self._engine(Simulator.from_profiles(self.weak_profile), sk_store, tmp_path)
        control = self._control(engine)
        assert control.hookspec_version == HOOKSPEC_VERSION
        assert control.settings, "a control declares at least one setting"
        assert len(set(control.setting_ids)) == len(control.setting_ids), "setting ids are unique"
        for setting in control.settings:
            assert setting.title, f"setting {setting.id} has a title"
            if setting.write_api:
                assert setting.remediation.value == "automated", f"{setting.id} has a write API but is not automated"
        info = {i.name: i for i in engine.plugins.info()}[control.plugin]
        assert "assess" in info.hooks

    async def test_assess_makes_no_writes_and_every_finding_is_valid(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.simulator import Simulator

        for profile in self.profiles:
            sim = Simulator.from_profiles(profile)
            engine = self._engine(sim, sk_store, tmp_path)
            [run] = await engine.assess(["contract"], [self.control_id])
            assert sim.writes() == [], f"assessing {profile} wrote to the tenant"
            [result] = run.controls
            assert not result.error, result.error
            assert sorted(f.setting for f in result.findings) == sorted(self._control(engine).setting_ids)
            for finding in result.findings:
                assert finding.reason, f"{profile}/{finding.setting} has no reason"

    async def test_remediate_then_verify_passes_on_weak_tenant(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.model import Outcome, Status
        from scorekeeper.simulator import Simulator

        engine = self._engine(Simulator.from_profiles(self.weak_profile), sk_store, tmp_path)
        _, plans = await engine.plan("contract", [self.control_id])
        assert any(p.automated for p in plans), f"{self.weak_profile} gives nothing to remediate"
        result = await engine.remediate("contract", plans)
        assert result.status == "completed", [c.error for c in result.controls]
        assert all(c.outcome is Outcome.APPLIED for c in result.changes)
        failing = [f for f in result.findings if f.status is not Status.PASS]
        assert not failing, [(f.setting, f.status.value, f.reason) for f in failing]

    async def test_rollback_restores_the_tenant_exactly(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.simulator import Simulator

        sim = Simulator.from_profiles(self.weak_profile)
        engine = self._engine(sim, sk_store, tmp_path)
        sim.mark()
        _, plans = await engine.plan("contract", [self.control_id])
        result = await engine.remediate("contract", plans)
        assert sim.state_diff(), "remediation changed nothing"
        _, undo = engine.rollback_plans(result.run_id)
        await engine.rollback(result.run_id, undo)
        assert sim.state_diff() == []

    async def test_declared_permissions_are_enough_and_necessary(self) -> None:
        from scorekeeper.permissions import assess_permissions
        from scorekeeper.plugins import load_plugins
        from scorekeeper.simulator import Simulator

        control = load_plugins().control(self.control_id)
        needed = assess_permissions(control)
        sim = Simulator.from_profiles(self.weak_profile)

        async def assess(roles: list[str]) -> list[Any]:
            from scorekeeper.plugins import await_me_maybe
            from scorekeeper.tenant import Assessment

            plugins = load_plugins()
            context = simulated_tenant(sim, control, roles=roles, desired=dict(self.config))
            answer = await await_me_maybe(plugins.call("assess", control, tenant=context))
            return answer.findings if isinstance(answer, Assessment) else list(answer)

        enough = await assess(needed)
        assert not [f for f in enough if f.missing_permissions], "the declared permissions were not enough"
        for permission in needed:
            findings = await assess([p for p in needed if p != permission])
            named = [f.setting for f in findings if permission in f.missing_permissions]
            assert named, f"{permission} is declared but nothing needed it"


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

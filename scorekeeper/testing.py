"""Test helpers for scorekeeper and for plugin authors (a pytest plugin, loaded automatically).

Everything here drives the real thing in-process: the simulator serves Microsoft's APIs over an
ASGI transport and the real msgraph-sdk pipeline talks to it, so a plugin's tests exercise the
same code paths as a run against a production tenant, without a network or an account.

Fixtures:

- ``sk_simulator``: a factory for simulated tenants. ``sk_simulator("weak-cloud", "hardened")``
  gives one tenant per shipped profile; ``sk_simulator(profile_data={"extends": "weak-cloud",
  "set": {...}})`` (or a ``pathlib.Path`` to such a JSON file) builds one from the plugin's own
  fixture data; ``extensions=[my_extension]`` chooses the simulator extensions served (default:
  every installed one).
- ``sk_store``: a fresh, migrated history database in ``tmp_path``.
- ``sk_engine``: a factory building a :class:`SimulatedEngine` (assess, plan, remediate, verify,
  rollback) whose tenants are served by given simulators; the engine behind it stays internal.

Functions: :func:`simulator_for` (what ``sk_simulator`` returns), :func:`simulated_tenant` (a
``TenantContext`` to call a hook directly), :func:`make_engine`. Class: :class:`ControlContract`,
the contract suite every control plugin runs by subclassing it in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scorekeeper.domain.model import Control, Plan, RunResult
from scorekeeper.plugin.context import TenantContext

if TYPE_CHECKING:
    from scorekeeper.engine import Engine
    from scorekeeper.kit.fixtures import ProfileSpec
    from scorekeeper.simulator import Simulator, SimulatorExtension


def simulator_for(
    *profiles: ProfileSpec,
    profile_data: Any = None,
    extensions: Iterable[SimulatorExtension] | None = None,
    seed: int = 0,
) -> Simulator:
    """A fresh in-memory simulator: one tenant per shipped profile name or fixture (see module doc).

    Fixture data has the shape of the simulator's profile files: ``{"extends": "hardened",
    "set": {"dotted.path": value}}`` or ``{"tenant": {...whole state...}}``; ``set`` may reach a
    simulator extension's state under ``extensions.<extension name>``. ``extensions=None`` serves
    every installed extension, a list serves exactly those.
    """
    from scorekeeper.kit.fixtures import simulator_for as build

    return build(*profiles, profile_data=profile_data, extensions=extensions, seed=seed)


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
    """A :class:`TenantContext` for ``control`` on a simulated tenant, to call a controller method directly.

    Arguments:

    - ``sim``: the simulator (from ``sk_simulator`` / :func:`simulator_for`).
    - ``control``: the control's declaration (its settings name the permissions a refused write lacks).
    - ``roles``: the Graph application permissions the app token carries; ``None`` (default) is
      every permission, ``[]`` none — the simulator refuses what they do not grant, as Graph does.
    - ``portal``: ``True`` (default) gives a delegated portal sign-in; ``False`` leaves
      ``tenant.portal`` ``None``, as in a tenant with no portal sign-in.
    - ``desired``: the ``[controls.<id>]`` table as a dict (validated by the control's config
      model) or a model instance; ``None`` is the model's defaults.
    - ``tenant_id``: which of the simulator's tenants (default: its first).
    - ``phase``: ``"assess"`` (default), ``"remediate"``, ``"verify"`` or ``"rollback"``, as
      progress events report it.
    - ``change_sink``: where the write helper records changes (default: in memory, every setting
      allowed, run id 0).
    """
    import httpx

    from scorekeeper.engine.auth import StaticTokenCredential
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
        declaration=control,
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
    from scorekeeper.config.model import parse_config
    from scorekeeper.engine import Engine
    from scorekeeper.plugin.manager import load_plugins

    data: dict[str, Any] = {
        "tenants": {name: {"simulator": True, "tenant_id": sim.tenant_id} for name, sim in sims.items()},
        "controls": controls or {},
        "exceptions": exceptions or [],
    }
    config = parse_config(data, None, data_dir=data_dir)
    return Engine(config, load_plugins(extra_plugins), store, data_dir, simulators=dict(sims))


def _describe_writes(sim: Any) -> str:
    return "; ".join(f"{w.method} {w.path}" for w in sim.writes()) or "none"


def _describe_findings(findings: Iterable[Any]) -> str:
    return "\n".join(f"  {f.setting}: {f.status.value} — {f.reason or '(no reason)'}" for f in findings)


class ControlContract:
    """The contract every control plugin should pass; subclass it in one line to run it.

    ```python
    from scorekeeper.testing import ControlContract

    class TestMyControl(ControlContract):
        control_id = "MyControl"
    ```

    Class attributes a subclass may set:

    - ``control_id`` (required): the Secure Score control id the plugin declares.
    - ``weak_profile``: a tenant on which the control fails and can be remediated: a shipped
      profile name or fixture data (see :func:`simulator_for`). Default ``weak-cloud``.
    - ``profiles``: tenants assessed for the no-write and every-setting-has-a-finding checks.
    - ``config``: the ``[controls.<id>]`` table to run with (desired values).
    - ``extensions``: the simulator extensions to serve (``None``: every installed one).

    Override :meth:`simulator` to build the tenants some other way. The plugin must be installed
    (entry point group ``scorekeeper``), exactly as users will get it. The async tests need
    pytest-asyncio (they carry its ``asyncio`` mark).
    """

    control_id: str = ""
    weak_profile: Any = "weak-cloud"
    profiles: tuple[Any, ...] = ("weak-cloud", "hardened")
    config: dict[str, Any] = {}  # noqa: RUF012 - a class-level default that subclasses replace
    extensions: tuple[Any, ...] | None = None

    # ------------------------------------------------------------------ hooks for subclasses
    def simulator(self, profile: Any) -> Simulator:
        """The simulated tenant for ``profile`` (a name or fixture data); override to customise."""
        return simulator_for(profile, extensions=self.extensions)

    # ------------------------------------------------------------------ helpers
    def _engine(self, sim: Any, store: Any, tmp_path: Path) -> Engine:
        if not self.control_id:
            pytest.fail(f"{type(self).__name__} must set control_id to the control the plugin declares")
        engine = make_engine({"contract": sim}, store, tmp_path, controls={self.control_id: dict(self.config)})
        problems = [str(p) for p in engine.plugins.problems]
        assert not problems, "plugins failed to load:\n  " + "\n  ".join(problems)
        self._control(engine)
        return engine

    def _control(self, engine: Engine) -> Control:
        try:
            return engine.plugins.control(self.control_id)
        except KeyError as exc:
            pytest.fail(
                f"{exc.args[0]}. Is the plugin installed (pip install -e .) with an entry point in the "
                "'scorekeeper' group, and does scorekeeper_controls() return this control?"
            )

    @staticmethod
    def _name(profile: Any) -> str:
        return profile if isinstance(profile, str) else f"fixture {profile!r}"[:80]

    # ------------------------------------------------------------------ the contract
    def test_hooks_conform(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.plugin.hookspecs import HOOKSPEC_VERSION

        engine = self._engine(self.simulator(self.weak_profile), sk_store, tmp_path)
        control = self._control(engine)
        assert control.hookspec_version == HOOKSPEC_VERSION, (
            f"{control.id} targets hook contract v{control.hookspec_version}; this scorekeeper provides "
            f"v{HOOKSPEC_VERSION}"
        )
        assert control.settings, f"{control.id} declares no setting; a control declares at least one"
        duplicates = sorted({s for s in control.setting_ids if control.setting_ids.count(s) > 1})
        assert not duplicates, f"setting ids must be unique; repeated: {', '.join(duplicates)}"
        for setting in control.settings:
            assert setting.title, f"setting {setting.id} has no title"
            if setting.write_api:
                assert setting.remediation.value == "automated", (
                    f"setting {setting.id} declares write_api {setting.write_api!r} but its remediation is "
                    f"{setting.remediation.value!r}; a setting an API writes is RemediationKind.AUTOMATED"
                )
        info = {i.name: i for i in engine.plugins.info()}[control.plugin]
        assert "assess" in info.hooks, f"plugin {control.plugin} does not implement assess (it has: {info.hooks})"

    @pytest.mark.asyncio
    async def test_assess_makes_no_writes_and_every_finding_is_valid(self, sk_store: Any, tmp_path: Path) -> None:
        for profile in self.profiles:
            sim = self.simulator(profile)
            engine = self._engine(sim, sk_store, tmp_path)
            [run] = await engine.assess(["contract"], [self.control_id])
            name = self._name(profile)
            assert sim.writes() == [], f"assessing {name} wrote to the tenant: {_describe_writes(sim)}"
            [result] = run.controls
            assert not result.error, f"assessing {name} failed: {result.error}"
            expected = sorted(self._control(engine).setting_ids)
            got = sorted(f.setting for f in result.findings)
            assert got == expected, (
                f"assessing {name} must give one finding per declared setting: expected {expected}, got {got}"
            )
            unexplained = [f.setting for f in result.findings if not f.reason]
            assert not unexplained, f"{name}: findings without a reason: {', '.join(unexplained)}"

    @pytest.mark.asyncio
    async def test_remediate_then_verify_passes_on_weak_tenant(self, sk_store: Any, tmp_path: Path) -> None:
        from scorekeeper.domain.model import Outcome, Status

        engine = self._engine(self.simulator(self.weak_profile), sk_store, tmp_path)
        run, plans = await engine.plan("contract", [self.control_id])
        name = self._name(self.weak_profile)
        assert any(p.automated for p in plans), (
            f"{name} gives nothing to remediate automatically; the assessment was:\n" + _describe_findings(run.findings)
        )
        result = await engine.remediate("contract", plans)
        errors = [c.error for c in result.controls if c.error]
        assert result.status == "completed" and not errors, f"remediation {result.status}: {errors}"
        failed = [c for c in result.changes if c.outcome is not Outcome.APPLIED]
        assert not failed, "writes that did not apply:\n" + "\n".join(
            f"  {c.setting}: {c.outcome.value} {c.error}" for c in failed
        )
        assert result.changes, "remediation returned no change: every write goes through tenant.record_change"
        failing = [f for f in result.findings if f.status is not Status.PASS]
        assert not failing, "verification after remediation did not pass:\n" + _describe_findings(failing)

    @pytest.mark.asyncio
    async def test_rollback_restores_the_tenant_exactly(self, sk_store: Any, tmp_path: Path) -> None:
        sim = self.simulator(self.weak_profile)
        engine = self._engine(sim, sk_store, tmp_path)
        sim.mark()
        _, plans = await engine.plan("contract", [self.control_id])
        result = await engine.remediate("contract", plans)
        assert sim.state_diff(), "remediation changed nothing in the simulated tenant"
        _, undo = engine.rollback_plans(result.run_id)
        await engine.rollback(result.run_id, undo)
        left = sim.state_diff()
        assert left == [], "rollback did not restore the tenant; still different:\n" + "\n".join(
            f"  {change}" for change in left
        )

    @pytest.mark.asyncio
    async def test_declared_permissions_are_enough_and_necessary(self) -> None:
        from scorekeeper.engine.permissions import assess_permissions
        from scorekeeper.plugin.context import Assessment
        from scorekeeper.plugin.manager import await_me_maybe, load_plugins

        plugins = load_plugins()
        try:
            control = plugins.control(self.control_id)
        except KeyError as exc:
            pytest.fail(f"{exc.args[0]}; is the plugin installed (pip install -e .)?")
        needed = assess_permissions(control)
        sim = self.simulator(self.weak_profile)

        async def assess(roles: list[str]) -> list[Any]:
            context = simulated_tenant(sim, control, roles=roles, desired=dict(self.config))
            answer = await await_me_maybe(plugins.call("assess", control, tenant=context))
            return answer.findings if isinstance(answer, Assessment) else list(answer)

        enough = await assess(needed)
        short = [f for f in enough if f.missing_permissions]
        assert not short, (
            f"with exactly the declared read permissions ({', '.join(needed) or 'none'}) these settings still "
            "miss some; declare them in Setting.read_permissions:\n"
            + "\n".join(f"  {f.setting}: {', '.join(f.missing_permissions)}" for f in short)
        )
        for permission in needed:
            findings = await assess([p for p in needed if p != permission])
            named = [f.setting for f in findings if permission in f.missing_permissions]
            assert named, (
                f"{permission} is declared but no finding named it missing when it was withheld; drop it, or "
                "report Graph's 403 as Status.UNKNOWN with missing_permissions"
            )

    async def _remediate_with(self, plugins: Any, control: Control, roles: list[str]) -> list[Any]:
        """Assess with every permission, then remediate the plan with exactly ``roles``; the changes."""
        from scorekeeper.engine.planning import plan_for
        from scorekeeper.plugin.context import Assessment
        from scorekeeper.plugin.manager import await_me_maybe

        sim = self.simulator(self.weak_profile)
        reader = simulated_tenant(sim, control, desired=dict(self.config))
        answer = await await_me_maybe(plugins.call("assess", control, tenant=reader))
        findings = answer.findings if isinstance(answer, Assessment) else list(answer)
        plan = plan_for("simulated", control, findings)
        plan = type(plan)(plan.tenant, plan.control, plan.automated)
        writer = simulated_tenant(sim, control, roles=roles, desired=dict(self.config), phase="remediate")
        return list(await await_me_maybe(plugins.call("remediate", control, tenant=writer, plan=plan)))

    @pytest.mark.asyncio
    async def test_declared_write_permissions_are_enough_and_each_is_named_when_missing(self) -> None:
        from scorekeeper.domain.model import Outcome
        from scorekeeper.engine.permissions import assess_permissions, smallest_grant, split_permissions
        from scorekeeper.plugin.manager import load_plugins

        plugins = load_plugins()
        try:
            control = plugins.control(self.control_id)
        except KeyError as exc:
            pytest.fail(f"{exc.args[0]}; is the plugin installed (pip install -e .)?")
        reads = assess_permissions(control)
        writes = smallest_grant(
            split_permissions(p for s in control.settings if s.write_api for p in s.write_permissions)[0]
        )
        changes = await self._remediate_with(plugins, control, sorted({*reads, *writes}))
        refused = [c for c in changes if c.outcome is not Outcome.APPLIED]
        assert changes, "remediating the weak tenant wrote nothing"
        assert not refused, (
            f"with exactly the declared read ({', '.join(reads)}) and write ({', '.join(writes)}) permissions "
            "these writes did not apply; declare what they need in Setting.write_permissions:\n"
            + "\n".join(f"  {c.setting}: {c.outcome.value} {c.error}" for c in refused)
        )
        for permission in writes:
            if permission in reads:
                continue  # also needed to read: the read-permission check covers it
            changes = await self._remediate_with(plugins, control, sorted({*reads, *writes} - {permission}))
            named = [c for c in changes if c.outcome is Outcome.FAILED and permission in c.error]
            assert named, (
                f"{permission} is a declared write permission, but with it withheld no write was refused naming "
                f"it (writes: {', '.join(f'{c.setting} {c.outcome.value}' for c in changes) or 'none'}); drop it, "
                "or declare it on the setting whose write needs it"
            )


@pytest.fixture
def sk_simulator() -> Callable[..., Simulator]:
    """Factory for fresh in-memory simulators; see :func:`simulator_for`.

    ``sk_simulator("weak-cloud", "hardened")``, ``sk_simulator(profile_data={"extends":
    "weak-cloud", "set": {...}})``, ``sk_simulator("hardened", extensions=[my_extension])``.
    """
    return simulator_for


@pytest.fixture
def sk_store(tmp_path: Path) -> Any:
    """A migrated history database of its own, closed after the test."""
    from scorekeeper.store import HistoryStore

    store = HistoryStore.open(str(tmp_path / "history.db"))
    yield store
    store.close()


class SimulatedEngine:
    """What a plugin's tests drive: the engine's operations over simulated tenants, nothing internal.

    Every method is the engine's own (the same plans, recording, verification and rollback a
    user gets); ``problems`` lists the plugins that failed to load. Built by ``sk_engine``.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def problems(self) -> list[str]:
        """Plugins that could not be loaded, one line each (empty when all loaded)."""
        return [str(p) for p in self._engine.plugins.problems]

    async def assess(self, tenants: Iterable[str], control_ids: Iterable[str] | None = None) -> list[RunResult]:
        """Assess ``tenants`` (names given to ``sk_engine``) as recorded runs."""
        return await self._engine.assess(tenants, control_ids)

    async def plan(
        self, tenant: str, control_ids: Iterable[str] | None = None, settings: set[str] | None = None
    ) -> tuple[RunResult, list[Plan]]:
        """Assess afresh and return the plans remediation would carry out."""
        return await self._engine.plan(tenant, control_ids, settings)

    async def remediate(self, tenant: str, plans: list[Plan]) -> RunResult:
        """Carry out the automated items of ``plans`` and verify them (as ``remediate --yes`` does)."""
        return await self._engine.remediate(tenant, plans)

    async def verify(self, run_id: int) -> RunResult:
        """Re-read every setting run ``run_id`` changed."""
        return await self._engine.verify(run_id)

    def rollback_plans(self, run_id: int) -> tuple[str, list[Plan]]:
        """The rollback plans of run ``run_id``: every change not yet rolled back, newest first."""
        return self._engine.rollback_plans(run_id)

    async def rollback(self, run_id: int, plans: list[Plan] | None = None) -> RunResult:
        """Restore run ``run_id`` (its :meth:`rollback_plans` when ``plans`` is not given)."""
        if plans is None:
            _, plans = self._engine.rollback_plans(run_id)
        return await self._engine.rollback(run_id, plans)


@pytest.fixture
def sk_engine(sk_store: Any, tmp_path: Path) -> Callable[..., SimulatedEngine]:
    """Factory: ``sk_engine({"contoso": sim}, controls={...})`` → a :class:`SimulatedEngine` over simulators.

    Keyword arguments: ``controls`` (``[controls.*]`` tables), ``exceptions`` (``[[exceptions]]``
    rules as dicts), ``extra_plugins`` ((name, plugin) pairs registered beside the installed ones).
    """

    def build(sims: dict[str, Any], **kwargs: Any) -> SimulatedEngine:
        return SimulatedEngine(make_engine(sims, sk_store, tmp_path, **kwargs))

    return build

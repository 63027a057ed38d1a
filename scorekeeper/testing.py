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
``TenantContext`` to call a hook directly), :func:`make_engine`. Classes: :class:`ControlContract`,
the contract suite every control plugin runs by subclassing it in one line (its judgements are
in :mod:`scorekeeper.kit.contract`), and :class:`Fixture`, a tenant state of the plugin's own
that the suite runs beside every shipped profile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scorekeeper.domain.model import Control, Plan, RunResult
from scorekeeper.kit.contract import (
    conditional_permissions,
    config_value_set,
    describe_differences,
    not_passing,
    off_plan,
    undeclared_writes,
    unstuck,
    writes_outside_the_helper,
)
from scorekeeper.plugin.context import TenantContext

if TYPE_CHECKING:
    from scorekeeper.engine import Engine
    from scorekeeper.kit.fixtures import ProfileSpec
    from scorekeeper.simulator import Simulator, SimulatorExtension


#: Shipped profiles the contract suite runs only when a subclass names them in ``profiles``.
BENCHMARK_PROFILES: tuple[str, ...] = ("large",)


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
    remediation: Mapping[str, Any] | None = None,
) -> Engine:
    """An engine whose tenants (named by ``sims``' keys) are served by those simulators.

    ``remediation`` is the ``[remediation]`` table (requirements, accept_impact, promote).
    """
    from scorekeeper.config.model import parse_config
    from scorekeeper.engine import Engine
    from scorekeeper.plugin.manager import load_plugins

    data: dict[str, Any] = {
        "tenants": {name: {"simulator": True, "tenant_id": sim.tenant_id} for name, sim in sims.items()},
        "controls": controls or {},
        "exceptions": exceptions or [],
    }
    if remediation is not None:
        data["remediation"] = dict(remediation)
    config = parse_config(data, None, data_dir=data_dir)
    return Engine(config, load_plugins(extra_plugins), store, data_dir, simulators=dict(sims))


def _describe_writes(writes: Iterable[Any]) -> str:
    return "; ".join(f"{w.method} {w.path}" for w in writes) or "none"


def _describe_findings(findings: Iterable[Any]) -> str:
    return "\n".join(f"  {f.setting}: {f.status.value} — {f.reason or '(no reason)'}" for f in findings)


def _problems(title: str, problems: list[str]) -> str:
    return f"{title} ({len(problems)}):\n" + "\n".join(f"  - {p}" for p in problems)


@dataclass(frozen=True)
class Fixture:
    """A tenant state of the plugin's own that the contract suite runs, beside every shipped profile.

    ``profile`` is fixture data (``{"extends": "weak-cloud", "set": {...}}``), a
    :class:`pathlib.Path` to such a JSON file, or a shipped profile's name. ``name`` is the
    test id (default: the data's ``name``, the file's stem, or the profile name). ``config`` is
    the ``[controls.<id>]`` table for this state (default: the contract's ``config``): a state
    whose configuration sets a key that a :class:`scorekeeper.WhenConfigured` names is where the
    suite checks those permissions.
    """

    profile: Any
    name: str = ""
    config: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ContractState:
    """One state the suite runs: a name (the test id), the profile or fixture, the configuration."""

    name: str
    profile: Any
    config: Mapping[str, Any]


def _state_name(profile: Any, index: int) -> str:
    if isinstance(profile, str):
        return profile
    if isinstance(profile, os.PathLike):
        return Path(profile).stem
    if isinstance(profile, Mapping) and profile.get("name"):
        return str(profile["name"])
    return f"fixture-{index}"


class ControlContract:
    """The contract every control plugin should pass; subclass it in one line to run it.

    ```python
    from scorekeeper.testing import ControlContract

    class TestMyControl(ControlContract):
        control_id = "MyControl"
    ```

    It runs the control on **every shipped simulator profile** and on the plugin's own
    ``fixtures``; on each it checks that assessing writes nothing, and, where the plan has
    automated items, that remediation writes only through the write helper, that every write
    stuck, that a fresh assessment passes with the values the plan showed, and that rollback
    leaves the whole tenant exactly as it was (created objects gone, edited ones restored).

    Class attributes a subclass may set:

    - ``control_id`` (required): the Secure Score control id the plugin declares.
    - ``fixtures``: more tenant states: fixture data, ``pathlib.Path`` to it, or :class:`Fixture`
      (with a name and a configuration of its own). Declare the states where the object your
      remediation edits **already exists** (an existing policy, a disabled setting object), so
      the edit path and its rollback run, not only the create path.
    - ``config``: the ``[controls.<id>]`` table to run with (desired values).
    - ``weak_profile``: a state on which the control fails and can be remediated: the permission
      checks run there. Default ``weak-cloud``.
    - ``profiles``: kept for plugins written before fixtures: fixture data listed here runs too
      (shipped profile names are run anyway).
    - ``extensions``: the simulator extensions to serve (``None``: every installed one).
    - ``extra_plugins``: ``(name, plugin)`` pairs registered beside the installed plugins, for a
      plugin under test that is not installed.
    - ``remediation``: the ``[remediation]`` table to plan with (default: every level selected,
      every impact accepted and ready stages promoted for this control, so every write is checked).

    A guided-only control (no setting with a ``write_api``) passes the write checks by planning
    no write and giving steps wherever it fails.

    Override :meth:`simulator` to build the tenants some other way. The plugin must be installed
    (entry point group ``scorekeeper``), exactly as users will get it. The async tests need
    pytest-asyncio (they carry its ``asyncio`` mark).
    """

    control_id: str = ""
    weak_profile: Any = "weak-cloud"
    profiles: tuple[Any, ...] = ()
    fixtures: Sequence[Any] = ()
    config: dict[str, Any] = {}  # noqa: RUF012 - a class-level default that subclasses replace
    extensions: tuple[Any, ...] | None = None
    extra_plugins: Sequence[tuple[str, object]] = ()
    #: The ``[remediation]`` table the suite runs with; ``None`` (default): every level selected,
    #: every impact accepted and every ready stage promoted for this control, so each automated
    #: write the plugin can make is planned somewhere and checked.
    remediation: Mapping[str, Any] | None = None

    # ------------------------------------------------------------------ hooks for subclasses
    def simulator(self, profile: Any) -> Simulator:
        """The simulated tenant for ``profile`` (a name or fixture data); override to customise."""
        return simulator_for(profile, extensions=self.extensions)

    def states(self) -> list[ContractState]:
        """Every state the suite runs: each shipped profile, then ``profiles`` and ``fixtures`` of the subclass.

        The benchmark-size profiles (:data:`BENCHMARK_PROFILES`: ``large``, 5,000 users and 304
        domains) run only when the subclass names them in ``profiles``: every plugin's suite over
        them cost CI four minutes while adding no tenant shape the others lack, except size (paging).
        """
        from scorekeeper.simulator import PROFILES

        found: dict[str, ContractState] = {}
        extra: list[Any] = [self.weak_profile, *self.profiles, *self.fixtures]
        shipped = [name for name in PROFILES if name not in BENCHMARK_PROFILES]
        for index, entry in enumerate([*shipped, *extra]):
            fixture = entry if isinstance(entry, Fixture) else Fixture(entry)
            name = fixture.name or _state_name(fixture.profile, index - len(shipped) + 1)
            config = dict(self.config if fixture.config is None else fixture.config)
            state = ContractState(name, fixture.profile, config)
            if name in found and found[name] != state:
                if isinstance(fixture.profile, str) and not isinstance(entry, Fixture):
                    continue  # a shipped profile named again (profiles = ("weak-cloud", ...)): run once
                pytest.fail(f"{type(self).__name__}: two fixtures are named {name!r}; give each its own name")
            found[name] = state
        return list(found.values())

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every test taking ``contract_state`` once per state (its name is the test id)."""
        if "contract_state" in metafunc.fixturenames:
            states = self.states()
            metafunc.parametrize("contract_state", states, ids=[s.name for s in states])

    # ------------------------------------------------------------------ helpers
    def _engine(self, sim: Any, store: Any, tmp_path: Path, config: Mapping[str, Any] | None = None) -> Engine:
        if not self.control_id:
            pytest.fail(f"{type(self).__name__} must set control_id to the control the plugin declares")
        table = dict(self.config if config is None else config)
        engine = make_engine(
            {"contract": sim},
            store,
            tmp_path,
            controls={self.control_id: table},
            extra_plugins=self.extra_plugins,
            remediation=self._remediation_table(),
        )
        problems = [str(p) for p in engine.plugins.problems]
        assert not problems, "plugins failed to load:\n  " + "\n  ".join(problems)
        self._control(engine)
        return engine

    def _remediation_table(self) -> dict[str, Any]:
        if self.remediation is not None:
            return dict(self.remediation)
        everything = f"{self.control_id}.*"
        return {
            "requirements": ["criterion", "baseline", "advice"],
            "accept_impact": [everything],
            "promote": [everything],
        }

    def _control(self, engine: Engine) -> Control:
        try:
            return engine.plugins.control(self.control_id)
        except KeyError as exc:
            pytest.fail(
                f"{exc.args[0]}. Is the plugin installed (pip install -e .) with an entry point in the "
                "'scorekeeper' group, and does scorekeeper_register_controls register a Controller for it?"
            )

    def _plugins(self) -> Any:
        from scorekeeper.plugin.manager import load_plugins

        plugins = load_plugins(self.extra_plugins)
        try:
            plugins.control(self.control_id)
        except KeyError as exc:
            pytest.fail(f"{exc.args[0]}; is the plugin installed (pip install -e .)?")
        return plugins

    async def _remediated(self, state: ContractState, store: Any, tmp_path: Path) -> _Remediated | None:
        """Plan and remediate ``state``; ``None`` when its plan has nothing automated."""
        sim = self.simulator(state.profile)
        engine = self._engine(sim, store, tmp_path, state.config)
        sim.mark()
        _, plans = await engine.plan("contract", [self.control_id])
        items = [i for p in plans for i in p.automated]
        if not items:
            return None
        start = len(sim.request_log)
        result = await engine.remediate("contract", plans)
        writes = [r for r in list(sim.request_log)[start:] if r.is_write]
        return _Remediated(sim, engine, items, result, writes)

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
        fields = set(getattr(control.config_model, "model_fields", None) or {})
        for setting in control.settings:
            assert setting.title, f"setting {setting.id} has no title"
            if setting.write_api:
                assert setting.remediation.value == "automated", (
                    f"setting {setting.id} declares write_api {setting.write_api!r} but its remediation is "
                    f"{setting.remediation.value!r}; a setting an API writes is RemediationKind.AUTOMATED"
                )
            for condition in setting.when_configured:
                assert condition.key in fields, (
                    f"setting {setting.id}: WhenConfigured key {condition.key!r} is not a field of the control's "
                    f"config model (fields: {', '.join(sorted(fields)) or 'none'})"
                )
        info = {i.name: i for i in engine.plugins.info()}[control.plugin]
        assert "assess" in info.hooks, (
            f"plugin {control.plugin}'s Controller does not implement assess (it has: {info.hooks})"
        )

    @pytest.mark.asyncio
    async def test_assess_makes_no_writes_and_every_finding_is_valid(
        self, contract_state: ContractState, sk_store: Any, tmp_path: Path
    ) -> None:
        state = contract_state
        sim = self.simulator(state.profile)
        engine = self._engine(sim, sk_store, tmp_path, state.config)
        sim.mark()
        [run] = await engine.assess(["contract"], [self.control_id])
        assert sim.writes() == [], (
            f"Controller.assess wrote to the {state.name} tenant ({_describe_writes(sim.writes())}); assess only "
            "reads: move the write into Controller.remediate, through tenant.write"
        )
        changed = sim.state_diff()
        assert changed == [], f"assessing {state.name} changed the tenant:\n" + describe_differences(changed)
        [result] = run.controls
        assert not result.error, f"assessing {state.name} failed: {result.error}"
        expected = sorted(self._control(engine).setting_ids)
        got = sorted(f.setting for f in result.findings)
        assert got == expected, (
            f"assessing {state.name} must give one finding per declared setting: expected {expected}, got {got}"
        )
        unexplained = [f.setting for f in result.findings if not f.reason]
        assert not unexplained, f"{state.name}: findings without a reason: {', '.join(unexplained)}"

    @pytest.mark.asyncio
    async def test_remediation_writes_through_the_helper_and_sticks(
        self, contract_state: ContractState, sk_store: Any, tmp_path: Path
    ) -> None:
        from scorekeeper.domain.model import Outcome

        done = await self._remediated(contract_state, sk_store, tmp_path)
        if done is None:
            return  # nothing automated to remediate in this state: the assess test covered it
        control = self._control(done.engine)
        result = done.result
        problems = [f"Controller.remediate failed: {c.error}" for c in result.controls if c.error]
        problems += writes_outside_the_helper([(w.method, w.path) for w in done.writes], result.changes)
        problems += undeclared_writes(control, result.changes)
        problems += [
            f"{c.setting}: the write was {c.outcome.value}: {c.error}"
            for c in result.changes
            if c.outcome is not Outcome.APPLIED
        ]
        problems += unstuck(result.findings, result.changes)
        if not result.changes and not done.writes:
            problems.append(
                f"the plan listed {', '.join(i.setting for i in done.items)} but Controller.remediate sent no "
                "write and returned no change; write each planned item through tenant.write (or skip it only "
                "when a fresh read shows it already as desired)"
            )
        [fresh] = await done.engine.assess(["contract"], [self.control_id])
        problems += not_passing(done.items, fresh.findings)
        assert not problems, _problems(f"remediating {contract_state.name}", problems)

    @pytest.mark.asyncio
    async def test_writes_match_the_plan(self, contract_state: ContractState, sk_store: Any, tmp_path: Path) -> None:
        done = await self._remediated(contract_state, sk_store, tmp_path)
        if done is None:
            return
        [fresh] = await done.engine.assess(["contract"], [self.control_id])
        problems = off_plan(done.items, fresh.findings)
        assert not problems, _problems(f"remediating {contract_state.name} did not do what the plan showed", problems)

    @pytest.mark.asyncio
    async def test_rollback_restores_the_tenant_exactly(
        self, contract_state: ContractState, sk_store: Any, tmp_path: Path
    ) -> None:
        done = await self._remediated(contract_state, sk_store, tmp_path)
        if done is None:
            return
        from scorekeeper.errors import NothingToRollBack

        failed: list[str] = []
        try:
            _, undo = done.engine.rollback_plans(done.result.run_id)
        except NothingToRollBack:
            pass  # no change recorded: whatever remediation wrote stays, and the state check says what
        else:
            rolled = await done.engine.rollback(done.result.run_id, undo)
            failed = [
                f"{r.change.setting}: {r.status.value} — {r.detail}"
                for c in rolled.controls
                for r in c.restorations
                if r.status.value == "could not restore"
            ]
        left = done.sim.state_diff()
        message = f"rollback of {contract_state.name} did not leave the tenant as it was before remediation"
        if left:
            message += (
                "; still different (Controller.rollback, or the before-values given to tenant.write, restore "
                "something else):\n" + describe_differences(left)
            )
        if failed:
            message += "\n" + _problems("changes rollback could not restore", failed)
        assert not left and not failed, message

    @pytest.mark.asyncio
    async def test_remediate_then_verify_passes_on_weak_tenant(self, sk_store: Any, tmp_path: Path) -> None:
        engine = self._engine(self.simulator(self.weak_profile), sk_store, tmp_path)
        run, plans = await engine.plan("contract", [self.control_id])
        name = _state_name(self.weak_profile, 0)
        if not any(s.write_api for s in self._control(engine).settings):
            # Guided only: nothing may be planned as a write, and what fails says what to do.
            automated = [i.setting for p in plans for i in p.automated]
            assert not automated, (
                f"{', '.join(automated)}: planned as automated writes, but no setting declares a write_api"
            )
            failing = [f for f in run.findings if f.status.value in ("fail", "manual")]
            assert failing, f"weak_profile {name} gives nothing to do; set it to a state where the control fails"
            bare = [f.setting for f in failing if f.remediation.value == "guided" and not f.steps]
            assert not bare, f"{name}: guided findings without steps saying what to do: {', '.join(bare)}"
            return
        assert any(p.automated for p in plans), (
            f"weak_profile {name} gives nothing to remediate automatically, so the suite cannot check "
            "remediation; set weak_profile to a state where the control fails. The assessment was:\n"
            + _describe_findings(run.findings)
        )

    @pytest.mark.asyncio
    async def test_declared_permissions_are_enough_and_necessary(self) -> None:
        plugins = self._plugins()
        control = plugins.control(self.control_id)
        for state, conditional in self._permission_states(control, write=False):
            await self._check_reads(plugins, control, state, conditional)

    @pytest.mark.asyncio
    async def test_declared_write_permissions_are_enough_and_each_is_named_when_missing(self) -> None:
        plugins = self._plugins()
        control = plugins.control(self.control_id)
        if not any(s.write_api for s in control.settings):
            stray = [s.id for s in control.settings if s.write_permissions]
            assert not stray, f"{', '.join(stray)}: write_permissions declared but no write_api; drop them"
            return
        for state, conditional in self._permission_states(control, write=True):
            await self._check_writes(plugins, control, state, conditional)

    # ------------------------------------------------------------------ permissions
    def _permission_states(self, control: Control, *, write: bool) -> list[tuple[ContractState, list[str] | None]]:
        """Where the permission checks run, and which permissions each checks as necessary.

        The weak profile under the contract's ``config`` checks every unconditional permission
        (``None``); each other configuration a state runs with checks that its permissions are
        enough there, and the first state whose configuration sets a :class:`scorekeeper.WhenConfigured`
        key checks that those permissions are each necessary then.
        """
        weak = ContractState(_state_name(self.weak_profile, 0), self.weak_profile, dict(self.config))
        out: list[tuple[ContractState, list[str] | None]] = [(weak, None)]
        for candidate in self.states():
            if all(candidate.config != state.config for state, _ in out):
                out.append((candidate, []))
        for setting in control.settings:
            for condition in setting.when_configured:
                wanted = condition.write_permissions if write else condition.read_permissions
                if not wanted or (write and not setting.write_api):
                    continue
                where = next((entry for entry in out if config_value_set(entry[0].config, condition.key)), None)
                if where is None:
                    pytest.fail(
                        f"{setting.id} declares {', '.join(wanted)} as needed when {condition.key!r} is configured, "
                        f"but no state of the suite sets {condition.key!r}: add a Fixture(profile, "
                        f"config={{..., {condition.key!r}: ...}}) to fixtures so the suite can check it is needed then"
                    )
                if where[1] is not None:
                    where[1].extend(p for p in wanted if p not in where[1])
        return out

    def _desired(self, control: Control, config: Mapping[str, Any]) -> Any:
        model = control.config_model
        return model(**dict(config)) if model is not None else None

    async def _assess_with(
        self, plugins: Any, control: Control, sim: Any, state: ContractState, roles: list[str]
    ) -> Any:
        from scorekeeper.plugin.context import Assessment
        from scorekeeper.plugin.manager import await_me_maybe

        context = simulated_tenant(sim, control, roles=roles, desired=dict(state.config))
        answer = await await_me_maybe(plugins.call("assess", control, tenant=context))
        return answer.findings if isinstance(answer, Assessment) else list(answer)

    async def _check_reads(self, plugins: Any, control: Control, state: ContractState, only: list[str] | None) -> None:
        from scorekeeper.engine.permissions import assess_permissions, smallest_grant

        desired = self._desired(control, state.config)
        needed = smallest_grant([*assess_permissions(control), *conditional_permissions(control, desired, write=False)])
        sim = self.simulator(state.profile)
        where = f"on {state.name}" + (f" with {', '.join(sorted(state.config))} configured" if state.config else "")
        short = [f for f in await self._assess_with(plugins, control, sim, state, needed) if f.missing_permissions]
        assert not short, (
            f"{where}, with exactly the declared read permissions ({', '.join(needed) or 'none'}) these settings "
            "still miss some; declare them in Setting.read_permissions (or in Setting.when_configured when only "
            "some configurations need them):\n"
            + "\n".join(f"  {f.setting}: {', '.join(f.missing_permissions)}" for f in short)
        )
        for permission in needed if only is None else only:
            if only is not None and permission not in needed:
                continue  # covered by a broader permission also needed here
            findings = await self._assess_with(plugins, control, sim, state, [p for p in needed if p != permission])
            named = [f.setting for f in findings if permission in f.missing_permissions]
            assert named, (
                f"{where}, {permission} is declared but no finding named it missing when it was withheld; if only "
                "some configurations need it, declare it in Setting.when_configured; otherwise drop it, or report "
                "Graph's 403 as Status.UNKNOWN with missing_permissions"
            )

    async def _remediate_with(
        self, plugins: Any, control: Control, state: ContractState, roles: list[str]
    ) -> tuple[list[Any], str]:
        """Assess with every permission, then remediate the plan with exactly ``roles``: (changes, error)."""
        from scorekeeper.engine.planning import plan_for
        from scorekeeper.plugin.context import Assessment
        from scorekeeper.plugin.manager import await_me_maybe

        sim = self.simulator(state.profile)
        reader = simulated_tenant(sim, control, desired=dict(state.config))
        answer = await await_me_maybe(plugins.call("assess", control, tenant=reader))
        findings = answer.findings if isinstance(answer, Assessment) else list(answer)
        plan = plan_for("simulated", control, findings)
        plan = type(plan)(plan.tenant, plan.control, plan.automated)
        writer = simulated_tenant(sim, control, roles=roles, desired=dict(state.config), phase="remediate")
        try:
            return list(await await_me_maybe(plugins.call("remediate", control, tenant=writer, plan=plan))), ""
        except Exception as exc:  # a refused read while remediating: the plugin's error should name the permission
            return list(getattr(writer.change_sink, "changes", [])), f"{type(exc).__name__}: {exc}"

    async def _check_writes(self, plugins: Any, control: Control, state: ContractState, only: list[str] | None) -> None:
        from scorekeeper.domain.model import Outcome
        from scorekeeper.engine.permissions import assess_permissions, covering, smallest_grant, split_permissions

        desired = self._desired(control, state.config)
        reads = smallest_grant([*assess_permissions(control), *conditional_permissions(control, desired, write=False)])
        declared = [p for s in control.settings if s.write_api for p in s.write_permissions]
        writes = smallest_grant(
            split_permissions([*declared, *conditional_permissions(control, desired, write=True)])[0]
        )
        where = f"on {state.name}" + (f" with {', '.join(sorted(state.config))} configured" if state.config else "")
        changes, error = await self._remediate_with(plugins, control, state, sorted({*reads, *writes}))
        refused = [c for c in changes if c.outcome is not Outcome.APPLIED]
        assert not error, (
            f"{where}, Controller.remediate failed with exactly the declared read ({', '.join(reads)}) and write "
            f"({', '.join(writes)}) permissions: {error}"
        )
        if not changes and only == []:
            return  # nothing to write in this state, and no permission to prove necessary here
        assert changes, (
            f"{where}, Controller.remediate recorded no change, so the write permissions cannot be checked; "
            "weak_profile (or the first fixture that sets the configuration) must give it something to write"
        )
        assert not refused, (
            f"{where}, with exactly the declared read ({', '.join(reads)}) and write ({', '.join(writes)}) "
            "permissions these writes did not apply; declare what they need in Setting.write_permissions (or "
            "Setting.when_configured when only some configurations need it):\n"
            + "\n".join(f"  {c.setting}: {c.outcome.value} {c.error}" for c in refused)
        )
        for permission in writes if only is None else only:
            if only is None and permission in reads:
                continue  # also needed to read: the read-permission check covers it
            if covering(permission) & ({*reads, *writes} - {permission}):
                continue  # the rest of this grant already includes it (User.Read.All under Directory.Read.All)
            changes, error = await self._remediate_with(
                plugins, control, state, sorted({*reads, *writes} - {permission})
            )
            named = [c for c in changes if c.outcome is Outcome.FAILED and permission in c.error]
            assert named or permission in error, (
                f"{where}, {permission} is a declared write permission, but with it withheld no write was refused "
                f"naming it (writes: {', '.join(f'{c.setting} {c.outcome.value}' for c in changes) or 'none'}"
                f"{'; error: ' + error if error else ''}); if only some configurations need it, declare it in "
                "Setting.when_configured; otherwise drop it, or declare it on the setting whose write needs it"
            )


@dataclass(frozen=True)
class _Remediated:
    """What one contract test's remediation left: the simulator, the engine, the plan's items, the run."""

    sim: Any
    engine: Any
    items: list[Any]
    result: RunResult
    writes: list[Any]


@pytest.fixture
def sk_simulator() -> Callable[..., Simulator]:
    """Factory for fresh in-memory simulators; see :func:`simulator_for`.

    ``sk_simulator("weak-cloud", "hardened")``, ``sk_simulator(profile_data={"extends":
    "weak-cloud", "set": {...}})``, ``sk_simulator("hardened", extensions=[my_extension])``.
    """
    return simulator_for


@pytest.fixture(scope="session")
def _sk_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly migrated, empty history database per test session, copied by ``sk_store``.

    Migrating takes about 0.6 s; copying the closed file about 2 ms. The contract suite opens a
    store for each test of each state, so this is most of its running time saved.
    """
    from scorekeeper.store import HistoryStore

    path = tmp_path_factory.mktemp("sk-store") / "history.db"
    HistoryStore.open(str(path)).close()
    return path


@pytest.fixture
def sk_store(tmp_path: Path, _sk_store_template: Path) -> Any:
    """A migrated history database of its own, closed after the test."""
    import shutil

    from scorekeeper.store import HistoryStore

    path = tmp_path / "history.db"
    shutil.copyfile(_sk_store_template, path)
    store = HistoryStore.open(str(path))
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

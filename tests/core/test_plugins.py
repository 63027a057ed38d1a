"""The plugin manager: contract validation and isolation of broken plugins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scorekeeper import hookimpl
from scorekeeper.domain.model import Status
from scorekeeper.plugin.manager import load_plugins
from tests.core import toy_plugins


def test_misspelled_hook_is_reported_and_other_plugins_still_load() -> None:
    plugins = load_plugins([("typo", toy_plugins.MisspelledPlugin()), ("toy", toy_plugins.GoodPlugin())])
    assert [p.plugin for p in plugins.problems] == ["typo"]
    assert "asess" in plugins.problems[0].message
    assert "ToyControl" in plugins.controls
    assert plugins.controls["ToyControl"].plugin == "toy"


def test_duplicate_control_is_refused_naming_both_plugins() -> None:
    plugins = load_plugins([("first", toy_plugins.GoodPlugin()), ("second", toy_plugins.GoodPlugin())])
    assert plugins.controls["ToyControl"].plugin == "first"
    assert any(p.plugin == "second" and "first" in p.message for p in plugins.problems)


def test_info_lists_hooks_and_controls() -> None:
    plugins = load_plugins([("toy", toy_plugins.GoodPlugin())])
    [info] = [i for i in plugins.info() if i.name == "toy"]
    assert set(info.hooks) == {"scorekeeper_register_controls", "assess", "remediate", "rollback"}
    assert info.controls == ("ToyControl",)


async def test_broken_plugin_is_isolated_from_good_one(toy_engine) -> None:
    engine = toy_engine(("toy", toy_plugins.GoodPlugin()), ("broken", toy_plugins.BrokenPlugin()))
    [run] = await engine.assess(["t1"])
    by_control = {c.control: c for c in run.controls}
    assert "plugin broken failed in assess: RuntimeError: boom" in by_control["BrokenControl"].error
    assert [f.status for f in by_control["BrokenControl"].findings] == [Status.ERROR]
    assert {f.setting: f.status for f in by_control["ToyControl"].findings} == {
        "colour": Status.FAIL,
        "size": Status.FAIL,
        "paperwork": Status.MANUAL,
    }


async def test_each_hook_reaches_only_the_owner_of_the_control(toy_engine) -> None:
    # BrokenPlugin would raise if asked about ToyControl's sibling; GoodPlugin answers None for others.
    engine = toy_engine(("broken", toy_plugins.BrokenPlugin()), ("toy", toy_plugins.GoodPlugin()))
    [run] = await engine.assess(["t1"], ["ToyControl"])
    assert not run.controls[0].error


def test_a_control_built_for_another_hook_contract_major_is_refused_clearly() -> None:
    from scorekeeper import HOOKSPEC_VERSION

    class FromTheFuture:
        @hookimpl
        def scorekeeper_register_controls(self, register) -> None:
            register(
                toy_plugins.GoodPlugin(
                    replace(toy_plugins.TOY, id="FutureControl", hookspec_version=HOOKSPEC_VERSION + 1)
                )
            )

    plugins = load_plugins([("future", FromTheFuture()), ("toy", toy_plugins.GoodPlugin())])

    assert "FutureControl" not in plugins.controls and "ToyControl" in plugins.controls
    [problem] = [p for p in plugins.problems if p.plugin == "future"]
    assert f"v{HOOKSPEC_VERSION + 1}" in problem.message and f"v{HOOKSPEC_VERSION}" in problem.message


class AsyncRegistration:
    @hookimpl
    async def scorekeeper_register_controls(self, register) -> None:
        register(toy_plugins.GoodPlugin())


class BareControl:
    @hookimpl
    def scorekeeper_register_controls(self, register) -> None:
        register(replace(toy_plugins.TOY, id="Bare"))


class RaisingRegistration:
    @hookimpl
    def scorekeeper_register_controls(self, register) -> None:
        raise RuntimeError("cannot declare")


class ReturnsCoroutine:
    @hookimpl
    def scorekeeper_register_controls(self, register):
        async def later() -> None:
            register(toy_plugins.GoodPlugin())

        return later()


class VersionOnePlugin:
    """Written for hook contract v1: a module-level scorekeeper_controls and assess hooks."""

    @hookimpl
    def scorekeeper_controls(self) -> list:
        return [toy_plugins.TOY]

    @hookimpl
    def assess(self, control, tenant):
        return None


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (AsyncRegistration(), "is async"),
        (BareControl(), "registered a Control, not a scorekeeper.Controller"),
        (RaisingRegistration(), "raised RuntimeError: cannot declare"),
        (ReturnsCoroutine(), "returned a coroutine"),
        (VersionOnePlugin(), "version-1 hooks (scorekeeper_controls, assess)"),
    ],
)
def test_a_bad_registration_is_that_plugins_problem_alone(bad, words) -> None:
    plugins = load_plugins([("bad", bad), ("toy", toy_plugins.GoodPlugin())])
    [problem] = plugins.problems
    assert problem.plugin == "bad" and words in problem.message, problem
    assert list(plugins.controls) == ["ToyControl"] and plugins.controls["ToyControl"].plugin == "toy"


def test_a_version_one_plugin_is_told_what_to_change() -> None:
    [problem] = load_plugins([("old", VersionOnePlugin())]).problems
    line = str(problem)
    assert "\n" not in line
    assert "scorekeeper_register_controls(register)" in line and "scorekeeper.Controller" in line


async def test_a_wrong_answer_from_assess_is_that_controls_error(toy_engine) -> None:
    class Wrong(toy_plugins.GoodPlugin):
        async def assess(self, tenant):
            return "not findings"

    engine = toy_engine(("wrong", Wrong(replace(toy_plugins.TOY, id="Wrong"))), ("toy", toy_plugins.GoodPlugin()))
    [run] = await engine.assess(["t1"])
    by_control = {c.control: c for c in run.controls}
    assert "expected an Assessment or a list of Finding" in by_control["Wrong"].error
    assert not by_control["ToyControl"].error


async def test_trace_prints_every_hook_and_controller_call_after_it_is_awaited(toy_engine, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCOREKEEPER_TRACE_PLUGINS", "1")
    engine = toy_engine(("toy", toy_plugins.GoodPlugin()), ("broken", toy_plugins.BrokenPlugin()))
    await engine.assess(["t1"])
    err = capsys.readouterr().err
    assert "[trace] scorekeeper_register_controls(register=" in err
    assert "[trace] toy:ToyControl.assess(tenant=TenantContext) returned Assessment(3 findings, score=0.0)" in err
    assert "[trace] broken:BrokenControl.assess(tenant=TenantContext) raised RuntimeError('boom')" in err

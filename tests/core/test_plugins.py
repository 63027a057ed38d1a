"""The plugin manager: contract validation and isolation of broken plugins."""

from __future__ import annotations

from scorekeeper.model import Status
from scorekeeper.plugins import load_plugins
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
    assert set(info.hooks) == {"scorekeeper_controls", "assess", "remediate"}
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
    from dataclasses import replace

    from scorekeeper import HOOKSPEC_VERSION, hookimpl

    class FromTheFuture:
        @hookimpl
        def scorekeeper_controls(self) -> list:
            return [replace(toy_plugins.TOY, id="FutureControl", hookspec_version=HOOKSPEC_VERSION + 1)]

    plugins = load_plugins([("future", FromTheFuture()), ("toy", toy_plugins.GoodPlugin())])

    assert "FutureControl" not in plugins.controls and "ToyControl" in plugins.controls
    [problem] = [p for p in plugins.problems if p.plugin == "future"]
    assert f"v{HOOKSPEC_VERSION + 1}" in problem.message and f"v{HOOKSPEC_VERSION}" in problem.message

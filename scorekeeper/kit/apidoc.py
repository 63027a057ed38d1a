"""Generate ``docs/reference.md``: the reference of everything public, from the code itself.

Like ``docs/hooks.md`` (the hook contract), this page is never written by hand: ``python -m
scorekeeper.kit.apidoc > docs/reference.md`` rewrites it, ``--check docs/reference.md`` exits 1
when it is stale, and ``tests/kit/test_apidoc.py`` runs that check. It covers the public modules
— ``scorekeeper`` and its building blocks, ``scorekeeper.testing`` and ``scorekeeper.simulator``
— and the core simulator's endpoints with the state paths a fixture may ``set`` for each,
taken from the route handlers and the shipped profiles' data.
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
from typing import Any

from scorekeeper.kit.hookdoc import _signature, markdown, render_type

HEADER = """\
# API reference

Generated from the code by `python -m scorekeeper.kit.apidoc > docs/reference.md`; do not edit
by hand (a test fails when it is stale). The hook contract and the `Controller` methods are in
[hooks.md](hooks.md); the tutorial is [writing-plugins.md](writing-plugins.md). Everything on this
page is public: plugins may import it, and it changes only with the version.
"""

#: Public modules and the names they offer, in reading order (``None``: the module's ``__all__``).
MODULES: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("scorekeeper", None),
    ("scorekeeper.writes", ("Request", "Part", "classify", "Failure", "project", "same", "marker_tag", "marked")),
    (
        "scorekeeper.reads",
        (
            "Read",
            "read_batch",
            "all_pages",
            "get_request",
            "remembered_request",
            "remembered_request_for_id",
            "sign_ins_request",
            "secure_score_requests",
            "secure_score",
            "ScoreReading",
            "secure_score_finding",
        ),
    ),
    ("scorekeeper.verification", ("check_write", "verified")),
    (
        "scorekeeper.conditional_access",
        (
            "Template",
            "satisfies",
            "shortfall",
            "best_match",
            "read_ca",
            "CaReads",
            "judge",
            "Verdict",
            "promotion",
            "write_policy",
            "PolicyController",
            "PolicyConfig",
            "policy_setting",
        ),
    ),
    ("scorekeeper.restore", ("restore", "merged")),
    (
        "scorekeeper.errors",
        (
            "ScorekeeperError",
            "UsageError",
            "ConfigError",
            "EngineError",
            "NotFound",
            "PlanViolation",
            "WritesStopped",
            "StoreError",
            "AuthError",
            "RemediationBlocked",
                "exit_code_of",
        ),
    ),
    (
        "scorekeeper.testing",
        (
            "sk_simulator",
            "sk_store",
            "sk_engine",
            "simulator_for",
            "simulated_tenant",
            "make_engine",
            "SimulatedEngine",
            "ControlContract",
        ),
    ),
    ("scorekeeper.simulator", None),
)

_STATE_KEY = re.compile(r"""ctx\.state\[["'](\w+)["']\]""")


def _function(name: str, function: Any) -> str:
    target = getattr(function, "_get_wrapped_function", None)
    fixture = target is not None
    if target is not None:
        function = target()
    head = f"### `{name}{_signature(function)}`" + (" (pytest fixture)" if fixture else "")
    return f"{head}\n\n{markdown(function.__doc__)}\n"


def _class(name: str, cls: type) -> str:
    return render_type(name, cls)


#: Names whose value says little (a typing alias, pluggy's markers): what they are, in words.
DESCRIBED = {
    "JSONValue": "`typing.Any`: a value as read from or written to a tenant, anything `json.dumps` accepts.",
    "hookimpl": '`pluggy.HookimplMarker("scorekeeper")`: decorate a plugin\'s hook implementations with it '
    "(`@hookimpl def scorekeeper_register_controls(register): ...`).",
    "hookspec": '`pluggy.HookspecMarker("scorekeeper")`: marks the hook specifications in '
    "`scorekeeper.plugin.hookspecs` (plugins do not need it).",
}


def render_name(name: str, value: Any) -> str:
    if name in DESCRIBED:
        return f"### `{name}`\n\n{DESCRIBED[name]}\n"
    if inspect.isclass(value):
        return _class(name, value)
    if callable(value):
        return _function(name, value)
    shown = repr(value) if not isinstance(value, enum.Enum) else f"{type(value).__name__}.{value.name}"
    if len(shown) > 100:
        shown = f"{type(value).__name__} of {len(value)}" if hasattr(value, "__len__") else type(value).__name__
    return f"### `{name}`\n\n`{shown}`\n"


def render_module(module_name: str, names: tuple[str, ...] | None) -> str:
    import importlib

    module = importlib.import_module(module_name)
    chosen = names if names is not None else tuple(module.__all__)
    parts = [f"## `{module_name}`\n", markdown(module.__doc__) + "\n"]
    parts += [render_name(name, getattr(module, name)) for name in chosen]
    return "\n".join(parts)


def _paths(value: Any, prefix: str, depth: int = 0) -> list[str]:
    """The dotted paths of ``value``'s fields as ``set`` in fixture data reaches them."""
    if isinstance(value, dict) and value and depth < 4:
        out: list[str] = []
        for key in sorted(value):
            if str(key).startswith("@"):
                continue
            out += _paths(value[key], f"{prefix}.{key}", depth + 1)
        return out
    if isinstance(value, list) and value and all(isinstance(i, dict) and "id" in i for i in value) and depth < 4:
        fields = sorted({k for item in value for k in item if not str(k).startswith("@") and k != "id"})
        return [f"{prefix}[id=…].{f}" for f in fields]
    return [prefix]


def render_simulator_state() -> str:
    """Every core endpoint, its permissions and Microsoft page, and the state paths behind it."""
    from scorekeeper.simulator import Simulator
    from scorekeeper.simulator.routes import core_routes

    sim = Simulator.from_profiles("hardened")
    state = sim.tenant(sim.tenant_id).state
    rows = [
        "## The core simulator's endpoints and settable state\n",
        "Each endpoint the core simulator serves, the permissions that grant it (any one; `+` joins a "
        "combination that must be held together), Microsoft's page it follows, and the paths of the "
        'tenant state it reads or writes — what fixture data may `set` (`{"extends": "hardened", '
        '"set": {"authorizationPolicy.allowedToUseSSPR": false}}`; `[id=X]` picks a list item by '
        "id). Paths are listed from the `hardened` profile's data; a simulator extension's state lives "
        "under `extensions.<name>`.\n",
    ]
    for route in core_routes():
        keys = list(dict.fromkeys(_STATE_KEY.findall(inspect.getsource(route.handler))))
        if route.all_of:
            grants = " or ".join("+".join(sorted(c)) for c in route.all_of)
        else:
            grants = ", ".join(sorted(route.permissions)) or "any token"
        where = "portal " if route.api == "portal" else ""
        rows.append(f"### `{route.method} {where}{route.pattern}`\n")
        rows.append(f"- permissions: {grants}")
        if route.doc:
            rows.append(f"- Microsoft: <{route.doc}>")
        paths = [p for key in keys if key in state for p in _paths(state[key], key)]
        if paths:
            rows.append("- state: " + ", ".join(f"`{p}`" for p in paths))
        rows.append("")
    return "\n".join(rows)


def render() -> str:
    """The whole of docs/reference.md."""
    sections = [HEADER]
    sections += [render_module(name, names) for name, names in MODULES]
    sections.append(render_simulator_state())
    return "\n".join(sections).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    from scorekeeper.kit.gendoc import run

    return run("scorekeeper.kit.apidoc", __doc__.splitlines()[0], render, argv)


if __name__ == "__main__":
    sys.exit(main())
